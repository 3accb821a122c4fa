"""Template helpers for hot paths (a calendar month can hold thousands of chips)."""

from __future__ import annotations

from functools import cache

from django import template
from django.templatetags.static import static
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def chip(context, c: dict):
    """One publication in the calendar: time, title, rubric colour, state; draggable when
    the person may move it. Same markup as an include, a fraction of the cost."""
    movable = context.get("can_move") and c["movable"]
    classes = f"chip st-{c['status']}" + (" late" if c["late"] else "")
    at = c["at"].strftime("%H:%M")
    hint = f"{at} · {c['channel']} · {c['title']}" + (
        f" · {c['rubric']}" if c["rubric"] else "")
    title = c["title"] if len(c["title"]) <= 60 else c["title"][:59] + "…"
    risk, mark = c.get("risk"), ""
    if risk:  # waits for approval: by when, or that it will not publish on time
        hint += f" · {risk['text']}"
        if risk["kind"] != "pending":
            classes += " at-risk"
            mark = format_html('<span class="risk-mark" role="img" aria-label="{}">!</span>',
                               risk["text"])
    return format_html(
        '<a class="{}" data-color="{}" href="{}{}/"{} title="{}">'
        '<span class="cl"><span class="nw">{}{}<span class="t">{}</span></span> '
        '<span class="ttl">{}</span></span></a>',
        classes, c["color"], context["pub_url"], c["id"],
        format_html(' draggable="true" data-pub="{}"', c["id"]) if movable else "",
        hint, mark, _icon(c.get("kind", "")), at, title)


# Kinds drawn in icons/networks.svg; any other kind (a network added later) gets "other".
NETWORK_ICONS = frozenset({"telegram", "vk", "instagram", "facebook", "mastodon", "bluesky",
                           "youtube", "tiktok", "x", "linkedin", "pinterest", "threads",
                           "odnoklassniki", "webhook", "sandbox"})


@cache
def _icon(kind: str) -> str:
    """The decorative icon's markup, made once per kind (a month has thousands of chips)."""
    symbol = kind if kind in NETWORK_ICONS else "other"
    return format_html('<svg class="ni ni-{}" aria-hidden="true" focusable="false">'
                       '<use href="{}#{}"></use></svg>', symbol,
                       static("smmdesk/icons/networks.svg"), symbol)


@register.simple_tag
def network_icon(kind: str, label: str = ""):
    """A small monochrome network icon from the sprite (one cached file, no inline style).
    With a ``label`` it is announced ("Telegram"); without, it is decoration next to text."""
    if not label:
        return _icon(kind)
    symbol = kind if kind in NETWORK_ICONS else "other"
    return format_html('<svg class="ni ni-{}" role="img" aria-label="{}"><title>{}</title>'
                       '<use href="{}#{}"></use></svg>', symbol, label, label,
                       static("smmdesk/icons/networks.svg"), symbol)


@register.simple_tag
def ui_icon(name: str):
    """A decorative line icon from icons/ui.svg (empty states, dashboard cards)."""
    return format_html('<svg class="ui-icon" aria-hidden="true" focusable="false">'
                       '<use href="{}#{}"></use></svg>', static("smmdesk/icons/ui.svg"), name)


def _short_day(value, with_year: bool) -> str:
    """«8 дек.», «8 груд.», «8 снеж.», «Dec. 8»: the month abbreviations come from our
    catalogs (``formats/names.py``), lower-case as each language writes them."""
    english = (get_language() or "en").startswith("en")
    day = "N j" if english else "j N"
    if with_year:
        day += ", Y" if english else " Y"
    return date_format(template_localtime(value), day)


@register.filter
def short_day(value, arg: str = "") -> str:
    """A day with the month abbreviated; ``|short_day:"Y"`` adds the year."""
    return _short_day(value, arg == "Y") if value else ""


@register.filter
def short_day_time(value, arg: str = "") -> str:
    """A day with the month abbreviated and the time: «8 дек., 21:05», «Dec. 8, 21:05»."""
    if not value:
        return ""
    at = date_format(template_localtime(value), "TIME_FORMAT")
    return f"{_short_day(value, arg == 'Y')}, {at}"


@register.filter
def pub_status(value: str) -> str:
    """A publication's status code in the reader's words («Запланирован»)."""
    from smmdesk.publishing.models import Status

    return str(Status(value).label) if value in Status.values else value

"""Template helpers for hot paths (a calendar month can hold thousands of chips)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

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
    return format_html(
        '<a class="{}" data-color="{}" href="{}{}/"{} title="{}">'
        '<span class="t">{}</span>{}</a>',
        classes, c["color"], context["pub_url"], c["id"],
        format_html(' draggable="true" data-pub="{}"', c["id"]) if movable else "",
        hint, at, title)

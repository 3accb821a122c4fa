"""Competitors (/w/<slug>/competitors/): other brands' public pages beside ours.

The page compares up to ``MAX_COMPARED`` competitors with us over 7, 30 or 90 days: one
table of ``competitors.metrics.compare`` (the same formulas as our own dashboard, so
"our ER" and "their ER" are one number made one way), two bar charts drawn by
static/smmdesk/charts.js with that table as their accessible fallback, and per competitor
its follower growth, format mix, best times, top posts, the posts that took off (the
outlier alert links here with ``?post=<id>``) and its pages with the last reading or the
last error, so a person sees why a figure is missing.

Topics cluster every side's texts (seconds on a busy workspace, half a minute for ten
competitors' three months), so they are worked out only on ``competitors/topics/``, which
the page loads with htmx after it is shown, and kept in the cache under a hash of the
texts they were made of.

Views stay thin: every write is ``competitors.services``; the figures come from
``competitors.selectors`` and ``competitors.metrics``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.analytics import metrics as analytics_metrics
from smmdesk.channels.selectors import channel_list
from smmdesk.competitors import metrics
from smmdesk.competitors.models import Competitor, Page, Post
from smmdesk.competitors.selectors import Side, competitor_list, competitor_side, our_side
from smmdesk.competitors.services import (
    ACCOUNT_KINDS,
    MAX_COMPARED,
    competitor_add,
    competitor_delete,
    page_add,
    page_delete,
)
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.sources import registry
from smmdesk.sources.base import ACCOUNT
from smmdesk.web.decorators import requires

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
TOP_POSTS = 5
BEST_CELLS = 3
TOOK_OFF = 5
TOPICS_CACHE_SECONDS = 6 * 3600  # pages are read every 6 hours (competitors.fetch.EVERY)

# The config key each kind's source ``validate()`` reads a competitor's page from.
ADDRESS_KEY = {"telegram": "channel", "vk": "wall", "youtube": "channel",
               "bluesky": "handle", "mastodon": "acct", "instagram": "username",
               "sandbox": "handle"}
PERCENT_COLUMNS = {"growth_rate", "er_post", "er_view", "err_telegram"}
MEDIA_LABELS = {"text": gettext_lazy("Text"), "image": gettext_lazy("Image"),
                "video": gettext_lazy("Video"), "album": gettext_lazy("Album"),
                "link": gettext_lazy("Link")}


# --- reading the request ------------------------------------------------------------------

def _days(request) -> int:
    value = request.GET.get("days") or request.POST.get("days", "")
    return int(value) if value.isdigit() and int(value) in PERIODS else DEFAULT_DAYS


def _highlight(request) -> int | None:
    value = request.GET.get("post", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _can_manage(membership: Membership) -> bool:
    return role_can(membership.role, Perm.COMPETITORS_MANAGE)


# --- the sides ----------------------------------------------------------------------------

@dataclass
class Sides:
    ours: str                      # our account's name in the comparison
    us: Side | None
    theirs: list[tuple[Competitor, Side]]
    more: int = 0                  # competitors past MAX_COMPARED, not compared

    @property
    def all(self) -> list[Side]:
        return ([self.us] if self.us else []) + [s for _c, s in self.theirs]


def _competitors(membership: Membership) -> tuple[list[Competitor], int]:
    found = list(competitor_list(workspace=membership.workspace))
    return found[:MAX_COMPARED], max(len(found) - MAX_COMPARED, 0)


def _our_name(workspace, competitors) -> str:
    """The workspace's name, unless a competitor has it: then "<name> (us)"."""
    names = {c.name for c in competitors}
    return workspace.name if workspace.name not in names else _("%(name)s (us)") % {
        "name": workspace.name}


def _sides(membership: Membership, days: int) -> Sides:
    ws = membership.workspace
    competitors, more = _competitors(membership)
    ours = _our_name(ws, competitors)
    if not competitors:
        return Sides(ours, None, [], more)
    us = our_side(workspace=ws, days=days, tz=ws.tz, name=ours)
    theirs = [(c, competitor_side(competitor=c, days=days, tz=ws.tz)) for c in competitors]
    return Sides(ours, us, theirs, more)


# --- the comparison table and the charts -----------------------------------------------------

def _unit(name: str) -> str:
    return analytics_metrics.PERCENT if name in PERCENT_COLUMNS else analytics_metrics.COUNT


def _columns(rows: list[metrics.CompareRow]) -> tuple[list[dict], list[str]]:
    """The columns some account has a figure for, and the labels of those none has."""
    tips = analytics_metrics.metric_tooltips()
    shown, empty = [], []
    for name in metrics.COMPARED:
        label = str(metrics.column_label(name))
        if any(r.values[name] is not None for r in rows):
            shown.append({"name": name, "label": label, "unit": _unit(name),
                          "tip": tips.get(name, "")})
        else:
            empty.append(label)
    return shown, empty


def _table(sides: Sides) -> dict:
    rows = metrics.compare({s.name: s.summary for s in sides.all}, ours=sides.ours)
    columns, empty = _columns(rows)
    return {"columns": columns, "empty": empty, "rows": [
        {"account": r.account, "ours": r.ours,
         "cells": [{"name": c["name"], "value": r.values[c["name"]], "unit": c["unit"],
                    "rank": r.ranks[c["name"]], "vs": r.vs_ours[c["name"]]}
                   for c in columns]}
        for r in rows]}


def _round(value):
    return round(value, 2) if isinstance(value, float) else value


def _chart(id_: str, title, labels: list[str], values: list, unit: str) -> dict:
    """A bar chart's JSON island (charts.js) and its table fallback (_chart_table.html)."""
    series = [{"label": str(title), "values": [_round(v) for v in values], "unit": unit}]
    return {"id": id_, "title": str(title), "head": _("Account"), "series": series,
            "data": {"type": "bar", "labels": labels, "series": series},
            "rows": [(label, [(series[0]["values"][i], unit)])
                     for i, label in enumerate(labels)]}


def _charts(sides: Sides) -> list[dict]:
    labels = [s.name for s in sides.all]
    return [
        _chart("competitors-er", metrics.column_label("er_post"), labels,
               [s.summary.er_post for s in sides.all], analytics_metrics.PERCENT),
        _chart("competitors-posts", metrics.column_label("posts_per_week"), labels,
               [s.summary.posts_per_week for s in sides.all], analytics_metrics.COUNT),
    ]


# --- each competitor ------------------------------------------------------------------------

@dataclass
class Card:
    competitor: Competitor
    side: Side
    pages: list[dict]
    formats: list[dict]
    best: list[dict]
    best_by_er: bool
    top: list[dict]
    took_off: list[dict] = field(default_factory=list)


def kind_title(kind: str) -> str:
    try:
        return str(registry.get(kind).title)
    except KeyError:
        return kind


def _pages(competitor: Competitor) -> list[dict]:
    return [{"page": p, "kind": kind_title(p.kind)} for p in competitor.pages.all()]


def _formats(summary: metrics.Summary) -> list[dict]:
    return [{"media": f.media, "label": MEDIA_LABELS.get(f.media, f.media), "posts": f.posts,
             "share": f.share, "width": round(f.share or 0), "er_post": f.er_post,
             "er_view": f.er_view} for f in summary.formats]


def _best(summary: metrics.Summary) -> list[dict]:
    er = summary.best_times.by == metrics.BY_ER
    hours = summary.best_times.slot_hours
    return [{"day": WEEKDAYS[c.weekday], "hours": f"{c.hour:02d}:00–{(c.hour + hours) % 24:02d}:00",
             "posts": c.posts, "value": c.value,
             "unit": analytics_metrics.PERCENT if er else analytics_metrics.COUNT}
            for c in summary.best_times.cells[:BEST_CELLS]]


def _post_row(figures: metrics.PostFigures, highlight: int | None, **extra) -> dict:
    return {"id": figures.id, "url": figures.url, "text": figures.text,
            "published_at": figures.published_at, "interactions": figures.interactions,
            "views": figures.views,
            "highlight": highlight is not None and figures.id == highlight, **extra}


def _top(side: Side, highlight: int | None) -> list[dict]:
    ranked = metrics.top_posts(side.posts, TOP_POSTS, followers=side.summary.followers)
    return [_post_row(r.post, highlight, er_post=r.er_post, er_view=r.er_view)
            for r in ranked]


def _took_off(workspace, competitors: list[Competitor], highlight: int | None
              ) -> dict[int, list[dict]]:
    """Each competitor's latest posts that did three times their median (the alert
    marked them), and the one an alert link points to even when it is older."""
    posts = (Post.objects.filter(page__competitor__in=competitors, alerted_at__isnull=False)
             .select_related("page").order_by("-alerted_at", "-pk")[:TOOK_OFF * MAX_COMPARED])
    by: dict[int, list[Post]] = {}
    for p in posts:
        if len(by.setdefault(p.page.competitor_id, [])) < TOOK_OFF:
            by[p.page.competitor_id].append(p)
    if highlight is not None and not any(p.pk == highlight for v in by.values() for p in v):
        extra = (Post.objects.filter(pk=highlight, page__competitor__workspace=workspace)
                 .select_related("page").first())
        if extra is not None:
            by.setdefault(extra.page.competitor_id, []).insert(0, extra)
    return {cid: [{"post": p, "highlight": p.pk == highlight,
                   "interactions": analytics_metrics.interactions(
                       likes=p.likes, comments=p.comments, reposts=p.shares)}
                  for p in rows]
            for cid, rows in by.items()}


def _cards(membership: Membership, sides: Sides, highlight: int | None) -> list[Card]:
    took_off = _took_off(membership.workspace, [c for c, _s in sides.theirs], highlight)
    return [Card(competitor=c, side=s, pages=_pages(c), formats=_formats(s.summary),
                 best=_best(s.summary), best_by_er=s.summary.best_times.by == metrics.BY_ER,
                 top=_top(s, highlight), took_off=took_off.get(c.pk, []))
            for c, s in sides.theirs]


# --- the forms --------------------------------------------------------------------------------

def _kinds() -> list[dict]:
    """The networks a competitor's page can be read on: kind, title and what to type."""
    out = []
    for kind in ACCOUNT_KINDS:
        src = registry.get(kind)
        if ACCOUNT not in src.modes:
            continue
        help_ = next((f.help for f in src.fields if f.name == ADDRESS_KEY[kind]), "")
        out.append({"kind": kind, "title": str(src.title), "help": str(help_ or "")})
    return out


def _page_config(kind: str, address: str) -> dict:
    """What the form gave, in the shape the kind's ``validate()`` reads (account mode)."""
    if kind not in ADDRESS_KEY:
        return {}  # page_add refuses the kind with its own message
    if not address:
        raise InvalidInput(_("Enter the page's address or handle."), code="address_required")
    config = {ADDRESS_KEY[kind]: address}
    if kind != "sandbox":  # the sandbox reads its handle as an account without a mode
        config["mode"] = ACCOUNT
    return config


def _context(request, membership: Membership, **extra) -> dict:
    days = _days(request)
    highlight = _highlight(request)
    sides = _sides(membership, days)
    kinds = _kinds()
    context = {"days": days, "periods": PERIODS, "sides": sides, "highlight": highlight,
               "can_manage": _can_manage(membership), "kinds": kinds,
               "networks": ", ".join(k["title"] for k in kinds),
               "max_compared": MAX_COMPARED, "full": len(sides.theirs) >= MAX_COMPARED,
               "instagram_channels": list(channel_list(workspace=membership.workspace)
                                          .filter(kind="instagram")),
               "tips": analytics_metrics.metric_tooltips()}
    if sides.theirs:
        context.update(table=_table(sides), charts=_charts(sides),
                       cards=_cards(membership, sides, highlight))
    context.update(extra)
    return context


def _page(request, membership: Membership, *, status: int = 200, **extra):
    return render(request, "web/competitors.html", _context(request, membership, **extra),
                  status=status)


def _back(membership: Membership, request):
    """To the comparison, over the period the form was sent from."""
    days = str(_days(request))
    url = reverse("web:competitors", args=[membership.workspace.slug])
    return redirect(url + (f"?days={days}" if days != str(DEFAULT_DAYS) else ""))


def _competitor(membership: Membership, competitor_id: int) -> Competitor:
    found = Competitor.objects.filter(workspace=membership.workspace, pk=competitor_id).first()
    if found is None:
        raise Http404
    return found


# --- pages ----------------------------------------------------------------------------------

@requires(Perm.COMPETITORS_VIEW)
def competitors(request, membership: Membership):
    return _page(request, membership)


@requires(Perm.COMPETITORS_VIEW)
def topics(request, membership: Membership):
    """"Topics" and "What they post that we do not": every side's texts clustered
    together. A fragment for htmx; a page of its own when opened without it."""
    days = _days(request)
    sides = _sides(membership, days)
    context = {"days": days, "sides": sides, **_topics(sides)}
    if request.htmx:
        return render(request, "web/competitors_topics_part.html", context)
    return render(request, "web/competitors_topics.html", context)


def topics_cached(texts: dict[str, list[str]]) -> metrics.Topics:
    """``metrics.topics`` of these texts, kept in Django's cache under a hash of the texts
    themselves: the clustering is deterministic, so a hit is never stale, and a page
    reopened before the next reading (or by a colleague) costs nothing."""
    key = "smmdesk:competitor-topics:" + hashlib.sha256(
        json.dumps(texts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = metrics.topics(texts)
        cache.set(key, found, TOPICS_CACHE_SECONDS)
    return found


def _topics(sides: Sides) -> dict:
    if not sides.theirs:
        return {"topics": None, "gaps": []}
    by_name = {s.name: s for s in sides.all}
    found = topics_cached({name: [p.text for p in s.posts] for name, s in by_name.items()})
    accounts = [s.name for s in sides.all]

    def example(e: metrics.Example) -> dict:
        post = by_name[e.account].posts[e.index]
        return {"account": e.account, "text": e.text, "url": post.url}

    rows = [{"topic": t, "cells": [{"account": a, "posts": t.counts.get(a, 0),
                                    "share": t.shares.get(a)} for a in accounts],
             "examples": [example(e) for e in t.examples]}
            for t in found.topics]
    gaps = [{"gap": g, "examples": [example(e) for e in g.examples]}
            for g in metrics.gaps(found, ours=sides.ours)]
    return {"topics": rows, "accounts": accounts, "gaps": gaps}


@require_POST
@requires(Perm.COMPETITORS_MANAGE)
def add(request, membership: Membership):
    name = request.POST.get("name", "")
    try:
        if competitor_list(workspace=membership.workspace).count() >= MAX_COMPARED:
            raise InvalidInput(ngettext(
                "smmdesk compares at most %(max)d competitor. Delete one to add another.",
                "smmdesk compares at most %(max)d competitors. Delete one to add another.",
                MAX_COMPARED) % {"max": MAX_COMPARED}, code="too_many")
        competitor = competitor_add(workspace=membership.workspace, name=name)
    except SmmdeskError as exc:
        return _page(request, membership, status=400, add_error=exc.message, add_name=name)
    messages.success(request, _("%(name)s added. Now add their pages.") % {
        "name": competitor.name})
    return _back(membership, request)


@require_POST
@requires(Perm.COMPETITORS_MANAGE)
def page_add_view(request, membership: Membership, competitor_id: int):
    competitor = _competitor(membership, competitor_id)
    p = request.POST
    kind, address = p.get("kind", ""), p.get("address", "").strip()
    channel = p.get("channel", "")
    try:
        page_add(competitor=competitor, kind=kind, config=_page_config(kind, address),
                 channel_id=int(channel) if channel.isdigit() and len(channel) < 19 else None)
    except SmmdeskError as exc:
        return _page(request, membership, status=400, page_error={
            "competitor_id": competitor.pk, "message": exc.message, "kind": kind,
            "address": address})
    messages.success(request, _("Page added: its posts and figures appear after the next "
                                "reading (within a few hours)."))
    return _back(membership, request)


@require_POST
@requires(Perm.COMPETITORS_MANAGE)
def delete(request, membership: Membership, competitor_id: int):
    competitor = _competitor(membership, competitor_id)
    competitor_delete(competitor=competitor)
    messages.success(request, _("%(name)s deleted.") % {"name": competitor.name})
    return _back(membership, request)


@require_POST
@requires(Perm.COMPETITORS_MANAGE)
def page_delete_view(request, membership: Membership, page_id: int):
    page = Page.objects.filter(competitor__workspace=membership.workspace, pk=page_id).first()
    if page is None:
        raise Http404
    page_delete(page=page)
    messages.success(request, _("Page deleted."))
    return _back(membership, request)


urlpatterns = [
    path("w/<slug:slug>/competitors/", competitors, name="competitors"),
    path("w/<slug:slug>/competitors/topics/", topics, name="competitors_topics"),
    path("w/<slug:slug>/competitors/add/", add, name="competitors_add"),
    path("w/<slug:slug>/competitors/<int:competitor_id>/pages/add/", page_add_view,
         name="competitors_page_add"),
    path("w/<slug:slug>/competitors/<int:competitor_id>/delete/", delete,
         name="competitors_delete"),
    path("w/<slug:slug>/competitors/pages/<int:page_id>/delete/", page_delete_view,
         name="competitors_page_delete"),
]

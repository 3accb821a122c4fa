"""The calendar: month, week and list views; drag a publication to move it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm
from smmdesk.channels.selectors import channel_list
from smmdesk.content.holidays import COUNTRIES, holidays_between
from smmdesk.content.models import Campaign, PlanSlot, Rubric
from smmdesk.lib.errors import SmmdeskError
from smmdesk.lib.months import day_parse
from smmdesk.publishing.access import access_publication
from smmdesk.publishing.models import Status
from smmdesk.publishing.selectors import approval_risk, calendar_rows
from smmdesk.publishing.services import publication_reschedule
from smmdesk.team.selectors import late_post_ids
from smmdesk.web.decorators import requires

PER_DAY = 6  # chips shown in a month cell before "+N more"
MOVABLE = {Status.DRAFT, Status.PENDING_APPROVAL, Status.SCHEDULED, Status.FAILED,
           Status.CANCELLED}
WEEK_HOURS = range(6, 24)


def _anchor(request, tz) -> date:
    """The day shown (today when missing); a day that is not one is a 400 (lib.months)."""
    value = request.GET.get("date")
    return day_parse(value) if value else timezone.localtime(timezone.now(), tz).date()


def _window(view: str, anchor: date) -> tuple[date, date]:
    first_weekday = int(get_format("FIRST_DAY_OF_WEEK"))  # 0 Sunday, 1 Monday
    if view == "week":
        start = anchor - timedelta(days=(anchor.isoweekday() - first_weekday) % 7)
        return start, start + timedelta(days=7)
    first = anchor.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    if view == "list":
        return first, nxt
    start = first - timedelta(days=(first.isoweekday() - first_weekday) % 7)
    end = nxt + timedelta(days=(7 - (nxt - start).days % 7) % 7)
    return start, end


def _filters(request) -> dict:
    get = request.GET
    return {k: (get.get(k) or None) for k in ("channel", "rubric", "campaign", "status",
                                              "assignee")}


def _chip(row: dict, tz, late: set[int]) -> dict:
    at = timezone.localtime(row["scheduled_at"], tz)
    title = row["post__title"] or row["post__body"][:80] or "—"
    return {"id": row["pk"], "post_id": row["post_id"], "at": at, "title": title,
            "channel": row["channel__name"], "kind": row["channel__kind"],
            "status": row["status"],
            "color": row["post__rubric__color"] or "#98a2b3",
            "rubric": row["post__rubric__name"] or "", "late": row["post_id"] in late,
            "attention": row["needs_attention"], "movable": row["status"] in MOVABLE}


def risk_marker(ws, status: str, at, now=None) -> dict | None:
    """For a publication that waits for approval: ``{"kind", "text"}``, e.g. "Needs
    approval by 8 Dec 2026, 09:15" or "Will not publish on time: not approved"."""
    risk = approval_risk(workspace=ws, status=status, at=at, now=now)
    if risk is None:
        return None
    if risk["kind"] == "late":
        return {"kind": "late", "text": _("Will not publish on time: not approved")}
    due = date_format(timezone.localtime(risk["due"], ws.tz), "SHORT_DATETIME_FORMAT")
    return {"kind": risk["kind"], "text": _("Needs approval by %(date)s") % {"date": due}}


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


@requires(Perm.CONTENT_VIEW)
def calendar(request, membership: Membership):
    ws = membership.workspace
    tz = ws.tz
    view = request.GET.get("view") if request.GET.get("view") in ("week", "list") else "month"
    anchor = _anchor(request, tz)
    start, end = _window(view, anchor)
    f = _filters(request)
    since, until = (datetime.combine(d, time.min, tzinfo=tz) for d in (start, end))
    rows = calendar_rows(workspace=ws, since=since, until=until, channel_id=f["channel"],
                         rubric_id=f["rubric"], campaign_id=f["campaign"], status=f["status"],
                         assignee_id=f["assignee"])
    late = late_post_ids(workspace=ws)
    by_day: dict[date, list[dict]] = defaultdict(list)
    now = timezone.now()
    for row in rows:
        chip = _chip(row, tz, late)
        chip["risk"] = risk_marker(ws, row["status"], row["scheduled_at"], now)
        by_day[chip["at"].date()].append(chip)
    countries = [c for c in request.GET.getlist("hol") if c in COUNTRIES] or list(COUNTRIES)
    holidays = holidays_between(start, end, countries=countries, language=get_language())
    plan = defaultdict(list)
    if not f["status"]:
        for slot in (PlanSlot.objects.filter(workspace=ws, day__gte=start, day__lt=end,
                                             post__isnull=True)
                     .select_related("rubric", "channel")):
            if f["channel"] and str(slot.channel_id) != f["channel"]:
                continue
            plan[slot.day].append(slot)
    today = timezone.localtime(timezone.now(), tz).date()
    days = [{"day": d, "chips": by_day.get(d, []), "holidays": holidays.get(d, []),
             "plan": plan.get(d, []), "today": d == today,
             "other_month": view == "month" and d.month != anchor.month} for d in _days(start, end)]
    context = {
        "view": view, "anchor": anchor, "start": start, "end": end, "days": days,
        "weeks": [days[i:i + 7] for i in range(0, len(days), 7)],
        "per_day": f":{PER_DAY}", "total": len(rows),
        "weekday_names": [date_format(start + timedelta(days=i), "D") for i in range(7)],
        "filters": f, "countries": countries,
        "all_countries": COUNTRIES, "hours": list(WEEK_HOURS),
        "prev": _step(view, anchor, -1), "next": _step(view, anchor, 1), "today": today,
        "title": _title(view, anchor, start, end),
        "channels": channel_list(workspace=ws), "rubrics": Rubric.objects.filter(workspace=ws),
        "campaigns": Campaign.objects.filter(workspace=ws),
        "members": ws.memberships.select_related("user"), "statuses": Status.choices,
        "can_move": membership.can("publications.schedule"),
        "keep": _keep(request),
        "pub_url": f"/w/{ws.slug}/publications/",
    }
    if view == "week":
        context["week_grid"] = _week_grid(days)
    return render(request, "web/calendar.html", context)


def _keep(request) -> str:
    """The filters, to carry over when moving between periods and views."""
    params = request.GET.copy()
    for key in ("view", "date"):
        params.pop(key, None)
    return params.urlencode()


def _week_grid(days: list[dict]) -> list[dict]:
    """Rows of the week view: "earlier" (before the first hour shown), then each hour."""
    rows = [{"hour": None, "cells": []}] + [{"hour": h, "cells": []} for h in WEEK_HOURS]
    for d in days:
        cells = {None: [], **{h: [] for h in WEEK_HOURS}}
        for chip in d["chips"]:
            h = chip["at"].hour
            cells[h if h in cells else None].append(chip)
        for row in rows:
            row["cells"].append({"day": d["day"], "chips": cells[row["hour"]]})
    return rows


def _step(view: str, anchor: date, direction: int) -> date:
    if view == "week":
        return anchor + timedelta(days=7 * direction)
    first = anchor.replace(day=1)
    if direction > 0:
        return (first + timedelta(days=32)).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _title(view: str, anchor: date, start: date, end: date) -> str:
    if view == "week":
        return f"{date_format(start, 'j E')} – {date_format(end - timedelta(days=1), 'j E Y')}"
    return date_format(anchor, "YEAR_MONTH_FORMAT")


@require_POST
@requires(Perm.PUBLICATIONS_SCHEDULE)
def publication_move(request, membership: Membership, pub_id: int):
    """Drag and drop: a new day (and hour, from the week view), same validation as the API."""
    ws = membership.workspace
    try:
        pub = access_publication(workspace=ws, publication_id=pub_id)
        day = day_parse(request.POST.get("date", ""))
        old = timezone.localtime(pub.scheduled_at, ws.tz) if pub.scheduled_at else None
        hour = request.POST.get("hour")
        at_time = time(int(hour), old.minute if old else 0) if hour not in (None, "") \
            else (old.timetz().replace(tzinfo=None) if old else time(10, 0))
        new_at = datetime.combine(day, at_time, tzinfo=ws.tz)
        pub = publication_reschedule(publication=pub, at=new_at, actor=request.user)
    except (ValueError, OverflowError):  # the day is checked by day_parse: this is the hour
        return JsonResponse({"ok": False, "code": "invalid_hour",
                             "message": _("That is not an hour (0 to 23).")}, status=400)
    except SmmdeskError as exc:
        return JsonResponse({"ok": False, "code": exc.code, "message": exc.message},
                            status=exc.status)
    local = timezone.localtime(pub.scheduled_at, ws.tz)
    return JsonResponse({"ok": True, "status": pub.status,
                         "message": _("Moved to %(when)s")
                         % {"when": date_format(local, "SHORT_DATETIME_FORMAT")}})


urlpatterns = [
    path("w/<slug:slug>/calendar/", calendar, name="calendar"),
    path("w/<slug:slug>/calendar/move/<int:pub_id>/", publication_move,
         name="calendar_move"),
]

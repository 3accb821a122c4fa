"""Short links: the public ``/l/<code>`` redirect, and the page of links and their clicks."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm
from smmdesk.analytics.links import click_record, link_by_code, link_stats
from smmdesk.core.throttle import client_ip
from smmdesk.lib.csvsafe import csv_writer
from smmdesk.web.decorators import requires

SPARK_W, SPARK_H = 120, 24


def _referrer_host(request) -> str:
    """Where the visitor came from, as a host only: a full address can name a person."""
    try:
        return urlsplit(request.META.get("HTTP_REFERER", "")).hostname or ""
    except ValueError:
        return ""


@csrf_exempt
@require_safe
@requires(Perm.PUBLIC)
def short_link(request, code: str):
    """302 to the link's target; a GET is counted (a HEAD, which no browser sends when a
    person follows a link, is not)."""
    link = link_by_code(code)
    if link is None:
        raise Http404
    if request.method == "GET":
        click_record(link=link, ip=client_ip(request) or "",
                     user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
                     referrer=_referrer_host(request))
    response = HttpResponseRedirect(link.target)
    response["Cache-Control"] = "private, no-store"  # every follow reaches us
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _spark(days: list) -> str:
    """SVG polyline points for the clicks per day (highest day at the top)."""
    top = max((n for _d, n in days), default=0) or 1
    step = SPARK_W / max(len(days) - 1, 1)
    return " ".join(f"{i * step:.1f},{SPARK_H - 1 - n * (SPARK_H - 2) / top:.1f}"
                    for i, (_d, n) in enumerate(days))


@requires(Perm.ANALYTICS_VIEW)
def links_page(request, membership: Membership):
    rows = link_stats(workspace=membership.workspace)
    for row in rows:
        row.spark = _spark(row.days)
        row.busiest = max(row.days, key=lambda d: d[1]) if row.days else None
    return render(request, "web/links.html", {
        "rows": rows, "spark_w": SPARK_W, "spark_h": SPARK_H,
        "totals": {"clicks": sum(r.clicks for r in rows),
                   "unique": sum(r.unique for r in rows),
                   "bots": sum(r.bots for r in rows)}})


@requires(Perm.ANALYTICS_VIEW)
def links_csv(request, membership: Membership):
    ws = membership.workspace
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="links-{ws.slug}-{day}.csv"'
    response.write("\ufeff")  # spreadsheets then read Cyrillic as UTF-8
    out = csv_writer(response)
    out.writerow([_("Short link"), _("Target"), _("Post"), _("Channel"), _("Campaign"),
                  _("Clicks"), _("Unique visitors"), _("Bots and previews"), _("Created")])
    for row in link_stats(workspace=ws):
        link = row.link
        out.writerow((row.url, link.target, str(link.post) if link.post else "",
                      link.channel.name if link.channel else "",
                      link.campaign.name if link.campaign else "",
                      row.clicks, row.unique, row.bots,
                      timezone.localtime(link.created_at).strftime("%Y-%m-%d %H:%M")))
    return response


urlpatterns = [
    path("l/<str:code>", short_link, name="short_link"),
    path("w/<slug:slug>/links/", links_page, name="links"),
    path("w/<slug:slug>/links/export.csv", links_csv, name="links_csv"),
]

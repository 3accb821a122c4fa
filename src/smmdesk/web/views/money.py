"""Conversions and ROI (/w/<slug>/analytics/money/): KPIs against the previous period,
conversions per day (chart, table, CSV), ROI by channel, campaign and rubric, the lists of
conversions and costs, promo codes, the settings and the signed conversion webhook.

Everyone who sees analytics reads the page; only "money.edit" (owner, manager) changes
anything. Every form calls the same service as the API, the webhook and the CSV import.
"""

from __future__ import annotations

import json

from django.conf import settings as settings_module
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership, Workspace
from smmdesk.accounts.roles import Perm
from smmdesk.analytics import metrics
from smmdesk.analytics.conversions import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    analytics_settings_get,
    analytics_settings_rotate_secret,
    analytics_settings_update,
    conversion_delete,
    conversion_list,
    conversion_record,
    promo_code_create,
    promo_code_delete,
    webhook_verify,
)
from smmdesk.analytics.costs import cost_create, cost_delete, cost_list
from smmdesk.analytics.dashboard import PRESET_DAYS, Kpi
from smmdesk.analytics.models import (
    ConversionKind,
    ConversionSource,
    CostKind,
    PromoCode,
)
from smmdesk.analytics.money_csv import (
    CONVERSION_COLUMNS,
    COST_COLUMNS,
    conversions_import,
    costs_import,
)
from smmdesk.analytics.roi import Roi, conversions_summary, roi_get
from smmdesk.channels.models import Channel
from smmdesk.channels.selectors import channel_list
from smmdesk.content.models import Campaign, Post
from smmdesk.lib.csvsafe import csv_writer
from smmdesk.lib.errors import InvalidInput, NotFound, SmmdeskError
from smmdesk.web.decorators import requires
from smmdesk.web.views.analytics import _chart_spec, _period, _querystring, _series

TABLES = ("days", "channel", "campaign", "rubric")


# --- reading ----------------------------------------------------------------------------------

def _channel_ids(request, workspace: Workspace) -> tuple[list[int] | None, int | None]:
    raw = request.GET.get("channel", "")
    if not raw.isdigit():
        return None, None
    channel_id = int(raw)
    if not channel_list(workspace=workspace).filter(pk=channel_id).exists():
        raise Http404
    return [channel_id], channel_id


def _kpis(roi: Roi, before: Roi) -> list[Kpi]:
    tips = metrics.metric_tooltips()
    now, was = roi.total, before.total
    return [
        Kpi("conversions", _("Conversions"), _("Conversions in the period"), now.conversions,
            was.conversions, metrics.COUNT),
        Kpi("revenue", _("Revenue"), _("The sum of the conversions' values"), now.revenue,
            was.revenue, metrics.MONEY),
        Kpi("cost", _("Cost"), _("Costs entered for the period"), now.cost, was.cost,
            metrics.MONEY, higher_is_better=False),
        Kpi("roi", _("ROI"), tips["roi"], now.roi, was.roi, metrics.PERCENT),
        Kpi("cost_per_result", _("Cost per result"), tips["cost_per_result"],
            now.cost_per_result, was.cost_per_result, metrics.MONEY, higher_is_better=False),
    ]


def _charts(summary) -> list[dict]:
    """Conversions per day (bars) and revenue per day (a line): two scales, two charts."""
    labels = [date_format(d, "SHORT_DATE_FORMAT") for d, _n, _v in summary.per_day]
    return [
        _chart_spec("conversions", _("Conversions per day"), "bar", labels, [
            _series(_("Conversions"), [n for _d, n, _v in summary.per_day])]),
        _chart_spec("revenue", _("Revenue per day"), "line", labels, [
            _series(_("Revenue"), [float(v) for _d, _n, v in summary.per_day],
                    metrics.MONEY)])]


def _page(request, membership: Membership, *, status: int = 200, **extra):
    ws = membership.workspace
    period, error = _period(request)
    if error:
        messages.error(request, error)
    channel_ids, channel_id = _channel_ids(request, ws)
    scope = {"workspace": ws, "channel_ids": channel_ids}
    roi = roi_get(start=period.start, end=period.end, **scope)
    before = period.previous()
    summary = conversions_summary(start=period.start, end=period.end, **scope)
    settings = analytics_settings_get(workspace=ws)
    can_edit = membership.can(Perm.MONEY_EDIT)
    charts = _charts(summary)
    for chart in charts:
        chart["csv"] = "?" + _querystring(request, table="days")
    hook = settings_module.SITE_URL + reverse("conversion_webhook", args=[ws.pk])
    return render(request, "web/money.html", {
        "period": period, "previous": before, "presets": PRESET_DAYS,
        "custom": bool(request.GET.get("from")) and not error,
        "channels": channel_list(workspace=ws), "channel_id": channel_id,
        "roi": roi, "summary": summary, "charts": charts,
        "kpis": _kpis(roi, roi_get(start=before.start, end=before.end, **scope)),
        "tables": [("channel", _("By channel"), _("Channel"), roi.by_channel),
                   ("campaign", _("By campaign"), _("Campaign"), roi.by_campaign),
                   ("rubric", _("By rubric"), _("Rubric"), roi.by_rubric)],
        "table_csv": {t: "?" + _querystring(request, table=t) for t in TABLES},
        "conversions": conversion_list(workspace=ws, start=period.start, end=period.end,
                                       limit=100),
        "costs": cost_list(workspace=ws, start=period.start, end=period.end, limit=100),
        "promos": PromoCode.objects.filter(workspace=ws).select_related(
            "post", "channel", "campaign").order_by("code"),
        "settings": settings, "can_edit": can_edit,
        "hook_url": hook, "hook_curl": _curl(hook, settings.webhook_secret) if can_edit else "",
        "signature_header": SIGNATURE_HEADER, "timestamp_header": TIMESTAMP_HEADER,
        "conversion_kinds": ConversionKind.choices, "cost_kinds": CostKind.choices,
        "campaigns": Campaign.objects.filter(workspace=ws).order_by("name"),
        "posts": Post.objects.filter(workspace=ws).order_by("-pk")[:200] if can_edit else [],
        "conversion_columns": ", ".join(CONVERSION_COLUMNS),
        "cost_columns": ", ".join(COST_COLUMNS), "today": timezone.localdate(),
        "tips": metrics.metric_tooltips(),
        **extra,
    }, status=status)


def _curl(url: str, secret: str) -> str:
    body = json.dumps({"kind": "order", "value": 1500, "external_id": "order-1001",
                       "promo_code": "", "utm": {"utm_campaign": "spring"}})
    return (f"BODY='{body}'\n"
            f"SIG=$(printf '%s' \"$BODY\" | openssl dgst -sha256 -hmac '{secret}' "
            f"| sed 's/^.* //')\n"
            f"curl -X POST '{url}' -H 'Content-Type: application/json' \\\n"
            f"  -H \"{SIGNATURE_HEADER}: sha256=$SIG\" \\\n"
            f"  -H \"{TIMESTAMP_HEADER}: $(date +%s)\" -d \"$BODY\"")


@requires(Perm.ANALYTICS_VIEW)
def money(request, membership: Membership):
    return _page(request, membership)


# --- CSV ------------------------------------------------------------------------------------

def _table_rows(request, membership: Membership, table: str):
    ws = membership.workspace
    period, _error = _period(request)
    channel_ids, _id = _channel_ids(request, ws)
    if table == "days":
        summary = conversions_summary(workspace=ws, start=period.start, end=period.end,
                                      channel_ids=channel_ids)
        yield [_("Day"), _("Conversions"), _("Revenue")]
        for day, n, value in summary.per_day:
            yield [day.isoformat(), n, value]
        return
    roi = roi_get(workspace=ws, start=period.start, end=period.end, channel_ids=channel_ids)
    yield [{"channel": _("Channel"), "campaign": _("Campaign"), "rubric": _("Rubric")}[table],
           _("Cost"), _("Revenue"), _("Conversions"), _("Clicks"), "ROI, %",
           _("Cost per result")]
    for r in [*getattr(roi, f"by_{table}"), roi.total]:
        yield [r.label, r.cost, r.revenue, r.conversions, r.clicks,
               "" if r.roi is None else round(r.roi, 2),
               "" if r.cost_per_result is None else r.cost_per_result]


@requires(Perm.ANALYTICS_VIEW)
def money_csv(request, membership: Membership):
    """Conversions per day (``table=days``) or ROI by channel, campaign or rubric, for
    the same period and channel as the page."""
    table = request.GET.get("table") or "days"
    if table not in TABLES:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="money-{membership.workspace.slug}-{table}.csv"')
    response.write("\ufeff")  # spreadsheets then read Cyrillic as UTF-8
    csv_writer(response).writerows(_table_rows(request, membership, table))
    return response


# --- changing ----------------------------------------------------------------------------------

def _back(request, membership: Membership):
    url = reverse("web:money", args=[membership.workspace.slug])
    query = request.POST.get("back", "")
    return redirect(url + ("?" + query if query and "\n" not in query else ""))


def _row(model, workspace: Workspace, value):
    if not str(value or "").isdigit():
        return None
    found = model.objects.filter(workspace=workspace, pk=int(value)).first()
    if found is None:
        raise NotFound(_("Not found in this workspace."))
    return found


def _form_failed(request, membership: Membership, form: str, exc: SmmdeskError):
    return _page(request, membership, status=400, form=form, form_error=exc.message,
                 posted=request.POST)


@require_POST
@requires(Perm.MONEY_EDIT)
def conversion_add(request, membership: Membership):
    p, ws = request.POST, membership.workspace
    try:
        conversion_record(workspace=ws, kind=p.get("kind", ""), value=p.get("value"),
                          occurred_at=p.get("occurred_at") or None,
                          external_id=p.get("external_id", ""), source=ConversionSource.MANUAL,
                          promo_code=p.get("promo_code", ""), link=p.get("link", ""),
                          utm={"utm_campaign": p.get("utm_campaign", ""),
                               "utm_source": p.get("utm_source", "")},
                          note=p.get("note", ""))
    except SmmdeskError as exc:
        return _form_failed(request, membership, "conversion", exc)
    messages.success(request, _("Conversion added."))
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def conversion_remove(request, membership: Membership):
    try:
        conversion_delete(workspace=membership.workspace, conversion_id=request.POST.get("id"))
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Conversion deleted."))
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def cost_add(request, membership: Membership):
    p, ws = request.POST, membership.workspace
    try:
        cost_create(workspace=ws, kind=p.get("kind", ""), amount=p.get("amount"),
                    hours=p.get("hours"), spent_on=p.get("spent_on", ""),
                    channel=_row(Channel, ws, p.get("channel")),
                    campaign=_row(Campaign, ws, p.get("campaign")),
                    post=_row(Post, ws, p.get("post")), note=p.get("note", ""),
                    actor=request.user)
    except SmmdeskError as exc:
        return _form_failed(request, membership, "cost", exc)
    messages.success(request, _("Cost added."))
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def cost_remove(request, membership: Membership):
    try:
        cost_delete(workspace=membership.workspace, cost_id=request.POST.get("id"))
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cost deleted."))
    return _back(request, membership)


def _import(request, membership: Membership, which: str):
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("Choose a CSV file to import."), code="csv_missing")
        data = upload.read()
        done = (conversions_import(workspace=membership.workspace, data=data)
                if which == "conversions" else
                costs_import(workspace=membership.workspace, data=data, actor=request.user))
    except SmmdeskError as exc:
        return _page(request, membership, status=400, import_which=which, import_error=exc,
                     import_errors=(exc.details or {}).get("errors", []))
    messages.success(request, ngettext("%(n)d row imported.", "%(n)d rows imported.",
                                       done.imported) % {"n": done.imported})
    if done.skipped:
        messages.info(request, ngettext(
            "%(n)d conversion was already there (same external id) and was not added again.",
            "%(n)d conversions were already there (same external id) and were not added "
            "again.", done.skipped) % {"n": done.skipped})
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def conversions_import_view(request, membership: Membership):
    return _import(request, membership, "conversions")


@require_POST
@requires(Perm.MONEY_EDIT)
def costs_import_view(request, membership: Membership):
    return _import(request, membership, "costs")


@require_POST
@requires(Perm.MONEY_EDIT)
def promo_add(request, membership: Membership):
    p, ws = request.POST, membership.workspace
    try:
        promo_code_create(workspace=ws, code=p.get("code", ""),
                          post=_row(Post, ws, p.get("post")),
                          channel=_row(Channel, ws, p.get("channel")),
                          campaign=_row(Campaign, ws, p.get("campaign")))
    except SmmdeskError as exc:
        return _form_failed(request, membership, "promo", exc)
    messages.success(request, _("Promo code added."))
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def promo_remove(request, membership: Membership):
    try:
        promo_code_delete(workspace=membership.workspace, promo_id=request.POST.get("id"))
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Promo code deleted."))
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def settings_save(request, membership: Membership):
    p = request.POST
    try:
        analytics_settings_update(workspace=membership.workspace,
                                  attribution_days=p.get("attribution_days"),
                                  currency=p.get("currency"),
                                  hourly_rate=p.get("hourly_rate", ""))
    except SmmdeskError as exc:
        return _form_failed(request, membership, "settings", exc)
    messages.success(request, _("Settings saved."))
    return _back(request, membership)


@require_POST
@requires(Perm.MONEY_EDIT)
def secret_rotate(request, membership: Membership):
    analytics_settings_rotate_secret(workspace=membership.workspace)
    messages.success(request, _("A new webhook secret is set: requests signed with the old "
                                "one are refused from now on."))
    return _back(request, membership)


# --- the signed webhook -----------------------------------------------------------------------

def _error(status: int, exc: SmmdeskError) -> JsonResponse:
    return JsonResponse({"error": exc.as_dict()}, status=status)


@csrf_exempt
@requires(Perm.PUBLIC)
def conversion_webhook(request, workspace_id: int):
    """POST a JSON conversion signed with the workspace's webhook secret (docs/money)."""
    if request.method != "POST":
        return JsonResponse({"error": {"code": "method", "message": _(
            "Send the conversion with POST.")}}, status=405, headers={"Allow": "POST"})
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return _error(404, NotFound(_("Workspace not found.")))
    body = request.body
    try:
        webhook_verify(workspace=workspace, body=body,
                       signature=request.headers.get(SIGNATURE_HEADER),
                       timestamp=request.headers.get(TIMESTAMP_HEADER))
        data = _json(body)
        conversion = conversion_record(workspace=workspace, source=ConversionSource.WEBHOOK,
                                       **_webhook_fields(data))
    except SmmdeskError as exc:
        return _error(exc.status, exc)
    return JsonResponse({"id": conversion.pk, "created": conversion.created,
                         "attribution": conversion.attribution},
                        status=201 if conversion.created else 200)


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(_("The body is not JSON."), code="invalid_json") from None
    if not isinstance(data, dict):
        raise InvalidInput(_("The body is a JSON object: {\"kind\": \"order\", ...}."),
                           code="invalid_json")
    return data


def _webhook_fields(data: dict) -> dict:
    utm = data.get("utm") if isinstance(data.get("utm"), dict) else {}
    utm = {**{k: v for k, v in data.items() if k.startswith("utm_")}, **utm}
    text = {k: data.get(k, "") for k in ("external_id", "promo_code", "link", "visitor",
                                         "note")}
    for key, value in text.items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(_("“%(key)s” is a text.") % {"key": key}, code="invalid_field")
        text[key] = str(value)
    return {"kind": data.get("kind", ""), "value": data.get("value"),
            "occurred_at": data.get("occurred_at"), "click": data.get("click"), "utm": utm,
            **text}


urlpatterns = [
    path("w/<slug:slug>/analytics/money/", money, name="money"),
    path("w/<slug:slug>/analytics/money/export.csv", money_csv, name="money_csv"),
    path("w/<slug:slug>/analytics/money/conversions/add/", conversion_add,
         name="money_conversion_add"),
    path("w/<slug:slug>/analytics/money/conversions/delete/", conversion_remove,
         name="money_conversion_delete"),
    path("w/<slug:slug>/analytics/money/conversions/import/", conversions_import_view,
         name="money_conversions_import"),
    path("w/<slug:slug>/analytics/money/costs/add/", cost_add, name="money_cost_add"),
    path("w/<slug:slug>/analytics/money/costs/delete/", cost_remove,
         name="money_cost_delete"),
    path("w/<slug:slug>/analytics/money/costs/import/", costs_import_view,
         name="money_costs_import"),
    path("w/<slug:slug>/analytics/money/promo/add/", promo_add, name="money_promo_add"),
    path("w/<slug:slug>/analytics/money/promo/delete/", promo_remove,
         name="money_promo_delete"),
    path("w/<slug:slug>/analytics/money/settings/", settings_save, name="money_settings"),
    path("w/<slug:slug>/analytics/money/settings/rotate/", secret_rotate,
         name="money_secret_rotate"),
]

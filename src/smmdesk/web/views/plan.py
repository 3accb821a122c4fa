"""The content plan page: rubrics and their shares, the month's slots by day, generating
a plan, CSV export and import. Every change needs "content.edit"."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smmdesk.accounts.access import access_row
from smmdesk.accounts.roles import Perm
from smmdesk.analytics.performance import (
    LIFT_POINTS,
    MIN_POSTS,
    PERFORMANCE_DAYS,
    performance_get,
    rebalance,
)
from smmdesk.channels.models import Channel
from smmdesk.channels.selectors import channel_list
from smmdesk.connectors.base import Format
from smmdesk.content.models import FORMAT_CHOICES, Rubric
from smmdesk.content.plan import (
    plan_generate,
    plan_slot_create,
    plan_slot_delete,
    plan_slot_list,
    plan_warnings,
    rubric_shares,
)
from smmdesk.content.plan_csv import SEPARATORS, plan_export, plan_import, separator_default
from smmdesk.content.services import rubric_create, rubric_update
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.lib.months import month_parse, validate_year
from smmdesk.web.decorators import requires

MAX_CSV_BYTES = 5 * 1024 * 1024
GENERATED_FORMATS = (Format.FEED, Format.STORY, Format.REEL)
SEPARATOR_NAMES = (("semicolon", gettext_lazy("Semicolon (;)")),
                   ("comma", gettext_lazy("Comma (,)")), ("tab", gettext_lazy("Tab")))


def _month(value: str | None) -> date:
    """The first day of ``2026-12``; this month (workspace time) when missing. Anything
    else is a 400 (``InvalidInput``, shown by lib.badinput); POST views read it first, so
    that a bad month changes nothing."""
    return month_parse(value) if value else timezone.localdate().replace(day=1)


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _back(slug: str, month: date):
    return redirect(f"{reverse('web:plan', args=[slug])}?month={month:%Y-%m}")


def _form_error(form: forms.Form) -> str:
    return " ".join(f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields
                    else " ".join(errors) for name, errors in form.errors.items())


class RubricForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    color = forms.RegexField(label=gettext_lazy("Colour"), regex=r"^#[0-9a-fA-F]{6}$")
    target_share = forms.IntegerField(label=gettext_lazy("Target, %"), min_value=0,
                                      max_value=100, required=False)


class _WorkspaceForm(forms.Form):
    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                field.queryset = (channel_list(workspace=workspace) if model is Channel
                                  else Rubric.objects.filter(workspace=workspace))


class SlotForm(_WorkspaceForm):
    day = forms.DateField(label=gettext_lazy("Day"), validators=[validate_year])
    time = forms.TimeField(label=gettext_lazy("Time"), required=False)
    channel = forms.ModelChoiceField(Channel.objects.none(), label=gettext_lazy("Channel"),
                                     required=False)
    rubric = forms.ModelChoiceField(Rubric.objects.none(), label=gettext_lazy("Rubric"),
                                    required=False)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMAT_CHOICES)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class GenerateForm(_WorkspaceForm):
    start = forms.DateField(label=gettext_lazy("Start"), validators=[validate_year])
    weeks = forms.IntegerField(label=gettext_lazy("Weeks"), min_value=1, max_value=26)
    feed = forms.IntegerField(label=gettext_lazy("Feed posts a week"), min_value=0,
                              max_value=14, required=False)
    story = forms.IntegerField(label=gettext_lazy("Stories a week"), min_value=0,
                               max_value=14, required=False)
    reel = forms.IntegerField(label=gettext_lazy("Reels a week"), min_value=0,
                              max_value=14, required=False)
    channels = forms.ModelMultipleChoiceField(Channel.objects.none(), required=False,
                                              label=gettext_lazy("Channels"))


def _rebalance_rule() -> str:
    period = ngettext("ER of the posts published in the last %(n)d day, a week after "
                      "publishing.", "ER of the posts published in the last %(n)d days, a "
                      "week after publishing.", PERFORMANCE_DAYS) % {"n": PERFORMANCE_DAYS}
    return period + " " + ngettext(
        "Advice: a rubric with at least %(n)d post whose ER is %(lift)d%% or more above "
        "the average — consider more; as far below — consider less.",
        "Advice: a rubric with at least %(n)d posts whose ER is %(lift)d%% or more above "
        "the average — consider more; as far below — consider less.",
        MIN_POSTS) % {"n": MIN_POSTS, "lift": round(LIFT_POINTS * 100)}


def _with_performance(membership, shares: list[dict]) -> list[dict]:
    """Each rubric's recent performance beside its share, with the rebalance advice
    (analytics/performance.py), for those who may see analytics."""
    if not membership.can("analytics.view") or not shares:
        return shares
    groups = rebalance(performance=performance_get(workspace=membership.workspace))
    return [{**row, "perf": groups.get(row["rubric"].pk) if row["rubric"] else None}
            for row in shares]


@requires(Perm.CONTENT_VIEW)
def plan(request, membership):
    return _page(request, membership, _month(request.GET.get("month")))


def _page(request, membership, month: date, import_error: SmmdeskError | None = None):
    ws = membership.workspace
    end, today = _next_month(month), timezone.localdate()
    slots = plan_slot_list(workspace=ws, start=month, end=end)
    return render(request, "web/plan.html", {
        "month": month, "prev": (month - timedelta(days=1)).replace(day=1),
        "next": end, "this_month": today.replace(day=1),
        "shares": _with_performance(membership, rubric_shares(workspace=ws, start=month,
                                                              end=end)),
        "rebalance_rule": _rebalance_rule() if membership.can("analytics.view") else "",
        "warnings": plan_warnings(workspace=ws, start=month, end=end, today=today),
        "days": [(day, list(group)) for day, group in groupby(slots, key=lambda s: s.day)],
        "rubrics": Rubric.objects.filter(workspace=ws),
        "channels": channel_list(workspace=ws), "formats": FORMAT_CHOICES,
        "generated_formats": [(f, dict(FORMAT_CHOICES)[f]) for f in GENERATED_FORMATS],
        "today": today, "default_day": today if month <= today < end else month,
        "can_edit": membership.can("content.edit"), "import_error": import_error,
        "separators": SEPARATOR_NAMES, "separator": separator_default(get_language()),
        "import_errors": (import_error.details or {}).get("errors", []) if import_error
        else [],
    }, status=400 if import_error else 200)


@requires(Perm.CONTENT_VIEW)
def export(request, membership):
    month = _month(request.GET.get("month"))
    sep = request.GET.get("sep", "")
    sep = sep if sep in SEPARATORS else separator_default(get_language())
    # A byte order mark, so that Excel reads the UTF-8 (Cyrillic names) right.
    body = "\ufeff" + plan_export(workspace=membership.workspace, start=month,
                                  end=_next_month(month), delimiter=SEPARATORS[sep])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="plan-{membership.workspace.slug}-{month:%Y-%m}.csv"')
    return response


@require_POST
@requires(Perm.CONTENT_EDIT)
def import_csv(request, membership):
    month = _month(request.POST.get("month"))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("Choose a CSV file to import."), code="csv_missing")
        if upload.size > MAX_CSV_BYTES:
            raise InvalidInput(_("The file is too large (at most 5 MB)."), code="csv_too_large")
        done = plan_import(workspace=membership.workspace, data=upload.read(),
                           actor=request.user)
    except SmmdeskError as exc:
        return _page(request, membership, month, import_error=exc)
    messages.success(request, ngettext("%(n)d row imported.", "%(n)d rows imported.",
                                       done.imported) % {"n": done.imported})
    if done.skipped:
        messages.info(request, ngettext(
            "%(n)d row describes a post that is already scheduled or out; it was left as "
            "it is.", "%(n)d rows describe posts that are already scheduled or out; they "
            "were left as they are.", done.skipped) % {"n": done.skipped})
    return _back(membership.workspace.slug, month)


@require_POST
@requires(Perm.CONTENT_EDIT)
def slot_add(request, membership):
    ws = membership.workspace
    month = _month(request.POST.get("month"))
    form = SlotForm(request.POST, workspace=ws)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return _back(ws.slug, month)
    d = form.cleaned_data
    try:
        slot = plan_slot_create(workspace=ws, day=d["day"], at=d["time"], channel=d["channel"],
                                rubric=d["rubric"], format=d["format"], note=d["note"])
    except SmmdeskError as exc:
        messages.error(request, exc.message)
        return _back(ws.slug, month)
    messages.success(request, _("Slot added."))
    return _back(ws.slug, slot.day.replace(day=1))


@require_POST
@requires(Perm.CONTENT_EDIT)
def slot_delete(request, membership, slot_id: int):
    month = _month(request.POST.get("month"))
    try:
        plan_slot_delete(workspace=membership.workspace, slot_id=slot_id)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Slot deleted."))
    return _back(membership.workspace.slug, month)


@require_POST
@requires(Perm.CONTENT_EDIT)
def generate(request, membership):
    ws = membership.workspace
    month = _month(request.POST.get("month"))
    form = GenerateForm(request.POST, workspace=ws)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return _back(ws.slug, month)
    d = form.cleaned_data
    try:
        slots = plan_generate(workspace=ws, start=d["start"], weeks=d["weeks"],
                              per_week={f: d[f] or 0 for f in GENERATED_FORMATS},
                              channels=list(d["channels"]))
    except SmmdeskError as exc:
        messages.error(request, exc.message)
        return _back(ws.slug, month)
    messages.success(request, ngettext("%(n)d slot planned.", "%(n)d slots planned.",
                                       len(slots)) % {"n": len(slots)})
    return _back(ws.slug, d["start"].replace(day=1))


@require_POST
@requires(Perm.CONTENT_EDIT)
def rubric_add(request, membership):
    month = _month(request.POST.get("month"))
    form = RubricForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_form_error(form))
        d = form.cleaned_data
        rubric = rubric_create(workspace=membership.workspace, name=d["name"], color=d["color"],
                               target_share=d["target_share"] or 0)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rubric “%(name)s” added.") % {"name": rubric.name})
    return _back(membership.workspace.slug, month)


@require_POST
@requires(Perm.CONTENT_EDIT)
def rubric_edit(request, membership, rubric_id: int):
    ws = membership.workspace
    month = _month(request.POST.get("month"))
    form = RubricForm(request.POST)
    try:
        rubric = access_row(Rubric.objects.all(), workspace=ws, pk=rubric_id,
                            message=_("Rubric not found in this workspace."),
                            code="rubric_not_found")
        if not form.is_valid():
            raise InvalidInput(_form_error(form))
        d = form.cleaned_data
        rubric_update(rubric=rubric, name=d["name"], color=d["color"],
                      target_share=d["target_share"] or 0)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rubric saved."))
    return _back(ws.slug, month)


urlpatterns = [
    path("w/<slug:slug>/plan/", plan, name="plan"),
    path("w/<slug:slug>/plan/export/", export, name="plan_export"),
    path("w/<slug:slug>/plan/import/", import_csv, name="plan_import"),
    path("w/<slug:slug>/plan/slots/add/", slot_add, name="plan_slot_add"),
    path("w/<slug:slug>/plan/slots/<int:slot_id>/delete/", slot_delete,
         name="plan_slot_delete"),
    path("w/<slug:slug>/plan/generate/", generate, name="plan_generate"),
    path("w/<slug:slug>/plan/rubrics/add/", rubric_add, name="plan_rubric_add"),
    path("w/<slug:slug>/plan/rubrics/<int:rubric_id>/", rubric_edit, name="plan_rubric_edit"),
]

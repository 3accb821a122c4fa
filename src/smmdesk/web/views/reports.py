"""Reports: past reports (the client opens and downloads them), the builder, the brand."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smmdesk.accounts.roles import Perm
from smmdesk.analytics.models import Report, ReportSchedule, ReportSection, ReportTemplate
from smmdesk.analytics.reports.render import report_sections
from smmdesk.analytics.reports.services import (
    analytics_settings_get,
    brand_get,
    brand_save,
    previous_month,
    previous_week,
    report_build,
    report_list,
    report_template_save,
)
from smmdesk.channels.selectors import channel_list
from smmdesk.content.selectors import media_list
from smmdesk.lib.errors import SmmdeskError
from smmdesk.web.decorators import requires

PERIODS = (("last_month", gettext_lazy("Last month")), ("last_week", gettext_lazy("Last week")),
           ("custom", gettext_lazy("Custom")))


class ReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Sections"), choices=ReportSection.choices,
        widget=forms.CheckboxSelectMultiple, initial=ReportSection.values)
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS,
                               initial="last_month", widget=forms.RadioSelect)
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("None ticked: all channels."))
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    schedule = forms.ChoiceField(label=gettext_lazy("Send"), required=False,
                                 choices=ReportSchedule.choices)
    recipients = forms.CharField(
        label=gettext_lazy("Recipients"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E-mail addresses, one a line. A weekly report covers the last "
                               "week (Monday–Sunday) and goes out on Monday at 08:00; a "
                               "monthly one on the 1st."))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["channels"].queryset = channel_list(workspace=workspace)
        self.fields["language"].choices = [("", _("The workspace's language")),
                                           *settings.LANGUAGES]

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Give both dates of a custom period."))
        return data

    def dates(self):
        data = self.cleaned_data
        today = timezone.localdate(timezone.now(), self.workspace.tz)
        if data["period"] == "last_week":
            return previous_week(today)
        if data["period"] == "custom":
            return data["start"], data["end"]
        return previous_month(today)


class BrandForm(forms.Form):
    brand_name = forms.CharField(label=gettext_lazy("Brand name"), max_length=200,
                                 required=False)
    brand_color = forms.CharField(label=gettext_lazy("Brand colour"), max_length=7,
                                  widget=forms.TextInput(attrs={"type": "color"}))
    brand_logo = forms.ModelChoiceField(label=gettext_lazy("Logo"), required=False,
                                        queryset=None,
                                        help_text=gettext_lazy("An image from the media "
                                                               "library; upload it there "
                                                               "first."))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand_logo"].queryset = media_list(workspace=workspace).filter(
            mime__startswith="image/")


def _brand_form(ws, data=None) -> BrandForm:
    s = analytics_settings_get(workspace=ws)
    return BrandForm(data, workspace=ws, initial={
        "brand_name": s.brand_name, "brand_color": s.brand_color, "brand_logo": s.brand_logo})


def _page(request, membership, *, form=None, brand=None, made=None, status=200):
    ws = membership.workspace
    can_edit = membership.can(Perm.REPORTS_EDIT)
    context = {"reports": report_list(workspace=ws)[:100], "can_edit": can_edit, "made": made}
    if can_edit:
        context.update(
            form=form or ReportForm(workspace=ws, initial={"name": _("Monthly report")}),
            brand_form=brand or _brand_form(ws),
            templates=ReportTemplate.objects.filter(workspace=ws).prefetch_related("channels"))
    if request.htmx:  # "Make report now": only the outcome, errors included (htmx swaps 200s)
        return render(request, "web/_report_made.html", context)
    return render(request, "web/reports.html", context, status=status)


@requires(Perm.REPORTS_VIEW)
def reports(request, membership):
    return _page(request, membership)


@require_POST
@requires(Perm.REPORTS_EDIT)
def report_make(request, membership):
    """"Make report now" builds and offers the downloads; "Save" keeps the template
    (with its schedule)."""
    ws = membership.workspace
    form = ReportForm(request.POST, workspace=ws)
    if not form.is_valid():
        return _page(request, membership, form=form, status=400)
    data = form.cleaned_data
    sections = [s for s in ReportSection.values if s in data["sections"]]
    try:
        if request.POST.get("action") == "save":
            report_template_save(workspace=ws, name=data["name"], sections=sections,
                                 channels=list(data["channels"]), language=data["language"],
                                 schedule=data["schedule"], recipients=data["recipients"],
                                 actor=request.user)
            messages.success(request, _("Report template saved."))
            return redirect("web:reports", ws.slug)
        start, end = form.dates()
        report = report_build(workspace=ws, start=start, end=end,
                              channel_ids=[c.pk for c in data["channels"]], sections=sections,
                              language=data["language"], actor=request.user,
                              title=data["name"])
    except SmmdeskError as exc:
        form.add_error(None, exc.message)
        return _page(request, membership, form=form, status=400)
    return _page(request, membership, made=report)


@require_POST
@requires(Perm.REPORTS_EDIT)
def report_brand(request, membership):
    ws = membership.workspace
    form = _brand_form(ws, request.POST)
    if form.is_valid():
        try:
            brand_save(workspace=ws, name=form.cleaned_data["brand_name"],
                       color=form.cleaned_data["brand_color"],
                       logo=form.cleaned_data["brand_logo"])
        except SmmdeskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Brand saved."))
            return redirect("web:reports", ws.slug)
    return _page(request, membership, brand=form, status=400)


@require_POST
@requires(Perm.REPORTS_EDIT)
def report_template_delete(request, membership, template_id: int):
    get_object_or_404(ReportTemplate, pk=template_id, workspace=membership.workspace).delete()
    messages.success(request, _("Report template deleted."))
    return redirect("web:reports", membership.workspace.slug)


def _report(membership, report_id: int) -> Report:
    return get_object_or_404(Report, pk=report_id, workspace=membership.workspace)


@requires(Perm.REPORTS_VIEW)
def report_detail(request, membership, report_id: int):
    report = _report(membership, report_id)
    brand = brand_get(workspace=membership.workspace)
    # In the reader's language (the PDF is in the report's own).
    sections = report_sections(figures=report.figures, color=brand["color"])
    return render(request, "web/report.html", {"report": report, "sections": sections,
                                               "brand": brand})


@requires(Perm.REPORTS_VIEW)
def report_pdf(request, membership, report_id: int):
    report = _report(membership, report_id)
    if not report.pdf:
        messages.error(request, report.error or _("This report has no PDF."))
        return redirect("web:report", membership.workspace.slug, report.pk)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="report-{report.pk}-'
                                       f'{report.period_start.isoformat()}.pdf"')
    return response


@requires(Perm.REPORTS_VIEW)
def report_csv(request, membership, report_id: int):
    report = _report(membership, report_id)
    response = HttpResponse(report.csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="report-{report.pk}-'
                                       f'{report.period_start.isoformat()}.csv"')
    return response


urlpatterns = [
    path("w/<slug:slug>/reports/", reports, name="reports"),
    path("w/<slug:slug>/reports/make/", report_make, name="report_make"),
    path("w/<slug:slug>/reports/brand/", report_brand, name="report_brand"),
    path("w/<slug:slug>/reports/templates/<int:template_id>/delete/", report_template_delete,
         name="report_template_delete"),
    path("w/<slug:slug>/reports/<int:report_id>/", report_detail, name="report"),
    path("w/<slug:slug>/reports/<int:report_id>/report.pdf", report_pdf, name="report_pdf"),
    path("w/<slug:slug>/reports/<int:report_id>/report.csv", report_csv, name="report_csv"),
]

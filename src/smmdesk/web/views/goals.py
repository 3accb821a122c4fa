"""Goals and KPIs: everyone who sees the workspace sees them; owners and managers set them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smmdesk.accounts.roles import Perm
from smmdesk.analytics.goals import (
    GoalError,
    forecast_text,
    format_value,
    goal_delete,
    goal_list,
    goal_progress,
    goal_save,
    pace_text,
    status_label,
)
from smmdesk.analytics.models import Goal, GoalMetric
from smmdesk.channels.selectors import channel_list
from smmdesk.web.decorators import requires


class GoalForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    metric = forms.ChoiceField(label=gettext_lazy("Metric"), choices=GoalMetric.choices)
    target = forms.DecimalField(label=gettext_lazy("Target"), max_digits=14,
                                decimal_places=2, min_value=0)
    starts_on = forms.DateField(label=gettext_lazy("From"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("To"),
                              widget=forms.DateInput(attrs={"type": "date"}))
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: all channels."))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = channel_list(workspace=workspace)


def goal_card(progress) -> dict:
    """What a goal's card shows (the list and the dashboard)."""
    goal = progress.goal
    return {
        "goal": goal, "progress": progress, "status": progress.status,
        "status_label": status_label(progress.status),
        "current": format_value(goal.metric, progress.current),
        "target": format_value(goal.metric, float(goal.target)),
        "percent": round(progress.percent) if progress.percent is not None else None,
        "pace": pace_text(progress), "forecast": forecast_text(progress),
        "lower_is_better": progress.lower_is_better,
    }


def goal_cards(workspace) -> list[dict]:
    return [goal_card(goal_progress(goal=g)) for g in goal_list(workspace=workspace)]


@requires(Perm.WORKSPACE_VIEW)
def goals(request, membership):
    ws = membership.workspace
    return render(request, "web/goals.html", {"cards": goal_cards(ws)})


def _edit(request, membership, goal: Goal | None):
    ws = membership.workspace
    initial = {}
    if goal:
        initial = {"name": goal.name, "metric": goal.metric, "target": goal.target,
                   "starts_on": goal.starts_on, "ends_on": goal.ends_on,
                   "channels": list(goal.channels.all())}
    form = GoalForm(request.POST or None, initial=initial, workspace=ws)
    if request.method == "POST" and form.is_valid():
        try:
            goal_save(workspace=ws, actor=request.user, goal=goal, **form.cleaned_data)
        except GoalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Goal saved."))
            return redirect("web:goals", ws.slug)
    return render(request, "web/goals_form.html", {"form": form, "goal": goal})


@requires(Perm.GOALS_EDIT)
def goal_new(request, membership):
    return _edit(request, membership, None)


@requires(Perm.GOALS_EDIT)
def goal_edit(request, membership, goal_id: int):
    goal = get_object_or_404(Goal, pk=goal_id, workspace=membership.workspace)
    return _edit(request, membership, goal)


@require_POST
@requires(Perm.GOALS_EDIT)
def goal_remove(request, membership, goal_id: int):
    goal = get_object_or_404(Goal, pk=goal_id, workspace=membership.workspace)
    goal_delete(goal=goal)
    messages.success(request, _("Goal deleted."))
    return redirect("web:goals", membership.workspace.slug)


urlpatterns = [
    path("w/<slug:slug>/goals/", goals, name="goals"),
    path("w/<slug:slug>/goals/new/", goal_new, name="goal_new"),
    path("w/<slug:slug>/goals/<int:goal_id>/", goal_edit, name="goal_edit"),
    path("w/<slug:slug>/goals/<int:goal_id>/delete/", goal_remove, name="goal_delete"),
]

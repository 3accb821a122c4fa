"""Thin views: resolve access, call a selector or service, render."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smmdesk.accounts.access import require
from smmdesk.accounts.models import User
from smmdesk.accounts.roles import Perm
from smmdesk.accounts.selectors import workspace_list_for_user
from smmdesk.accounts.services import api_token_create, api_token_revoke, workspace_create
from smmdesk.channels.selectors import channel_list
from smmdesk.content.access import access_media
from smmdesk.content.models import ApprovalState
from smmdesk.content.plan import plan_warnings
from smmdesk.lib.badinput import parse_id
from smmdesk.lib.errors import SmmdeskError
from smmdesk.publishing.access import access_publication
from smmdesk.publishing.models import Status
from smmdesk.publishing.selectors import (
    at_risk_publications,
    attention_count,
    overdue_count,
    publication_list,
)
from smmdesk.publishing.services import (
    publication_cancel,
    publication_retry,
    publication_settle,
)
from smmdesk.publishing.stats import chart_bars, publication_days
from smmdesk.team.selectors import posts_waiting, task_list
from smmdesk.team.services import notification_read
from smmdesk.web.decorators import requires
from smmdesk.web.views.analytics import curve_context
from smmdesk.web.views.calendar import risk_marker
from smmdesk.web.views.goals import goal_cards


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@requires(Perm.SIGNED_IN)
def home(request):
    slug = request.session.get("last_workspace")
    workspaces = workspace_list_for_user(user=request.user)
    if slug and workspaces.filter(slug=slug).exists():
        return redirect("web:workspace", slug=slug)
    first = workspaces.first()
    if first is None:
        return redirect("web:workspace_new")
    return redirect("web:workspace", slug=first.slug)


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    timezone = forms.CharField(label=gettext_lazy("Time zone"), initial="Europe/Kyiv")


@requires(Perm.SIGNED_IN)
def workspace_new(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ws = workspace_create(name=form.cleaned_data["name"], owner=request.user,
                                  timezone_name=form.cleaned_data["timezone"],
                                  language=request.LANGUAGE_CODE)
        except SmmdeskError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("web:workspace", slug=ws.slug)
    return render(request, "web/workspace_new.html", {"form": form})


@requires(Perm.WORKSPACE_VIEW)
def workspace(request, membership):
    """The dashboard: what needs the manager today."""
    ws = membership.workspace
    now = timezone.now()
    today = timezone.localdate(now, ws.tz)
    month_start = today.replace(day=1)
    upcoming = publication_list(workspace=ws, status=Status.SCHEDULED).order_by("scheduled_at")
    open_tasks = task_list(workspace=ws)
    late_tasks = [t for t in open_tasks if t.is_overdue]
    waiting = posts_waiting(workspace=ws)
    chart = chart_bars(publication_days(workspace=ws, start=today - timedelta(days=6), days=14))
    at_risk = at_risk_publications(workspace=ws, now=now)
    return render(request, "web/workspace.html", {
        "at_risk": [{"pub": p, "risk": risk_marker(ws, p.status, p.scheduled_at, now)}
                    for p in at_risk[:10]],
        "at_risk_count": at_risk.count(),
        "upcoming": upcoming[:8],
        "chart": chart if any(day["total"] for day in chart) else [], "today": today,
        "recent": publication_list(workspace=ws, status="published,failed,unconfirmed")[:8],
        "overdue": overdue_count(workspace=ws),
        "attention": attention_count(workspace=ws),
        "failed": publication_list(workspace=ws, status=Status.FAILED).count(),
        "channels": channel_list(workspace=ws),
        "week_count": upcoming.filter(scheduled_at__lt=now + timedelta(days=7)).count(),
        "late_tasks": late_tasks[:10],
        "my_tasks": [t for t in open_tasks if t.assignee_id == request.user.pk][:10],
        "waiting": waiting[ApprovalState.PENDING_TEAM] + waiting[ApprovalState.PENDING_CLIENT],
        "plan_warnings": plan_warnings(workspace=ws, start=month_start,
                                       end=(month_start + timedelta(days=32)).replace(day=1),
                                       today=today),
        "expiring": [c for c in channel_list(workspace=ws) if c.token_expires_at
                     and c.token_expires_at < now + timedelta(days=7)],
        "goals": goal_cards(ws),
    })


@requires(Perm.SIGNED_IN)
def notifications(request):
    rows = list(request.user.notifications.select_related("workspace")[:100])
    if request.method == "POST":
        notification_read(user=request.user)
        return redirect("web:notifications")
    return render(request, "web/notifications.html", {"rows": rows})


@requires(Perm.PUBLICATIONS_VIEW)
def publications(request, membership):
    ws = membership.workspace
    status = request.GET.get("status") or None
    channel_id = request.GET.get("channel") or None
    if status and not set(status.split(",")) <= set(Status.values):
        status = None
    qs = publication_list(workspace=ws, status=status,
                          channel_id=parse_id(channel_id))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/publications.html", {
        "page": page, "statuses": Status.choices, "status": status or "",
        "channels": channel_list(workspace=ws), "channel_id": channel_id or "",
    })


@requires(Perm.PUBLICATIONS_VIEW)
def publication(request, membership, pub_id: int):
    try:
        pub = access_publication(workspace=membership.workspace, publication_id=pub_id)
    except SmmdeskError:
        raise Http404 from None
    return render(request, "web/publication.html", {
        "pub": pub, "attempts": pub.attempts.all(),
        "variant_text": pub.variant.effective_text(),
        "variant_media": pub.variant.effective_media(),
        **curve_context(membership, pub),
    })


_ACTIONS = {
    "cancel": ("publications.schedule", lambda pub, user, post: publication_cancel(
        publication=pub, actor=user), gettext_lazy("Publication cancelled.")),
    "retry": ("publications.schedule", lambda pub, user, post: publication_retry(
        publication=pub, actor=user), gettext_lazy("Publishing again now.")),
    "settle": ("publications.resolve", lambda pub, user, post: publication_settle(
        publication=pub, actor=user, outcome=post.get("outcome", ""), url=post.get("url", "")),
        gettext_lazy("Saved.")),
}


@require_POST
@requires(Perm.PUBLICATIONS_SCHEDULE)
def publication_action(request, membership, pub_id: int, action: str):
    if action not in _ACTIONS:
        raise Http404
    permission, run, done = _ACTIONS[action]
    try:
        require(membership, permission)
        pub = access_publication(workspace=membership.workspace, publication_id=pub_id)
        run(pub, request.user, request.POST)
    except SmmdeskError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("web:publication", slug=membership.workspace.slug, pub_id=pub_id)


@requires(Perm.CONTENT_VIEW)
def media_file(request, membership, media_id: int):
    try:
        asset = access_media(workspace=membership.workspace, media_id=media_id)
    except SmmdeskError:
        raise Http404 from None
    return FileResponse(asset.file.open("rb"), content_type=asset.mime)


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    language = forms.ChoiceField(label=gettext_lazy("Interface language"), required=False,
                                 choices=[("", gettext_lazy("As in my browser"))]
                                 + list(User._meta.get_field("language").choices))


# A token that leaks from a script should stop working on its own: 90 days first.
TOKEN_EXPIRY_DAYS = {"90": gettext_lazy("Expires in 90 days"),
                     "30": gettext_lazy("Expires in 30 days"),
                     "365": gettext_lazy("Expires in a year"), "": gettext_lazy("Never expires")}


@requires(Perm.SIGNED_IN)
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"name": user.name,
                                                      "language": user.language})
    if request.method == "POST" and "save_profile" in request.POST and form.is_valid():
        user.name, user.language = form.cleaned_data["name"], form.cleaned_data["language"]
        user.save(update_fields=["name", "language"])
        # Said in the language the next page is in, not the one this request came in.
        with translation.override(user.language
                                  or translation.get_language_from_request(request)):
            messages.success(request, _("Profile saved."))
        return redirect("web:profile")
    new_token = None
    if request.method == "POST" and "create_token" in request.POST:
        days = parse_id(request.POST.get("token_days", "")) if request.POST.get(
            "token_days") in TOKEN_EXPIRY_DAYS else None
        _token, new_token = api_token_create(user=user, name=request.POST.get("token_name", ""),
                                             expires_in_days=days)
    if request.method == "POST" and "revoke_token" in request.POST:
        api_token_revoke(user=user, token_id=parse_id(request.POST["revoke_token"]) or 0)
        return redirect("web:profile")
    return render(request, "web/profile.html", {
        "form": form, "tokens": user.api_tokens.all(), "new_token": new_token,
        "api_docs": reverse("api-v1:openapi-view"),
        "token_expiry_choices": TOKEN_EXPIRY_DAYS.items(),
    })

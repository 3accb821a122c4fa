"""Approvals (the team's and the client's), tasks and team comments."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership, User
from smmdesk.accounts.roles import Perm
from smmdesk.content.access import access_post
from smmdesk.content.models import Post
from smmdesk.core.throttle import lockout_response, throttle_failure, throttle_locked
from smmdesk.lib.badinput import parse_id
from smmdesk.lib.errors import SmmdeskError
from smmdesk.lib.months import moment_parse, month_parse
from smmdesk.publishing.models import Status
from smmdesk.team.models import Task, TaskKind
from smmdesk.team.selectors import posts_waiting, task_list
from smmdesk.team.services import (
    approval_approve,
    approval_return,
    approval_submit,
    client_approve,
    client_link_open,
    client_link_revoke,
    client_link_token,
    client_media,
    client_posts,
    client_return,
    comment_add,
    task_create,
    task_set_done,
)
from smmdesk.web.decorators import requires


def _back(membership: Membership, post_id: int, anchor: str = ""):
    url = reverse("web:post", kwargs={"slug": membership.workspace.slug, "post_id": post_id})
    return redirect(url + anchor)


def _run(request, fn, ok: str) -> None:
    try:
        fn()
    except SmmdeskError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)


@require_POST
@requires(Perm.APPROVALS_ACT)
def approval_action(request, membership: Membership, post_id: int, action: str):
    post = _post(membership, post_id)
    comment = request.POST.get("comment", "")
    if action == "submit" and membership.can("content.edit"):
        _run(request, lambda: approval_submit(post=post, actor=request.user),
             _("Sent for approval."))
    elif action == "approve":
        _run(request, lambda: approval_approve(post=post, membership=membership,
                                               comment=comment), _("Approved."))
    elif action == "return" and membership.role in ("owner", "manager", "client"):
        _run(request, lambda: approval_return(post=post, actor=request.user, comment=comment),
             _("Returned to the author with your comment."))
    else:
        raise Http404
    return _back(membership, post_id, "#approval")


def _post(membership: Membership, post_id: int):
    try:
        return access_post(workspace=membership.workspace, post_id=post_id)
    except SmmdeskError:
        raise Http404 from None


@require_POST
@requires(Perm.POSTS_COMMENT)
def comment_new(request, membership: Membership, post_id: int):
    post = _post(membership, post_id)
    _run(request, lambda: comment_add(post=post, author=request.user,
                                      text=request.POST.get("text", "")), _("Comment added."))
    return _back(membership, post_id, "#comments")


def _task_add(request, membership: Membership, post) -> bool:
    ws = membership.workspace
    assignee = User.objects.filter(pk=parse_id(request.POST.get("assignee")) or 0,
                                   memberships__workspace=ws).first()
    due = request.POST.get("due") or ""
    try:
        task_create(workspace=ws, actor=request.user, post=post,
                    kind=request.POST.get("kind", ""), title=request.POST.get("title", ""),
                    assignee=assignee, due_at=moment_parse(due, ws.tz) if due else None)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, _("Task added."))
    return True


@require_POST
@requires(Perm.TASKS_EDIT)
def task_new(request, membership: Membership, post_id: int):
    _task_add(request, membership, _post(membership, post_id))
    return _back(membership, post_id, "#tasks")


def _task_form_posts(workspace):
    """Posts a task may be about: not yet (or not only) published, newest first."""
    return (Post.objects.filter(workspace=workspace)
            .filter(Q(publications__isnull=True)
                    | ~Q(publications__status__in=(Status.PUBLISHED, Status.CANCELLED)))
            .distinct().order_by("-updated_at")[:100])


@require_POST
@requires(Perm.TASKS_EDIT)
def task_new_free(request, membership: Membership):
    """A task from the Tasks page: about a post, or about nothing but its title."""
    post_id = parse_id(request.POST.get("post"))
    post = _post(membership, post_id) if post_id else None
    if _task_add(request, membership, post):
        return redirect(reverse("web:tasks", kwargs={"slug": membership.workspace.slug})
                        + "?all=1")
    return _tasks_page(request, membership, form=request.POST)


@require_POST
@requires(Perm.TASKS_EDIT)
def task_done(request, membership: Membership, task_id: int):
    task = Task.objects.filter(workspace=membership.workspace, pk=task_id).first()
    if task is None or not (membership.can("content.edit") or task.assignee_id == request.user.pk):
        raise Http404
    task_set_done(task=task, actor=request.user, done=request.POST.get("done") != "0")
    if task.post_id and "next" not in request.POST:
        return _back(membership, task.post_id, "#tasks")
    return redirect("web:tasks", slug=membership.workspace.slug)


@requires(Perm.TASKS_VIEW)
def tasks(request, membership: Membership):
    return _tasks_page(request, membership)


def _tasks_page(request, membership: Membership, form=None):
    ws = membership.workspace
    mine = request.GET.get("all") != "1"
    rows = task_list(workspace=ws, assignee=request.user if mine else None,
                     open_only=request.GET.get("done") != "1")
    now = timezone.now()
    can_edit = membership.can(Perm.TASKS_EDIT)
    return render(request, "web/tasks.html", {
        "mine": mine, "show_done": request.GET.get("done") == "1",
        "overdue": [t for t in rows if t.due_at and t.due_at < now and not t.done_at],
        "upcoming": [t for t in rows if not (t.due_at and t.due_at < now and not t.done_at)],
        "can_edit": can_edit, "form": form or {}, "task_kinds": TaskKind.choices,
        "members": ws.memberships.select_related("user").order_by("user__email")
        if can_edit else [],
        "form_posts": _task_form_posts(ws) if can_edit else [],
    }, status=400 if form else 200)


@requires(Perm.CONTENT_VIEW)
def approvals(request, membership: Membership):
    ws = membership.workspace
    # A month that is not one (2026-13, 9999-12) is a 400 before any link is signed.
    month = (month_parse(request.GET["month"]) if request.GET.get("month")
             else timezone.localdate(timezone.now(), ws.tz)).strftime("%Y-%m")
    link = None
    if membership.can(Perm.CLIENT_LINKS_MANAGE) and ws.approval_mode == "internal_client":
        try:
            # From SITE_URL: the Host header is the client's to choose.
            link = settings.SITE_URL + reverse("web:client_page", kwargs={
                "token": client_link_token(workspace=ws, month=month, actor=request.user)})
        except SmmdeskError as exc:
            messages.error(request, exc.message)
    return render(request, "web/approvals.html", {
        "waiting": posts_waiting(workspace=ws), "month": month, "client_link": link})


@require_POST
@requires(Perm.CLIENT_LINKS_MANAGE)
def client_link_revoke_view(request, membership: Membership):
    month = month_parse(request.POST.get("month", "")).strftime("%Y-%m")
    if client_link_revoke(workspace=membership.workspace, month=month, actor=request.user):
        messages.success(request, _("The link was withdrawn. Send the client the new one."))
    return redirect(reverse("web:approvals", kwargs={"slug": membership.workspace.slug})
                    + f"?month={month}")


@requires(Perm.PUBLIC)
def client_media_file(request, token: str, media_id: int):
    """A post's picture or video on the client's page, through the same signed link."""
    if throttle_locked(request):
        raise Http404
    try:
        asset = client_media(token=token, media_id=media_id)
    except SmmdeskError as exc:
        if exc.status == 403:  # a forged link counts as a failed sign-in, as on the page
            throttle_failure(request)
        raise Http404 from None
    response = FileResponse(asset.file.open("rb"), content_type=asset.mime)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@requires(Perm.PUBLIC)
def client_page(request, token: str):
    """The client's approval page: no account, a signed link for one month."""
    # A forged or wrong link counts as a failed sign-in from this address.
    if throttle_locked(request):
        return lockout_response(request, credentials={"username": None})
    try:
        workspace, month = client_link_open(token)
        first_day = month_parse(month)  # links signed before months were checked
    except SmmdeskError as exc:
        throttle_failure(request)
        return render(request, "web/client.html", {"error": exc.message, "client_view": True},
                      status=403)
    timezone.activate(workspace.tz)
    if request.method == "POST":
        _client_post(request, token)
        return redirect("web:client_page", token=token)
    posts = client_posts(workspace=workspace, month=month).prefetch_related(
        "variants__channel", "variants__variant_media__asset", "publications__channel",
        "post_media__asset")
    return render(request, "web/client.html", {
        "workspace": workspace, "month": first_day, "posts": posts,
        "token": token, "client_view": True, "name": request.session.get("client_name", "")})


def _client_post(request, token: str) -> None:
    name = " ".join(request.POST.get("name", "").split())[:100]
    if name:  # remembered for the next post on the page
        request.session["client_name"] = name
    try:
        if request.POST.get("action") == "return":
            client_return(token=token, post_id=parse_id(request.POST.get("post")) or 0, name=name,
                          comment=request.POST.get("comment", ""))
            messages.success(request, _("Thank you: your comment was sent to the team."))
            return
        ids = None if request.POST.get("action") == "approve_all" else \
            [parse_id(request.POST.get("post")) or 0]
        n = client_approve(token=token, post_ids=ids, name=name,
                           comment=request.POST.get("comment", ""))
        messages.success(request, ngettext("%(n)d post approved. Thank you!",
                                           "%(n)d posts approved. Thank you!", n) % {"n": n})
    except (SmmdeskError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Something in the form is not right.")))


urlpatterns = [
    path("w/<slug:slug>/posts/<int:post_id>/approval/<str:action>/", approval_action,
         name="approval_action"),
    path("w/<slug:slug>/posts/<int:post_id>/comments/", comment_new, name="comment_add"),
    path("w/<slug:slug>/posts/<int:post_id>/tasks/", task_new, name="task_add"),
    path("w/<slug:slug>/tasks/", tasks, name="tasks"),
    path("w/<slug:slug>/tasks/new/", task_new_free, name="task_new"),
    path("w/<slug:slug>/tasks/<int:task_id>/done/", task_done, name="task_done"),
    path("w/<slug:slug>/approvals/", approvals, name="approvals"),
    path("w/<slug:slug>/approvals/links/revoke/", client_link_revoke_view,
         name="client_link_revoke"),
    path("a/<str:token>/", client_page, name="client_page"),
    path("a/<str:token>/media/<int:media_id>/", client_media_file, name="client_media"),
]

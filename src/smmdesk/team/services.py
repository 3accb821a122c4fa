"""Tasks, approvals, team comments and notifications.

The approval flow (``Workspace.approval_mode``):

    none             posts are scheduled as soon as they are ready
    internal         draft → pending_team → approved
    internal_client  draft → pending_team → pending_client → approved

A publication of a post that is not approved waits in ``pending_approval`` and is never
published. Changing the content of a post that was sent or approved sends it back to
``draft`` (the approval was for other words) and holds its publications again.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smmdesk.accounts.models import ApprovalMode, Membership, User, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.content.models import ApprovalState, MediaAsset, Post, PostMedia, VariantMedia
from smmdesk.core.outbox import mail_enqueue
from smmdesk.lib.errors import Conflict, Forbidden, InvalidInput, NotFound
from smmdesk.team.models import (
    ApprovalAction,
    ApprovalEvent,
    ClientLink,
    Notification,
    PostComment,
    Task,
    TaskKind,
)

APPROVERS = (Role.OWNER, Role.MANAGER)
CLIENT_LINK_DAYS = 30
_SALT = "smmdesk.client-approval"

# ---------------------------------------------------------------- notifications


def notify(*, users, workspace: Workspace, text, url: str = "", email: bool = True) -> None:
    """In the app, and by e-mail when the server can send it. The e-mail goes through the
    outbox: it is sent after the caller's transaction commits, never inside it.

    ``text`` is a function that returns the message: it is called once per language of
    the recipients, under that language and the workspace's time zone, so each person
    reads it in their own words and local time, whoever (or whichever worker) acted."""
    by_language: dict[str, list[User]] = {}
    for u in users:
        if u is not None:
            by_language.setdefault(recipient_language(u, workspace), []).append(u)
    for language, group in by_language.items():
        with translation.override(language), timezone.override(workspace.tz):
            said = str(text() if callable(text) else text)
        Notification.objects.bulk_create(
            Notification(user=u, workspace=workspace, text=said[:500], url=url) for u in group)
        if email:
            mail_enqueue(subject=f"smmdesk · {workspace.name}",
                         body=f"{said}\n\n{settings.SITE_URL}{url}", workspace=workspace,
                         recipients=[u.email for u in group if u.email])


def recipient_language(user: User | None, workspace: Workspace) -> str:
    """The language a person chose, else the workspace's."""
    supported = {code for code, _name in settings.LANGUAGES}
    for language in (getattr(user, "language", ""), workspace.language):
        if language in supported:
            return language
    return settings.LANGUAGE_CODE


def notification_read(*, user: User, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def _post_url(post: Post) -> str:
    return f"/w/{post.workspace.slug}/posts/{post.pk}/"


def _members(workspace: Workspace, roles) -> list[User]:
    return [m.user for m in Membership.objects.filter(workspace=workspace, role__in=roles)
            .select_related("user")]


# ---------------------------------------------------------------- tasks


def _post_publish_at(post: Post):
    return post.publications.exclude(status="cancelled").aggregate(at=Min("scheduled_at"))["at"]


def _deadline(post: Post | None, kind: str):
    if post is None:
        return None
    at = _post_publish_at(post)
    if at is None:
        return None
    return at - timedelta(days=int(post.workspace.lead_days.get(kind, 0)))


def task_create(*, workspace: Workspace, actor: User | None, kind: str, post: Post | None = None,
                title: str = "", assignee: User | None = None, due_at=None) -> Task:
    if kind not in TaskKind.values:
        raise InvalidInput(_("Unknown task kind: %(kind)s.") % {"kind": kind}, code="invalid_kind")
    if post is not None and post.workspace_id != workspace.pk:
        raise InvalidInput(_("The post is not in this workspace."), code="post_not_found")
    if post is None and not title.strip():
        raise InvalidInput(_("Say what to do: a task without a post needs a title."),
                           code="title_required")
    if assignee is not None and not Membership.objects.filter(workspace=workspace,
                                                             user=assignee).exists():
        raise InvalidInput(_("%(user)s is not a member of this workspace.")
                           % {"user": assignee}, code="not_a_member")
    task = Task.objects.create(workspace=workspace, post=post, kind=kind,
                               title=title.strip()[:200],
                               assignee=assignee, created_by=actor,
                               due_at=due_at or _deadline(post, kind),
                               due_manual=due_at is not None)
    if assignee is not None and assignee != actor:
        notify(users=[assignee], workspace=workspace,
               text=lambda: _("New task for you: %(task)s — %(post)s")
               % {"task": task.get_kind_display(), "post": post or task.title},
               url=_post_url(post) if post else f"/w/{workspace.slug}/tasks/")
    return task


def task_deadlines_follow(*, post: Post) -> int:
    """Deadlines a person did not set move with the post's publish date."""
    changed = 0
    for task in post.tasks.filter(due_manual=False, done_at__isnull=True):
        due = _deadline(post, task.kind)
        if due != task.due_at:
            task.due_at = due
            task.save(update_fields=["due_at"])
            changed += 1
    return changed


def task_set_done(*, task: Task, actor: User, done: bool = True) -> Task:
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at"])
    return task


def task_update(*, task: Task, assignee: User | None = None, due_at=None,
                title: str | None = None) -> Task:
    fields = []
    if assignee is not None:
        if not Membership.objects.filter(workspace=task.workspace, user=assignee).exists():
            raise InvalidInput(_("%(user)s is not a member of this workspace.")
                               % {"user": assignee}, code="not_a_member")
        task.assignee = assignee
        fields.append("assignee")
    if due_at is not None:
        task.due_at, task.due_manual = due_at, True
        fields += ["due_at", "due_manual"]
    if title is not None:
        task.title = title[:200]
        fields.append("title")
    if fields:
        task.save(update_fields=fields)
    return task


def lead_days_set(*, workspace: Workspace, days: dict[str, int]) -> Workspace:
    clean = {}
    for kind, value in days.items():
        if kind not in TaskKind.values or not 0 <= int(value) <= 90:
            raise InvalidInput(_("A lead time is a number of days from 0 to 90."),
                               code="invalid_lead_time")
        clean[kind] = int(value)
    workspace.lead_days = {**workspace.lead_days, **clean}
    workspace.save(update_fields=["lead_days"])
    for post in Post.objects.filter(workspace=workspace, tasks__done_at__isnull=True).distinct():
        task_deadlines_follow(post=post)
    return workspace


# ---------------------------------------------------------------- approvals


def approval_mode_set(*, workspace: Workspace, mode: str) -> Workspace:
    if mode not in ApprovalMode.values:
        raise InvalidInput(_("Unknown approval mode."), code="invalid_mode")
    workspace.approval_mode = mode
    workspace.save(update_fields=["approval_mode"])
    return workspace


def _event(post: Post, action: str, *, actor: User | None = None, label: str = "",
           comment: str = "") -> ApprovalEvent:
    return ApprovalEvent.objects.create(post=post, action=action, actor=actor,
                                        actor_label=label[:150], comment=comment)


def _set_state(post: Post, state: str) -> None:
    post.approval = state
    post.save(update_fields=["approval", "updated_at"])


def _approval_request_text(actor: User | None, post: Post, publish_at) -> str:
    if actor is None:  # the system itself (an import, a command)
        return _("A post is waiting for your approval: %(post)s") % {"post": post}
    if publish_at is None:
        return _("%(user)s asks you to approve: %(post)s") % {"user": actor, "post": post}
    return _("%(user)s asks you to approve: %(post)s (to publish on %(when)s)") % {
        "user": actor, "post": post,
        "when": date_format(timezone.localtime(publish_at), "SHORT_DATETIME_FORMAT")}


@transaction.atomic
def approval_submit(*, post: Post, actor: User) -> Post:
    if not post.workspace.needs_approval:
        raise Conflict(_("This workspace publishes without approval."), code="no_approval")
    if post.approval in (ApprovalState.PENDING_TEAM, ApprovalState.PENDING_CLIENT):
        raise Conflict(_("This post is already waiting for approval."), code="already_pending")
    if post.approval == ApprovalState.APPROVED:
        raise Conflict(_("This post is already approved."), code="already_approved")
    _set_state(post, ApprovalState.PENDING_TEAM)
    _event(post, ApprovalAction.SUBMITTED, actor=actor)
    publish_at = _post_publish_at(post)
    notify(users=[u for u in _members(post.workspace, APPROVERS) if u != actor],
           workspace=post.workspace, url=_post_url(post),
           text=lambda: _approval_request_text(actor, post, publish_at))
    return post


def _approve(post: Post, *, actor: User | None, label: str = "", comment: str = "") -> Post:
    from smmdesk.publishing.services import publication_release

    if post.approval == ApprovalState.PENDING_TEAM:
        if post.workspace.approval_mode == ApprovalMode.INTERNAL_CLIENT:
            _set_state(post, ApprovalState.PENDING_CLIENT)
            _event(post, ApprovalAction.APPROVED, actor=actor, comment=comment)
            return post
        _set_state(post, ApprovalState.APPROVED)
        _event(post, ApprovalAction.APPROVED, actor=actor, comment=comment)
    elif post.approval == ApprovalState.PENDING_CLIENT:
        _set_state(post, ApprovalState.APPROVED)
        _event(post, ApprovalAction.CLIENT_APPROVED, actor=actor, label=label, comment=comment)
    else:
        raise Conflict(_("This post is not waiting for approval."), code="not_pending")
    post.tasks.filter(kind=TaskKind.APPROVAL, done_at__isnull=True).update(
        done_at=timezone.now())
    publication_release(post=post)
    notify(users=[post.author] if post.author and post.author != actor else [],
           workspace=post.workspace, url=_post_url(post),
           text=lambda: _("Approved: %(post)s") % {"post": post})
    return post


@transaction.atomic
def approval_approve(*, post: Post, membership: Membership, comment: str = "") -> Post:
    """The team approves a post waiting for the team; a client member approves a post
    waiting for the client."""
    if post.approval == ApprovalState.PENDING_CLIENT and membership.role != Role.CLIENT \
            and membership.role not in APPROVERS:
        raise Forbidden(_("Only the client or a manager can give the client's approval."),
                        code="role_forbids")
    if post.approval == ApprovalState.PENDING_TEAM and membership.role not in APPROVERS:
        raise Forbidden(_("Only an owner or a manager can approve posts."), code="role_forbids")
    label = _("%(user)s (for the client)") % {"user": membership.user} \
        if post.approval == ApprovalState.PENDING_CLIENT and membership.role != Role.CLIENT \
        else ""
    return _approve(post, actor=membership.user, label=label, comment=comment)


@transaction.atomic
def approval_return(*, post: Post, actor: User | None, comment: str, label: str = "") -> Post:
    if post.approval not in (ApprovalState.PENDING_TEAM, ApprovalState.PENDING_CLIENT):
        raise Conflict(_("This post is not waiting for approval."), code="not_pending")
    if not comment.strip():
        raise InvalidInput(_("Say what should change, so the author knows what to fix."),
                           code="comment_required")
    _set_state(post, ApprovalState.RETURNED)
    _event(post, ApprovalAction.RETURNED, actor=actor, label=label, comment=comment.strip())
    notify(users=[post.author] if post.author else [], workspace=post.workspace,
           url=_post_url(post),
           text=lambda: _("Returned for changes: %(post)s — “%(comment)s”")
           % {"post": post, "comment": comment.strip()[:200]})
    return post


def approval_reset(*, post: Post, actor: User | None) -> None:
    """The words changed after the post was sent or approved: it needs approval again."""
    from smmdesk.publishing.services import publication_hold

    if not post.workspace.needs_approval or post.approval in (ApprovalState.DRAFT,
                                                              ApprovalState.RETURNED):
        return
    _set_state(post, ApprovalState.DRAFT)
    _event(post, ApprovalAction.RESET, actor=actor)
    publication_hold(post=post)


# ---------------------------------------------------------------- client links


def client_link_token(*, workspace: Workspace, month: str, actor: User | None = None) -> str:
    """A signed token for the client's approval page of one month ("2026-12"): the
    month's link that is not withdrawn, or a new one. The token names the link's row, so
    ``client_link_revoke`` withdraws every copy of it."""
    if not re.fullmatch(r"\d{4}-\d{2}", month):
        raise InvalidInput(_("A month looks like 2026-12."), code="invalid_month")
    link = ClientLink.objects.filter(workspace=workspace, month=month,
                                     revoked_at__isnull=True).first()
    if link is None:
        link = ClientLink.objects.create(workspace=workspace, month=month, created_by=actor)
    return signing.dumps({"w": workspace.pk, "m": month, "l": link.pk}, salt=_SALT,
                         compress=True)


def client_link_revoke(*, workspace: Workspace, month: str, actor: User | None) -> int:
    """Withdraw the month's link (sent to the wrong person, or the month is settled); the
    next ``client_link_token`` makes a new one."""
    return ClientLink.objects.filter(workspace=workspace, month=month,
                                     revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor)


def _client_link_check(data: dict) -> None:
    link = ClientLink.objects.filter(pk=data.get("l"), workspace_id=data.get("w"),
                                     month=data.get("m")).first() if data.get("l") else None
    if link is None:  # a link from before links could be withdrawn, or a forged one
        raise Forbidden(_("This approval link is not valid."), code="link_invalid")
    if link.revoked_at is not None:
        raise Forbidden(_("This approval link was withdrawn by the team. Ask your manager "
                          "for a new one."), code="link_revoked")


def client_link_open(token: str) -> tuple[Workspace, str]:
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=CLIENT_LINK_DAYS))
    except signing.SignatureExpired as exc:
        raise Forbidden(_("This approval link has expired. Ask your manager for a new one."),
                        code="link_expired") from exc
    except signing.BadSignature as exc:
        raise Forbidden(_("This approval link is not valid."), code="link_invalid") from exc
    _client_link_check(data)
    return Workspace.objects.get(pk=data["w"]), data["m"]


def client_posts(*, workspace: Workspace, month: str):
    """Posts of the month (by publish date) waiting for the client."""
    year, mon = (int(x) for x in month.split("-"))
    return (Post.objects.filter(workspace=workspace, approval=ApprovalState.PENDING_CLIENT,
                                publications__scheduled_at__year=year,
                                publications__scheduled_at__month=mon)
            .distinct().order_by("pk"))


def _client_label(name: str) -> str:
    """Who answered on the link: the team must know which person at the client it was."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise InvalidInput(_("Write your name, so the team knows who answered."),
                           code="name_required")
    return _("Client: %(name)s (approval link)") % {"name": name}


def client_media(*, token: str, media_id: int) -> MediaAsset:
    """A picture or video of a post on the client's page, for as long as the link works:
    only the files of the month's posts that wait for the client, nothing else of the
    workspace's library."""
    workspace, month = client_link_open(token)
    posts = client_posts(workspace=workspace, month=month).values("pk")
    asset = MediaAsset.objects.filter(workspace=workspace, pk=media_id).filter(
        Q(pk__in=PostMedia.objects.filter(post__in=posts).values("asset_id"))
        | Q(pk__in=VariantMedia.objects.filter(variant__post__in=posts).values("asset_id"))
    ).first()
    if asset is None:
        raise NotFound(_("Media file not found."), code="media_not_found")
    return asset


@transaction.atomic
def client_approve(*, token: str, post_ids, name: str = "", comment: str = "") -> int:
    workspace, month = client_link_open(token)
    label = _client_label(name)
    posts = client_posts(workspace=workspace, month=month)
    if post_ids is not None:
        posts = posts.filter(pk__in=post_ids)
    count = 0
    for post in posts:
        _approve(post, actor=None, label=label, comment=comment)
        count += 1
    return count


@transaction.atomic
def client_return(*, token: str, post_id: int, comment: str, name: str = "") -> Post:
    workspace, month = client_link_open(token)
    post = client_posts(workspace=workspace, month=month).filter(pk=post_id).first()
    if post is None:
        raise InvalidInput(_("That post is not waiting for your approval."), code="not_pending")
    label = _client_label(name)
    return approval_return(post=post, actor=None, comment=comment, label=label)


# ---------------------------------------------------------------- team comments


_MENTION = re.compile(r"@([\w.+-]+(?:@[\w-]+\.[\w.-]+)?)")


def _mentioned(workspace: Workspace, text: str) -> list[User]:
    wanted = {m.lower() for m in _MENTION.findall(text)}
    found = []
    for m in Membership.objects.filter(workspace=workspace).select_related("user"):
        email = m.user.email.lower()
        if email in wanted or email.split("@")[0] in wanted:
            found.append(m.user)
    return found


def comment_add(*, post: Post, author: User, text: str) -> PostComment:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write something first."), code="empty_comment")
    comment = PostComment.objects.create(post=post, author=author, text=text)
    mentioned = [u for u in _mentioned(post.workspace, text) if u != author]
    comment.mentions.set(mentioned)
    notify(users=mentioned, workspace=post.workspace, url=_post_url(post),
           text=lambda: _("%(user)s mentioned you on “%(post)s”: %(text)s")
           % {"user": author, "post": post, "text": text[:200]})
    return comment


# ---------------------------------------------------------------- editing posts


def content_fingerprint(post: Post) -> tuple:
    """What an approver approved: the words, media and format of every variant."""
    variants = post.variants.select_related("post").prefetch_related(
        "variant_media", "post__post_media")
    return (post.body, tuple(a.pk for a in post.ordered_media()),
            tuple(sorted((v.channel_id, v.effective_text(), v.format,
                          tuple(a.pk for a in v.effective_media()),
                          tuple(sorted(v.options.items()))) for v in variants)))


def post_edit(*, post: Post, actor: User | None, **changes) -> Post:
    """Edit a post; new words, media or formats need approval again."""
    from smmdesk.content.services import post_update

    with transaction.atomic():
        before = content_fingerprint(post)
        post_update(post=post, actor=actor, **changes)
        if content_fingerprint(post) != before:
            approval_reset(post=post, actor=actor)
    return post


def variant_edit(*, post: Post, channel, actor: User | None, **changes):
    from smmdesk.content.services import variant_set

    with transaction.atomic():
        before = content_fingerprint(post)
        variant = variant_set(post=post, channel=channel, **changes)
        if content_fingerprint(post) != before:
            approval_reset(post=post, actor=actor)
    return variant

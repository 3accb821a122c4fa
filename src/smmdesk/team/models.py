"""The team around a post: production tasks, approvals, comments and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from smmdesk.accounts.models import Workspace
from smmdesk.content.models import Post


class TaskKind(models.TextChoices):
    COPY = "copy", pgettext_lazy("task kind: writing the text", "Copy")
    DESIGN = "design", _("Design")
    VIDEO = "video", _("Video")
    APPROVAL = "approval", _("Approval")
    OTHER = "other", _("Other")


class Task(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tasks")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="tasks")
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=200, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="tasks")
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    # True when a person set the deadline; otherwise it follows the post's publish date.
    due_manual = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["workspace", "done_at", "due_at"], name="task_open_due")]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < timezone.now()


class ApprovalAction(models.TextChoices):
    SUBMITTED = "submitted", _("sent for approval")
    APPROVED = "approved", _("approved")
    CLIENT_APPROVED = "client_approved", _("approved by the client")
    RETURNED = "returned", _("returned for changes")
    RESET = "reset", _("changed after approval; approval needed again")


class ApprovalEvent(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approval_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)  # a client without an account
    action = models.CharField(max_length=20, choices=ApprovalAction.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    @property
    def who(self) -> str:
        return self.actor_label or (str(self.actor) if self.actor else "—")


class PostComment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="team_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    text = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notif_user_unread")]


class ClientLink(models.Model):
    """The client's approval link for one month. The signed token names this row, so the
    team can withdraw a link (``revoked_at``) that was sent to the wrong person."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)  # "2026-12"
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "month"], name="clientlink_ws_month")]

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel
from smmdesk.content.models import Post, Variant


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    CANCELLED = "cancelled", _("Cancelled")


# Which state may follow which. Services check every change against this table.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PENDING_APPROVAL, Status.SCHEDULED, Status.CANCELLED}),
    Status.PENDING_APPROVAL: frozenset({Status.DRAFT, Status.SCHEDULED, Status.PENDING_APPROVAL,
                                        Status.CANCELLED}),
    Status.SCHEDULED: frozenset({Status.DRAFT, Status.PENDING_APPROVAL, Status.PUBLISHING,
                                 Status.SCHEDULED, Status.CANCELLED}),
    Status.PUBLISHING: frozenset({Status.PUBLISHED, Status.FAILED, Status.UNCONFIRMED,
                                  Status.SCHEDULED}),
    Status.UNCONFIRMED: frozenset({Status.PUBLISHED, Status.SCHEDULED, Status.FAILED}),
    Status.FAILED: frozenset({Status.SCHEDULED, Status.PENDING_APPROVAL, Status.DRAFT,
                              Status.CANCELLED}),
    Status.PUBLISHED: frozenset(),
    Status.CANCELLED: frozenset({Status.DRAFT, Status.SCHEDULED, Status.PENDING_APPROVAL}),
}

EDITABLE = frozenset({Status.DRAFT, Status.PENDING_APPROVAL, Status.SCHEDULED, Status.FAILED,
                      Status.CANCELLED})


def new_marker() -> str:
    return uuid.uuid4().hex


class InvalidTransition(ValueError):
    """A status change the table does not allow: a bug in the caller, not a race."""


class PublicationQuerySet(models.QuerySet):
    def transition(self, source: str, to: str | None, **fields) -> int:
        """The one write of ``Publication.status``: an atomic conditional UPDATE of the
        rows here that are still ``source``, to ``to`` (None: the status stays and only
        ``fields`` change), refused unless TRANSITIONS allows ``source`` → ``to``.
        Returns how many rows changed, so callers narrow the rows (by pk, claim token,
        due time) and count what their compare-and-swap won."""
        if to is not None:
            if to not in TRANSITIONS[source]:
                raise InvalidTransition(f"publication {source} -> {to} is not allowed")
            fields["status"] = to
        fields.setdefault("updated_at", timezone.now())
        return self.filter(status=source).update(**fields)


class Publication(models.Model):
    """One post going to one channel, and everything the engine knows about it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="publications")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="publications")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="publications")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="publications")
    # Changed only through ``Publication.objects....transition()`` (tests/publishing/
    # test_transitions.py checks that no other code writes it).
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    # When the dispatcher should next look at this row: the scheduled time, a retry time
    # or the next reconciliation check. NULL: nothing to do without a person.
    due_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, default="")
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    check_count = models.PositiveSmallIntegerField(default=0)
    marker = models.CharField(max_length=32, unique=True, default=new_marker)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    needs_attention = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="publication_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="pub_status_due"),
            models.Index(fields=["workspace", "scheduled_at"], name="pub_ws_scheduled"),
            models.Index(fields=["claimed_by", "status"], name="pub_claimed_by"),
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}"


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Published")
    PERMANENT = "permanent", _("Refused")
    TRANSIENT = "transient", _("Temporary error")
    AMBIGUOUS = "ambiguous", _("No clear answer")
    CRASHED = "crashed", _("Worker stopped")
    FOUND = "found", _("Found on the network")
    NOT_FOUND = "not_found", _("Not on the network")
    UNKNOWN = "unknown", _("Could not check")


class PublishAttempt(models.Model):
    """One call to the network for a publication: a publish, or a check for an unconfirmed one."""

    KIND_PUBLISH = "publish"
    KIND_CHECK = "check"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE,
                                    related_name="attempts")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, default=KIND_PUBLISH)
    number = models.PositiveSmallIntegerField()
    worker_id = models.CharField(max_length=100, blank=True)
    # The claim this attempt was made under: one claim sends at most once, so a job that
    # is delivered again (a Celery redelivery) can never publish a second time.
    claim_token = models.CharField(max_length=32, blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [
            models.Index(fields=["channel", "started_at"], name="attempt_channel_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "claim_token"], name="attempt_one_send_per_claim",
                condition=models.Q(kind="publish") & ~models.Q(claim_token="")),
        ]


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    executor = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    in_flight = models.PositiveIntegerField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)


class PostingSlot(models.Model):
    """A weekly time at which a channel publishes what is queued for it."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    time = models.TimeField(_("time"))

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [models.UniqueConstraint(fields=["channel", "weekday", "time"],
                                               name="slot_unique")]

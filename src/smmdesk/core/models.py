from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be tried again")
    DEAD = "dead", _("Given up")


class OutboxMessage(models.Model):
    """Something to tell the outside world (an e-mail, a Telegram alert, a reply on a
    network) once the transaction that decided it has committed. See ``core.outbox``."""

    workspace = models.ForeignKey("accounts.Workspace", null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="outbox_messages")
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True, default="")
    claimed_by = models.CharField(max_length=200, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["status", "claimed_until"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

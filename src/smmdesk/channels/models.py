from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace
from smmdesk.connectors.registry import kind_label


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
    DISABLED = "disabled", _("Disabled")


class Channel(models.Model):
    """One connected account of one network (a Telegram channel, a VK community...)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    # No ``choices`` here: the registry is the list, so adding a network needs no migration.
    kind = models.CharField(_("network"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(max_length=200)
    url = models.URLField(blank=True, max_length=500)
    # Fernet token of a JSON object; see lib/crypto.py. Never shown, never logged.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    settings = models.JSONField(default=dict, blank=True)  # public, connector-specific
    status = models.CharField(max_length=20, choices=ChannelStatus.choices,
                              default=ChannelStatus.ACTIVE)
    status_message = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    # Set while one worker renews the tokens (compare-and-swap): a rotating refresh token
    # (Bluesky) works once, so a second worker must wait and read the new one instead.
    refresh_lease_until = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "external_id"],
                                    name="channel_unique_account"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def get_kind_display(self) -> str:
        return kind_label(self.kind)

    @property
    def is_active(self) -> bool:
        return self.status == ChannelStatus.ACTIVE


class NetworkThrottle(models.Model):
    """A network app told us to wait (Retry-After for the whole app, not one channel)."""

    kind = models.CharField(max_length=32, unique=True)
    blocked_until = models.DateTimeField()


class OAuthApp(models.Model):
    """Our app registered on one server of a federated network (a Mastodon instance)."""

    kind = models.CharField(max_length=32)
    instance = models.CharField(max_length=255)
    client_id = models.CharField(max_length=255)
    client_secret_encrypted = models.TextField()
    redirect_uri = models.CharField(max_length=500)
    scopes = models.CharField(max_length=500, blank=True)  # registered with these
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "instance", "redirect_uri"],
                                               name="oauthapp_unique")]


class DeliveryStatus(models.TextChoices):
    NEW = "new", _("Waiting")
    DONE = "done", _("Taken in")
    SET_ASIDE = "set_aside", _("Set aside")  # could not be read; ``error`` says why
    REFUSED = "refused", _("Refused")  # bad signature etc.; pruned after some days


class WebhookDelivery(models.Model):
    """One request a network pushed to us: accepted with its events, or refused and why.
    Accepted ones are taken in by one worker at a time (``claimed_by`` until
    ``claimed_until``); one that cannot be read is set aside with its error, so it never
    holds up the others. See ``channels/webhooks.py``."""

    kind = models.CharField(max_length=32)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="webhook_deliveries")
    accepted = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    events = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.NEW)
    error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"], name="delivery_status")]

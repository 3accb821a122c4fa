"""Every write to channels: connect, reconnect, mark broken, disable, throttle."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User, Workspace
from smmdesk.channels.models import Channel, ChannelStatus, NetworkThrottle
from smmdesk.connectors import oauth
from smmdesk.connectors.base import (
    ChannelContext,
    Connector,
    ConnectResult,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.registry import CONNECTORS, connector_class, kind_label
from smmdesk.lib.crypto import CannotDecrypt, decrypt_json, encrypt_json
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.http import HttpClient
from smmdesk.lib.links import safe_http_url


def channel_connect(*, workspace: Workspace, kind: str, data: dict, actor: User | None,
                    http: HttpClient | None = None) -> Channel:
    """Ask the network to confirm what the person entered, then store the channel.

    Connecting the same account again (same network and id) updates its credentials
    and makes it active: that is how a person fixes "needs reconnecting".
    """
    if kind not in CONNECTORS:
        raise InvalidInput(_("Unknown network: %(kind)s.") % {"kind": kind}, code="unknown_kind")
    cls = connector_class(kind)
    secrets = [v for v in data.values() if isinstance(v, str)]
    with (http or HttpClient(secrets=secrets)) as client:
        try:
            result = cls.connect(data, client)
        except PermanentError as exc:
            raise InvalidInput(exc.message, code=exc.code or "connect_failed") from exc
    return channel_store(workspace=workspace, kind=kind, result=result, actor=actor)


@transaction.atomic
def channel_store(*, workspace: Workspace, kind: str, result: ConnectResult,
                  actor: User | None) -> Channel:
    channel, _created = Channel.objects.select_for_update().get_or_create(
        workspace=workspace, kind=kind, external_id=result.external_id,
        defaults={"name": result.name, "connected_by": actor})
    channel.name = result.name
    channel.url = safe_http_url(result.url)  # shown as a link: http(s) only
    channel.settings = {**channel.settings, **result.settings}
    # Reconnecting keeps what the new grant does not replace (a webhook's secret...).
    old = {} if _created else _credentials_or_empty(channel)
    channel.credentials_encrypted = encrypt_json({**old, **result.credentials})
    channel.token_expires_at = result.token_expires_at
    channel.status = ChannelStatus.ACTIVE
    channel.status_message = ""
    channel.connected_by = actor
    channel.save()
    _measure(channel)
    return channel


def _measure(channel: Channel) -> None:
    """Analytics reads the channel daily, and once now with what it has published (the
    backfill): its plan is made or made due in this transaction."""
    from smmdesk.analytics.services import collect_plan_channel

    collect_plan_channel(channel=channel)


def _credentials_or_empty(channel: Channel) -> dict:
    try:
        return decrypt_json(channel.credentials_encrypted)
    except CannotDecrypt:
        return {}


def channel_context(channel: Channel) -> ChannelContext:
    try:
        credentials = decrypt_json(channel.credentials_encrypted)
    except CannotDecrypt as exc:
        raise PermanentError(
            _("The credentials of %(channel)s cannot be read with this server's encryption "
              "key (SMMDESK_ENCRYPTION_KEY changed?). Reconnect the channel.")
            % {"channel": channel.name}, code="cannot_decrypt", channel_broken=True) from exc
    return ChannelContext(id=channel.pk, external_id=channel.external_id, name=channel.name,
                          credentials=credentials, settings=dict(channel.settings),
                          renewal=_renewal(channel) if channel.pk else None)


def _renewal(channel: Channel):
    seen = channel.credentials_encrypted

    def renewal(renew):
        return channel_renew_in_call(channel_id=channel.pk, seen=seen, renew=renew)

    return renewal


def channel_connector(channel: Channel) -> Connector:
    return connector_class(channel.kind)(channel_context(channel))


def channel_mark_broken(*, channel: Channel, message: str) -> None:
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT,
                                                 status_message=message)


def channel_set_status(*, channel: Channel, status: str, message: str = "") -> Channel:
    if status not in ChannelStatus.values:
        raise InvalidInput(_("Unknown channel status: %(status)s.") % {"status": status},
                           code="invalid_status")
    if status == ChannelStatus.ACTIVE and channel.status == ChannelStatus.NEEDS_RECONNECT:
        raise InvalidInput(_("%(channel)s needs reconnecting: %(reason)s")
                           % {"channel": channel.name, "reason": channel.status_message},
                           code="needs_reconnect")
    enabled = status == ChannelStatus.ACTIVE and channel.status != ChannelStatus.ACTIVE
    channel.status, channel.status_message = status, message
    channel.save(update_fields=["status", "status_message"])
    if enabled:
        _measure(channel)
    return channel


def channel_settings_set(*, channel: Channel, values: dict) -> Channel:
    """Change the settings the network lets a person choose after connecting
    (``Connector.settings_fields``, e.g. the X API tier); others are refused."""
    fields = {name: dict(choices)
              for name, _label, choices in connector_class(channel.kind).settings_fields}
    changes = {}
    for name, value in values.items():
        if name not in fields:
            raise InvalidInput(_("%(network)s channels have no setting “%(name)s”.")
                               % {"network": kind_label(channel.kind), "name": name},
                               code="unknown_setting")
        if str(value) not in fields[name]:
            raise InvalidInput(_("Choose one of: %(choices)s.")
                               % {"choices": ", ".join(map(str, fields[name].values()))},
                               code="invalid_setting")
        changes[name] = str(value)
    channel.settings = {**(channel.settings or {}), **changes}
    channel.save(update_fields=["settings"])
    return channel


def channel_throttle(*, channel: Channel, seconds: float, scope: str = "channel") -> datetime:
    """Remember a Retry-After so no worker calls this channel (or network app) before then."""
    until = timezone.now() + timedelta(seconds=max(1.0, seconds))
    if scope == "app":
        NetworkThrottle.objects.update_or_create(kind=channel.kind,
                                                 defaults={"blocked_until": until})
    else:
        Channel.objects.filter(pk=channel.pk).update(rate_limited_until=until)
    return until


def channel_fresh_connector(channel: Channel) -> Connector:
    """The channel's connector with credentials that are not past their expiry: refreshed
    when the network allows it, else a PermanentError telling the person to reconnect.
    Only one worker renews; the others wait for it and read the tokens it stored
    (TransientError if it has not finished in time)."""
    if not _expired(channel):
        return channel_connector(channel)
    with channel_refresh_claimed(channel=channel) as mine:
        if not mine:
            channel_refresh_wait(channel=channel)
        elif _expired(channel):  # still, with the tokens as stored now
            _renew(channel)
    if _expired(channel):
        raise TransientError(_("Another worker is renewing the access of %(channel)s; "
                               "trying again in a moment.") % {"channel": channel.name},
                             code="refresh_in_progress", retry_after=5)
    return channel_connector(channel)


def _expired(channel: Channel) -> bool:
    return channel.token_expires_at is not None and channel.token_expires_at <= timezone.now()


def _renew(channel: Channel) -> None:
    connector = channel_connector(channel)
    try:
        refreshed = connector.refresh_credentials()
    finally:
        connector.http.close()
    if refreshed is None:
        raise PermanentError(
            _("The access of %(channel)s to %(network)s expired on %(date)s. Reconnect the "
              "channel to publish again.")
            % {"channel": channel.name, "network": connector.label,
               "date": date_format(timezone.localtime(channel.token_expires_at),
                                   "SHORT_DATETIME_FORMAT")},
            code="token_expired", channel_broken=True)
    channel_store(workspace=channel.workspace, kind=channel.kind, result=refreshed,
                  actor=channel.connected_by)
    channel.refresh_from_db()


# ---------------------------------------------------------------- one renewal at a time
# A rotating refresh token (Bluesky) works once: two workers renewing with it at the same
# time break the channel. The renewal is claimed with a compare-and-swap on a lease.


def _refresh_lease() -> timedelta:
    return timedelta(seconds=settings.SMMDESK_HTTP_TIMEOUT * 2 + 10)


def channel_refresh_claim(*, channel: Channel) -> datetime | None:
    """The end of this caller's lease on renewing ``channel``'s tokens, or None when
    another worker holds it."""
    now = timezone.now()
    until = now + _refresh_lease()
    free = Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lt=now)
    won = Channel.objects.filter(free, pk=channel.pk).update(refresh_lease_until=until)
    return until if won else None


def channel_refresh_release(*, channel: Channel, until: datetime) -> None:
    Channel.objects.filter(pk=channel.pk, refresh_lease_until=until).update(
        refresh_lease_until=None)


def channel_renew_in_call(*, channel_id: int, seen: str,
                          renew: Callable[[], ConnectResult]) -> ConnectResult:
    """A connector's renewal in the middle of a call (``ChannelContext.renewal``). Under
    the channel's renewal claim, ``renew`` runs only when the stored credentials are
    still the ones the connector was given (``seen``), and its result is stored before
    the claim ends; otherwise the credentials another worker stored are handed back."""
    channel = Channel.objects.get(pk=channel_id)
    with channel_refresh_claimed(channel=channel) as mine:
        if mine and channel.credentials_encrypted == seen:
            fresh = renew()
            channel_keep_credentials(channel=channel, old=decrypt_json(seen), fresh=fresh)
            return fresh
    if not mine:
        channel_refresh_wait(channel=channel)
    if channel.credentials_encrypted == seen:
        raise TransientError(_("Another worker is renewing the access of %(channel)s; "
                               "trying again in a moment.") % {"channel": channel.name},
                             code="refresh_in_progress", retry_after=5)
    return ConnectResult(external_id=channel.external_id, name=channel.name,
                         credentials=decrypt_json(channel.credentials_encrypted),
                         settings=dict(channel.settings),
                         token_expires_at=channel.token_expires_at)


def channel_keep_credentials(*, channel: Channel, old: dict, fresh: ConnectResult) -> None:
    """Store renewed credentials (and settings such as a changed handle) over the old ones."""
    channel.credentials_encrypted = encrypt_json(oauth.merged_credentials(old, fresh.credentials))
    channel.settings = {**channel.settings, **fresh.settings}
    channel.token_expires_at = fresh.token_expires_at
    channel.save(update_fields=["credentials_encrypted", "settings", "token_expires_at"])


@contextmanager
def channel_refresh_claimed(*, channel: Channel) -> Iterator[bool]:
    """Yields True while this worker holds the renewal of ``channel`` (re-read first: a
    renewal that just ended elsewhere already spent the refresh token we held), False
    when another worker does."""
    until = channel_refresh_claim(channel=channel)
    try:
        if until is not None:
            channel.refresh_from_db()
        yield until is not None
    finally:
        if until is not None:
            channel_refresh_release(channel=channel, until=until)


def channel_refresh_wait(*, channel: Channel, timeout: float | None = None) -> None:
    """Wait until no worker renews ``channel`` (or ``timeout``), then re-read it."""
    deadline = time.monotonic() + (timeout or _refresh_lease().total_seconds())
    while True:
        channel.refresh_from_db()
        lease = channel.refresh_lease_until
        if lease is None or lease <= timezone.now() or time.monotonic() >= deadline:
            return
        time.sleep(0.1)

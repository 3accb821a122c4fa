"""Every write to channels: connect, reconnect, mark broken, disable, throttle."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User, Workspace
from smmdesk.channels.models import Channel, ChannelStatus, NetworkThrottle
from smmdesk.connectors.base import ChannelContext, Connector, ConnectResult, PermanentError
from smmdesk.connectors.registry import CONNECTORS, connector_class
from smmdesk.lib.crypto import CannotDecrypt, decrypt_json, encrypt_json
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.http import HttpClient


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
    channel.url = result.url
    channel.settings = {**channel.settings, **result.settings}
    # Reconnecting keeps what the new grant does not replace (a webhook's secret...).
    old = {} if _created else _credentials_or_empty(channel)
    channel.credentials_encrypted = encrypt_json({**old, **result.credentials})
    channel.token_expires_at = result.token_expires_at
    channel.status = ChannelStatus.ACTIVE
    channel.status_message = ""
    channel.connected_by = actor
    channel.save()
    return channel


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
                          credentials=credentials, settings=dict(channel.settings))


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
    channel.status, channel.status_message = status, message
    channel.save(update_fields=["status", "status_message"])
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
    when the network allows it, else a PermanentError telling the person to reconnect."""
    connector = channel_connector(channel)
    expires = channel.token_expires_at
    if expires is None or expires > timezone.now():
        return connector
    refreshed = connector.refresh_credentials()
    if refreshed is None:
        connector.http.close()
        raise PermanentError(
            _("The access of %(channel)s to %(network)s expired on %(date)s. Reconnect the "
              "channel to publish again.")
            % {"channel": channel.name, "network": connector.label,
               "date": timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")},
            code="token_expired", channel_broken=True)
    channel_store(workspace=channel.workspace, kind=channel.kind, result=refreshed,
                  actor=channel.connected_by)
    channel.refresh_from_db()
    return channel_connector(channel)

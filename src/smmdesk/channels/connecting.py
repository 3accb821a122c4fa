"""Connecting channels with OAuth, refreshing their tokens, receiving their webhooks."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User, Workspace
from smmdesk.channels.models import Channel, ChannelStatus, OAuthApp
from smmdesk.channels.services import (
    channel_connector,
    channel_keep_credentials,
    channel_refresh_claimed,
    channel_store,
)
from smmdesk.channels.webhooks import webhook_delivery_store
from smmdesk.connectors import oauth
from smmdesk.connectors.base import ConnectorError, ConnectResult, PermanentError
from smmdesk.connectors.registry import CONNECTORS, connector_class
from smmdesk.connectors.webhooks import WebhookAnswer, WebhookRequest, refuse
from smmdesk.lib import netguard
from smmdesk.lib.crypto import decrypt_json, encrypt_json
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.http import HttpClient

log = logging.getLogger("smmdesk.channels")
REFRESH_AHEAD = timedelta(days=3)


def _cls(kind: str):
    if kind not in CONNECTORS:
        raise InvalidInput(_("Unknown network: %(kind)s.") % {"kind": kind}, code="unknown_kind")
    cls = connector_class(kind)
    if cls.oauth is None:
        raise InvalidInput(_("%(network)s is not connected with a sign-in.")
                           % {"network": cls.label}, code="not_oauth")
    return cls


def _instance(cls, instance: str) -> str:
    """The server a per-server network (Mastodon) is signed in on: a host name (with a
    port, if any), at a public https address (lib/netguard.py); ``http://host`` only for
    a development server at a private address where the deployment allows plain http."""
    if not cls.oauth.per_instance:
        return ""
    text = (instance or "").strip().lower()
    plain = text.startswith("http://")
    if plain and not netguard.plain_http_allowed():
        raise InvalidInput(_("%(network)s: smmdesk connects to servers over https only; "
                             "“%(server)s” was given with http://. Enter the https address "
                             "of the server.") % {"network": cls.label, "server": instance},
                           code="instance_plain_http")
    text = text.removeprefix("https://").removeprefix("http://")
    parts = urlsplit("https://" + text.strip("/").split("/")[0])
    try:
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        host += f":{parts.port}" if parts.port else ""
    except ValueError:
        host = ""
    if not host or "@" in parts.netloc:
        raise InvalidInput(_("Enter your server's address, e.g. mastodon.social."),
                           code="instance_required")
    try:  # plain http only where the development switch allows it (lib/netguard.py)
        netguard.check_url(f"{'http' if plain else 'https'}://{host}/")
    except netguard.BlockedAddress as exc:
        log.warning("refused the %s server %s: %s", cls.kind, host, exc)
        raise InvalidInput(_("%(network)s: could not reach the server “%(server)s”. Check "
                             "that it is a public https address.")
                           % {"network": cls.label, "server": host},
                           code="instance_refused") from exc
    return f"http://{host}" if plain else host


def _client(cls, instance: str, redirect_uri: str, http: HttpClient
            ) -> tuple[oauth.OAuthClient, tuple[str, ...]]:
    """The app to sign in with and the scopes to ask for. A per-server network's app is
    registered on first use; a server that refuses the fine-grained scopes gets one with
    the coarse ones (``oauth_fallback_scopes``, e.g. GoToSocial's "read write")."""
    if not cls.oauth.per_instance:
        try:
            return oauth.deployment_client(cls.oauth), cls.oauth.scopes
        except oauth.OAuthNotConfigured as exc:
            raise InvalidInput(_("%(network)s needs an app of this server: set %(var)s and "
                                 "%(secret)s (see the README), then try again.")
                               % {"network": cls.label, "var": str(exc),
                                  "secret": cls.oauth.env_prefix + "_CLIENT_SECRET"},
                               code="oauth_not_configured") from exc
    scopes = " ".join(cls.oauth.scopes)
    coarse = " ".join(getattr(cls, "oauth_fallback_scopes", ()))
    app = OAuthApp.objects.filter(kind=cls.kind, instance=instance,
                                  redirect_uri=redirect_uri).first()
    if app is None or app.scopes not in (scopes, coarse):  # new server, or other rights
        registered = cls.oauth_register(instance, redirect_uri, http)
        app, _created = OAuthApp.objects.update_or_create(
            kind=cls.kind, instance=instance, redirect_uri=redirect_uri,
            defaults={"client_id": registered["client_id"],
                      "scopes": registered.get("scopes") or scopes,
                      "client_secret_encrypted": encrypt_json(
                          {"secret": registered["client_secret"]})})
    client = oauth.OAuthClient(app.client_id, decrypt_json(app.client_secret_encrypted)["secret"])
    return client, tuple(app.scopes.split())


def oauth_start(*, kind: str, redirect_uri: str, instance: str = "",
                http: HttpClient | None = None) -> tuple[str, dict]:
    """The address to send the person to, and what to remember until they come back."""
    cls = _cls(kind)
    host = _instance(cls, instance)
    with (http or HttpClient()) as client_http:
        try:
            client, scopes = _client(cls, host, redirect_uri, client_http)
        except PermanentError as exc:
            raise InvalidInput(exc.message, code=exc.code or "oauth_failed") from exc
    state, verifier = secrets.token_urlsafe(24), oauth.new_verifier()
    url = oauth.authorize_url(cls.oauth, client, redirect_uri=redirect_uri, state=state,
                              verifier=verifier, instance=host, scopes=scopes)
    return url, {"state": state, "verifier": verifier, "kind": kind, "instance": host}


def oauth_finish(*, pending: dict, code: str, redirect_uri: str, extra: dict | None = None,
                 http: HttpClient | None = None) -> list[ConnectResult]:
    """Exchange the code and list the accounts the person can connect."""
    cls = _cls(pending["kind"])
    with (http or HttpClient()) as client_http:
        try:
            client, _scopes = _client(cls, pending["instance"], redirect_uri, client_http)
            token = oauth.exchange_code(cls.oauth, client, code=code,
                                        verifier=pending["verifier"], redirect_uri=redirect_uri,
                                        http=client_http, instance=pending["instance"],
                                        network=cls.label, extra=extra,
                                        state=pending["state"])
            accounts = cls.oauth_accounts(token, client_http, instance=pending["instance"])
        except ConnectorError as exc:
            raise InvalidInput(exc.message, code=exc.code or "oauth_failed") from exc
    if not accounts:
        raise InvalidInput(_("%(network)s gave access, but there is no account to publish to "
                             "(no page, community or channel you manage).")
                           % {"network": cls.label}, code="no_accounts")
    return accounts


@transaction.atomic
def oauth_store(*, workspace: Workspace, kind: str, accounts: list[ConnectResult],
                actor: User | None) -> list[Channel]:
    return [channel_store(workspace=workspace, kind=kind, result=a, actor=actor)
            for a in accounts]


# ---------------------------------------------------------------- token refresh


def channel_refresh(*, channel: Channel) -> bool:
    """Refresh one channel's tokens; a failure marks it for reconnecting with the reason.
    Skipped while another worker renews it, and when another renewal ended since
    ``channel`` was read: it spent the refresh token we hold (a rotating token is used
    once), and the channel already has fresh ones."""
    seen = channel.credentials_encrypted
    with channel_refresh_claimed(channel=channel) as mine:
        if not mine or channel.credentials_encrypted != seen:
            return False
        if channel.status != ChannelStatus.ACTIVE:
            return False
        return _refresh_now(channel)


def _refresh_now(channel: Channel) -> bool:
    connector = channel_connector(channel)
    ws = channel.workspace  # the reason is stored in words: the workspace's, not the worker's
    try:
        with translation.override(ws.language), timezone.override(ws.tz):
            fresh = connector.refresh_credentials()
    except PermanentError as exc:
        Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT,
                                                     status_message=exc.message)
        return False
    except ConnectorError as exc:
        log.warning("refreshing %s failed for now: %s", channel, exc.message)
        return False
    finally:
        connector.http.close()
    if fresh is None:
        return False
    channel_keep_credentials(channel=channel, old=connector.channel.credentials, fresh=fresh)
    return True


def channels_refresh_due(*, now=None) -> int:
    """Refresh every active channel whose token expires within its network's lead time
    (``Connector.refresh_ahead``: days for long-lived tokens, minutes for hourly ones)."""
    now = now or timezone.now()
    due = Channel.objects.filter(status=ChannelStatus.ACTIVE, token_expires_at__isnull=False,
                                 token_expires_at__lt=now + REFRESH_AHEAD)
    return sum(channel_refresh(channel=c) for c in due
               if c.kind in CONNECTORS
               and c.token_expires_at < now + connector_class(c.kind).refresh_ahead)


# ---------------------------------------------------------------- webhooks


def webhook_deliver(*, kind: str, request: WebhookRequest, channel: Channel | None,
                    remote_addr: str = "") -> WebhookAnswer:
    if kind not in CONNECTORS:
        return WebhookAnswer(status=404, body="unknown network", rejected="unknown network")
    try:
        answer = connector_class(kind).webhook_receive(request)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        # A parser that missed a malformed body: still a 400 for the sender, never a 500.
        answer = refuse(f"malformed body: {type(exc).__name__}", status=400)
    if answer.rejected:
        log.warning("webhook %s refused from %s: %s", kind, remote_addr, answer.rejected)
    webhook_delivery_store(kind=kind, channel=channel, answer=answer, remote_addr=remote_addr)
    return answer


# ---------------------------------------------------------------- webhook registration


def channel_webhook_url(channel: Channel) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("channel_webhook", kwargs={"kind": channel.kind,
                                                                  "channel_id": channel.pk})


def channel_webhook_enable(*, channel: Channel) -> str:
    """Have the network push this channel's events to us (needs a public https address)."""
    url = channel_webhook_url(channel)
    if not url.startswith("https://"):
        raise InvalidInput(_("Networks push events only to a public https address. Set "
                             "SMMDESK_SITE_URL to this server's https address (smmdesk polls "
                             "meanwhile)."), code="not_public")
    connector = channel_connector(channel)
    try:
        kept = connector.webhook_setup(url)
    except ConnectorError as exc:
        raise InvalidInput(exc.message, code=exc.code or "webhook_failed") from exc
    finally:
        connector.http.close()
    channel.credentials_encrypted = encrypt_json(
        oauth.merged_credentials(connector.channel.credentials, kept))
    channel.save(update_fields=["credentials_encrypted"])
    return url


def channel_webhook_disable(*, channel: Channel) -> None:
    connector = channel_connector(channel)
    try:
        connector.webhook_remove()
    except ConnectorError as exc:
        raise InvalidInput(exc.message, code=exc.code or "webhook_failed") from exc
    finally:
        connector.http.close()
    credentials = dict(connector.channel.credentials)
    credentials.pop("webhook_secret", None)
    channel.credentials_encrypted = encrypt_json(credentials)
    channel.save(update_fields=["credentials_encrypted"])

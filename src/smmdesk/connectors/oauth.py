"""OAuth 2 authorization code flow (with PKCE where the network supports it), shared by
every connector that connects this way.

A connector declares ``oauth = OAuthSpec(...)`` and implements ``oauth_accounts`` (which
accounts a grant can publish to: a Facebook user's pages, a VK user's communities...).
Client ids and secrets come from the deployment: ``SMMDESK_<NETWORK>_CLIENT_ID`` and
``SMMDESK_<NETWORK>_CLIENT_SECRET``; networks with one app per server (Mastodon) register
one on first use and keep it in ``channels.OAuthApp``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.lib.env import env
from smmdesk.lib.http import HttpClient, HttpFailure


@dataclass(frozen=True)
class OAuthSpec:
    authorize_url: str  # may hold {instance} (host) or {origin} (scheme and host)
    token_url: str
    scopes: tuple[str, ...] = ()
    pkce: bool = True
    scope_separator: str = " "
    env_prefix: str = ""  # SMMDESK_FACEBOOK → SMMDESK_FACEBOOK_CLIENT_ID / _CLIENT_SECRET
    per_instance: bool = False  # the person names their server (Mastodon)
    authorize_params: dict = field(default_factory=dict)
    # Send client credentials as HTTP Basic auth instead of form fields.
    basic_auth: bool = False
    # Query parameters the network adds to the redirect next to ``code`` that the token
    # request needs too (VK ID: device_id); they are also handed to ``oauth_accounts``.
    callback_params: tuple[str, ...] = ()
    send_state: bool = False  # the token request repeats the ``state`` (VK ID)
    client_id_param: str = "client_id"  # the name the network gives it (TikTok: client_key)
    # Fields the code exchange adds (Pinterest: continuous_refresh, for a refresh token
    # that renews itself from the first sign-in on).
    token_params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str


class OAuthNotConfigured(Exception):
    """The deployment has no app (client id) for this network."""


def deployment_client(spec: OAuthSpec) -> OAuthClient:
    client_id = env(f"{spec.env_prefix}_CLIENT_ID") or ""
    secret = env(f"{spec.env_prefix}_CLIENT_SECRET") or ""
    if not client_id:
        raise OAuthNotConfigured(f"{spec.env_prefix}_CLIENT_ID")
    return OAuthClient(client_id, secret)


def new_verifier() -> str:
    return secrets.token_urlsafe(64)[:96]


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(spec: OAuthSpec, client: OAuthClient, *, redirect_uri: str, state: str,
                  verifier: str, instance: str = "",
                  scopes: tuple[str, ...] | None = None) -> str:
    """``scopes``: those the app was registered with, where a server refused ours."""
    params = {"response_type": "code", spec.client_id_param: client.client_id,
              "redirect_uri": redirect_uri, "state": state,
              "scope": spec.scope_separator.join(scopes or spec.scopes),
              **spec.authorize_params}
    if spec.pkce:
        params.update(code_challenge=challenge(verifier), code_challenge_method="S256")
    return endpoint(spec.authorize_url, instance) + "?" + urlencode(params)


def endpoint(template: str, instance: str) -> str:
    """An endpoint template filled for a server: ``{instance}`` is its host and
    ``{origin}`` its scheme and host (https, unless ``instance`` names http:// for a
    development server the deployment allows, see lib/netguard.py)."""
    host = instance.split("://", 1)[-1]
    origin = instance if "://" in instance else f"https://{instance}"
    return template.format(instance=host, origin=origin)


def _token_request(spec: OAuthSpec, client: OAuthClient, data: dict, http: HttpClient,
                   instance: str, network: str) -> dict:
    from smmdesk.connectors.base import PermanentError, TransientError

    data = dict(data)
    auth = None
    if spec.basic_auth:
        auth = (client.client_id, client.client_secret)
    else:
        data[spec.client_id_param] = client.client_id
        if client.client_secret:
            data["client_secret"] = client.client_secret
    http.add_secret(client.client_secret)
    try:
        response = http.request("POST", endpoint(spec.token_url, instance), data=data,
                                auth=auth, idempotent=False)
    except HttpFailure as exc:
        raise TransientError(_("%(network)s could not be reached. Try again in a minute.")
                             % {"network": network}, code="unreachable") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400 or "access_token" not in body:
        reason = (body.get("error_description") or body.get("error") or body.get("message")
                  or response.status_code)
        if isinstance(reason, dict):
            reason = reason.get("message", "")
        raise PermanentError(_("%(network)s did not grant access (%(reason)s). Start the "
                               "connection again.") % {"network": network, "reason": reason},
                             code="oauth_denied", raw=body)
    for name in ("access_token", "refresh_token"):
        http.add_secret(body.get(name, ""))
    return body


def exchange_code(spec: OAuthSpec, client: OAuthClient, *, code: str, verifier: str,
                  redirect_uri: str, http: HttpClient, instance: str = "",
                  network: str = "", extra: dict | None = None, state: str = "") -> dict:
    extra = {k: v for k, v in (extra or {}).items() if k in spec.callback_params}
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            **spec.token_params, **extra}
    if spec.pkce:
        data["code_verifier"] = verifier
    if spec.send_state:
        data["state"] = state
    return {**_token_request(spec, client, data, http, instance, network), **extra}


def refresh(spec: OAuthSpec, client: OAuthClient, *, refresh_token: str, http: HttpClient,
            instance: str = "", network: str = "") -> dict:
    return _token_request(spec, client, {"grant_type": "refresh_token",
                                         "refresh_token": refresh_token},
                          http, instance, network)


def expires_at(token: dict, now: datetime | None = None) -> datetime | None:
    seconds = token.get("expires_in")
    if not seconds:
        return None
    return (now or timezone.now()) + timedelta(seconds=int(seconds))


def merged_credentials(old: dict, new: dict) -> dict:
    """New tokens over old ones; a refresh that returns no new refresh token keeps the old
    one (it is still valid), and never drops fields the network did not resend."""
    merged = {**old, **{k: v for k, v in new.items() if v not in (None, "")}}
    return merged

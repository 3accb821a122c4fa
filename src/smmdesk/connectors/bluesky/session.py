"""The session: signing in with the app password (createSession), renewing it
(refreshSession), the server and PDS addresses, and what the JWTs say."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from smmdesk.connectors.base import ConnectorError, PermanentError
from smmdesk.connectors.bluesky.common import SERVICE
from smmdesk.connectors.bluesky.errors import (
    _AUTH_ERRORS,
    _api_error,
    _json,
    _session_ended,
    _sign_in_error,
)
from smmdesk.lib import netguard

if TYPE_CHECKING:
    from smmdesk.connectors.bluesky import BlueskyConnector


def _sign_in(api: BlueskyConnector, identifier: str, *, connecting: bool = False) -> None:
    body = {"identifier": identifier, "password": api._creds.get("appPassword", "")}
    try:
        _adopt(api, _session_call(api, "com.atproto.server.createSession", json=body))
    except PermanentError as exc:
        raise _sign_in_error(exc, connecting, api._who()) from exc


def _sign_out(api: BlueskyConnector) -> None:
    """End the session (deleteSession), e.g. one an account password opened."""
    url = f"{api._settings.get('service') or SERVICE}/xrpc/com.atproto.server.deleteSession"
    try:
        api.send("POST", url, idempotent=True, headers={
            "Authorization": f"Bearer {api._creds.get('refreshJwt', '')}"})
    except ConnectorError:
        pass  # it expires on its own; nothing of it is kept


def _refresh_session(api: BlueskyConnector) -> None:
    try:
        _adopt(api, _session_call(api, "com.atproto.server.refreshSession",
                                       token=api._creds.get("refreshJwt", "")))
    except PermanentError as exc:
        if exc.code not in _AUTH_ERRORS:
            raise
        if not api._creds.get("appPassword"):
            raise _session_ended(api._who(), exc.raw) from exc
        _sign_in(api, api._did())


def _renew_in_call(api: BlueskyConnector) -> None:
    """An access token that ran out or was refused during a call: renewed once for all
    workers (the refresh token is spent by its first use), then adopted."""
    def renew():
        _refresh_session(api)
        return api._connect_result(api.channel.name)

    fresh = api.renew_in_call(renew)
    api._creds.update(fresh.credentials)
    api._settings.update(fresh.settings)
    for key in ("accessJwt", "refreshJwt"):
        if api._creds.get(key):
            api.http.add_secret(api._creds[key])


def _session_call(api: BlueskyConnector, nsid: str, *, json: dict | None = None,
                  token: str = "") -> dict:
    url = f"{api._settings.get('service') or SERVICE}/xrpc/{nsid}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = api.send("POST", url, json=json, headers=headers, idempotent=True)
    data = _json(response)
    if response.status_code == 200 and data.get("accessJwt") and data.get("did"):
        return data
    raise _api_error(nsid, response, data, "read", api._who())


def _adopt(api: BlueskyConnector, session: dict) -> None:
    api._creds.update(accessJwt=session["accessJwt"], refreshJwt=session["refreshJwt"])
    for token in (session["accessJwt"], session["refreshJwt"]):
        api.http.add_secret(token)
    api._settings.update(did=session["did"], handle=session.get("handle")
                         or api._settings.get("handle", ""))
    pds = _pds_endpoint(session.get("didDoc"))
    if pds:
        api._settings["pds"] = pds


def _service_url(text: str) -> str:
    """What the person typed as the server (or a DID document names as the PDS) ->
    https://host[:port], no path. Only a public https address passes (lib/netguard.py;
    plain http and loopback with the development setting), so the handle and the app
    password are never sent anywhere else."""
    text = text.strip() or SERVICE
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:
        host, port = "", None
    if not host or parts.scheme not in ("https", "http"):
        raise PermanentError(_(
            "Bluesky: “%(url)s” is not a server address. Leave the field empty for "
            "bsky.social, or enter your PDS's address, e.g. https://pds.example.com.")
            % {"url": text}, code="bad_service")
    url = f"{parts.scheme}://{f'[{host}]' if ':' in host else host}{f':{port}' if port else ''}"
    try:
        netguard.check_url(url)
    except netguard.BlockedAddress as exc:
        raise PermanentError(_(
            "Bluesky: could not reach the server “%(url)s”. Check that it is a public https "
            "address, or leave the field empty for bsky.social.") % {"url": text},
            code="bad_service", raw=str(exc)) from exc
    return url


def _pds_endpoint(did_doc: Any) -> str:
    """The #atproto_pds service of a DID document, if it is a usable address."""
    services = did_doc.get("service") if isinstance(did_doc, dict) else None
    for service in services or []:
        if str(service.get("id", "")).endswith("#atproto_pds"):
            try:
                return _service_url(str(service.get("serviceEndpoint", "")))
            except PermanentError:
                return ""
    return ""


def _jwt_claims(token: str) -> dict:
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def _jwt_expiry(token: str) -> datetime | None:
    exp = _jwt_claims(token).get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None

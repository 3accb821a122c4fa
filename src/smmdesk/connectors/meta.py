"""What Facebook Pages and Instagram share: Meta's Graph API.

One Meta app (``SMMDESK_FACEBOOK_CLIENT_ID`` / ``SMMDESK_FACEBOOK_CLIENT_SECRET``) serves
both networks. A person signs in with Facebook Login once; smmdesk exchanges the code for
a user token, turns it into a long-lived one (``grant_type=fb_exchange_token``) and reads
the Pages the person manages (``GET /me/accounts``). A Page token obtained from a
long-lived user token has no expiry, so that is what each channel keeps; Instagram
professional accounts are reached through the token of the Page they are linked to.

Every call goes to ``https://graph.facebook.com/<GRAPH_VERSION>/...`` with the token as
``access_token`` (masked in every trace) and, when the deployment has the app secret, an
``appsecret_proof`` so the app may require it ("Require App Secret" in the app settings).

Errors come as ``{"error": {"message", "type", "code", "error_subcode", "is_transient",
"error_user_msg", "fbtrace_id"}}`` and are mapped in ``graph_error``.

References (contract fixtures in ``tests/connectors/fixtures/facebook/`` and
``.../instagram/``):
https://developers.facebook.com/docs/graph-api/guides/error-handling ,
https://developers.facebook.com/docs/graph-api/overview/rate-limiting ,
https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow ,
https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived ,
https://developers.facebook.com/docs/graph-api/webhooks/getting-started .
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from smmdesk.connectors import oauth
from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    Connector,
    ConnectorError,
    PermanentError,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.oauth import OAuthSpec
from smmdesk.connectors.webhooks import (
    MalformedEvent,
    WebhookAnswer,
    WebhookEvent,
    WebhookRequest,
    event_dict,
    event_list,
    event_text,
    event_timestamp,
    hmac_sha256_hex,
    refuse,
    signature_matches,
)
from smmdesk.lib.env import env
from smmdesk.lib.http import HttpClient, retry_after_seconds

# The one Graph API version every call uses (https://developers.facebook.com/docs/graph-api/
# changelog: v25.0 released February 18, 2026, available until July 29, 2028).
GRAPH_VERSION = "v25.0"
GRAPH = f"https://graph.facebook.com/{GRAPH_VERSION}"

ENV_PREFIX = "SMMDESK_FACEBOOK"
VERIFY_TOKEN_ENV = "SMMDESK_META_VERIFY_TOKEN"

# Facebook Login permissions for both networks (one grant connects Pages and the Instagram
# accounts linked to them): https://developers.facebook.com/docs/permissions
SCOPES = (
    "pages_show_list", "pages_manage_posts", "pages_read_engagement",
    "pages_manage_engagement", "pages_read_user_content", "read_insights",
    "instagram_basic", "instagram_content_publish", "instagram_manage_comments",
    "instagram_manage_insights", "business_management",
)

# The documented server-side flow: the code is exchanged with the app secret, so PKCE
# (documented by Meta only for its OIDC flow, "still in testing") is not used.
# "scope: A comma or space separated list of Permissions"; auth_type=rerequest asks
# again for permissions a person declined the first time.
OAUTH = OAuthSpec(
    authorize_url=f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
    token_url=f"{GRAPH}/oauth/access_token",
    scopes=SCOPES,
    pkce=False,
    scope_separator=",",
    env_prefix=ENV_PREFIX,
    authorize_params={"auth_type": "rerequest"},
)

# Throttling codes: 4 application, 17 user, 32 Page, 613 custom, 341 application limit,
# 80000-80099 Business Use Case limits (80001 Pages, 80002 Instagram ...).
_APP_THROTTLE = frozenset({4, 341})
_THROTTLE = frozenset({17, 32, 613}) | _APP_THROTTLE
# Instagram subcodes whose documented fix is "try again" (server error, download timeout,
# expired upload, create failed, unknown upload error) and "media not ready yet".
_IG_RETRY = frozenset({2207001, 2207003, 2207020, 2207032, 2207053, 2207027})
_IG_QUOTA = 2207042  # code 9: the 24-hour content publishing limit is reached
_IG_SPAM = 2207051  # code 4: "We restrict certain activity to protect our community"
_IG_FETCH = 2207052  # code 9004: the media could not be fetched from the URL
_DEFAULT_THROTTLE_WAIT = 600.0
_PERMISSION = re.compile(r"\b(pages_[a-z_]+|instagram_[a-z_]+|read_insights|"
                         r"business_management|publish_video|ads_[a-z_]+)\b")
_TOKEN_REASONS = {
    458: gettext_lazy("the smmdesk app was removed from the Facebook account that connected it"),
    460: gettext_lazy("the password of the Facebook account that connected it was changed"),
    463: gettext_lazy("the sign-in expired"),
    467: gettext_lazy("the sign-in is no longer valid"),
    492: gettext_lazy("the person who connected it no longer manages the Page"),
}


class MetaConnector(Connector):
    """Graph API calls, error mapping, OAuth and webhooks for Facebook and Instagram."""

    oauth = OAUTH
    webhook_object = ""  # "page" or "instagram": the object this network's hooks carry

    def secrets(self) -> list[str]:
        return super().secrets() + [app_secret()]

    # -- calling the Graph API --------------------------------------------------

    def _call(self, method: str, path: str, *, params: dict | None = None,
              data: dict | None = None, files: dict | None = None,
              create: bool = False, auth: bool = True) -> dict:
        """One Graph API call. ``create``: the call makes something a person sees (a post,
        a comment); a failure after sending is then ambiguous, otherwise transient."""
        url = path if path.startswith("https://") else f"{GRAPH}/{path.lstrip('/')}"
        query = {**(params or {}), **(self._auth() if auth else {})}
        try:
            response = self.send(method, url, params=query, data=data, files=files,
                                 idempotent=not create)
        except AmbiguousError as exc:
            if create:
                raise
            raise TransientError(_("%(network)s could not be reached. smmdesk will try again.")
                                 % {"network": self.label}, code="unreachable",
                                 raw=exc.raw) from exc
        body = _json(response)
        if response.status_code < 300 and body is not None and "error" not in body:
            return body
        raise graph_error(response, body, network=self.label, account=self.channel.name,
                          create=create)

    def _insights(self, object_id: str, metrics: tuple[str, ...] | list[str]) -> dict:
        """GET /{object}/insights for ``metrics``, one retired or unoffered name not
        spoiling the rest: Meta refuses the whole request for it ("metric[3] must be one
        of the following values: ...", "the impressions metric is no longer supported";
        Instagram and Facebook replaced impressions with views in 2025), so the name the
        error points at is dropped and the others asked once more. Another refusal gives
        {} (a broken channel and a rate limit still raise: the caller backs off)."""
        asked = list(metrics)
        for again in (False, True):
            try:
                return self._call("GET", f"{object_id}/insights",
                                  params={"metric": ",".join(asked)})
            except PermanentError as exc:
                if exc.channel_broken:
                    raise
                refused = refused_metrics(exc, asked)
                asked = [m for m in asked if m not in refused]
                if again or not refused or not asked:
                    return {}
            except TransientError as exc:
                if exc.code == "rate_limited":
                    raise
                return {}
            except ConnectorError:
                return {}
        return {}

    def _auth(self) -> dict[str, str]:
        token = self.channel.credentials.get("access_token", "")
        params = {"access_token": token}
        secret = app_secret()
        if secret and token:
            params["appsecret_proof"] = hmac.new(secret.encode(), token.encode(),
                                                 hashlib.sha256).hexdigest()
        return params

    def _list(self, path: str, params: dict, *, pages: int = 5,
              stop=lambda item: False) -> tuple[list[dict], bool]:
        """Items of a paged edge, newest first, until ``stop(item)`` or the last page.
        Returns (items, complete): complete is False when ``pages`` ran out first."""
        items: list[dict] = []
        url, query = path, params
        for _n in range(pages):
            body = self._call("GET", url, params=query)
            for item in body.get("data") or []:
                if stop(item):
                    return items, True
                items.append(item)
            url, query = _next_page(body)
            if not url:
                return items, True
        return items, False

    # -- OAuth ------------------------------------------------------------------

    @classmethod
    def managed_pages(cls, token: dict, http: HttpClient) -> list[dict]:
        """The Pages the signed-in person manages, each with a Page token that does not
        expire: the short-lived user token is first exchanged for a long-lived one."""
        user_token = cls._long_lived(token, http)
        api = cls(token_context(user_token), http)
        pages, _complete = api._list("me/accounts", {
            "fields": "id,name,access_token,tasks", "limit": 100}, pages=10)
        for page in pages:
            http.add_secret(page.get("access_token", ""))
        return [p for p in pages if p.get("access_token")]

    @classmethod
    def _long_lived(cls, token: dict, http: HttpClient) -> str:
        client = oauth.deployment_client(OAUTH)
        short = str(token.get("access_token") or "")
        http.add_secret(client.client_secret)
        api = cls(token_context(short), http)
        body = api._call("GET", "oauth/access_token", params={
            "grant_type": "fb_exchange_token", "client_id": client.client_id,
            "client_secret": client.client_secret, "fb_exchange_token": short}, auth=False)
        long_lived = str(body.get("access_token") or "")
        if not long_lived:
            raise PermanentError(_("Facebook did not grant lasting access. Start the connection "
                                   "again."), code="oauth_denied", raw=body)
        http.add_secret(long_lived)
        return long_lived

    # -- webhooks ---------------------------------------------------------------

    @classmethod
    def webhook_receive(cls, request: WebhookRequest) -> WebhookAnswer:
        """GET: the subscription handshake (``hub.mode=subscribe`` with our verify token
        → echo ``hub.challenge``). POST: events, only when ``X-Hub-Signature-256`` is
        the HMAC-SHA256 of the raw body with the app secret."""
        if request.method == "GET":
            return _handshake(request)
        if request.method != "POST":
            return refuse("method not allowed", status=405)
        secret = app_secret()
        if not secret:
            return refuse(f"{ENV_PREFIX}_CLIENT_SECRET is not set", status=503)
        given = request.headers.get("x-hub-signature-256", "")
        if not signature_matches("sha256=" + hmac_sha256_hex(secret, request.body), given):
            return refuse("bad or missing X-Hub-Signature-256")
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            return refuse("body is not JSON", status=400)
        if not isinstance(payload, dict) or payload.get("object") != cls.webhook_object:
            return refuse(f"not a {cls.webhook_object!r} notification", status=400)
        try:
            entries = [check_entry(e) for e in event_list(payload.get("entry"), "entry")]
        except MalformedEvent as exc:
            return refuse(f"malformed event: {exc}", status=400)
        events = [e for entry in entries for e in cls.entry_events(entry)]
        return WebhookAnswer(status=200, body="EVENT_RECEIVED", events=events)

    @classmethod
    def entry_events(cls, entry: dict) -> list[WebhookEvent]:
        """The events of one ``entry`` of a notification (per network)."""
        return []

    @classmethod
    def event_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """A direct message (a ``messaging`` item: Messenger and Instagram Direct send the
        same shape) here; comments and mentions (``changes``) in ``change_comment``."""
        if event.kind == "message":
            return messaging_comment(event)
        return cls.change_comment(event)

    @classmethod
    def change_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """One of this network's ``changes`` events as a comment, or None (per network)."""
        return None


# ---------------------------------------------------------------- error mapping


def graph_error(response: httpx.Response, body: dict | None, *, network: str, account: str,
                create: bool) -> ConnectorError:
    """Turn one unsuccessful Graph API answer into the error the engine acts on. An answer
    that is not Graph API JSON (a proxy's error page) is judged by its status alone."""
    body = body or {}
    err = body.get("error") if isinstance(body.get("error"), dict) else {}
    status = response.status_code
    code, sub = _int(err.get("code")), _int(err.get("error_subcode"))
    reason = str(err.get("error_user_msg") or err.get("message") or f"HTTP {status}")
    raw = {"status": status, "error": err or response.text[:500],
           "path": urlsplit(str(response.request.url)).path}
    who = {"network": network, "account": account, "reason": reason}
    if code == 190 or code == 102:
        return _token_error(sub, who, raw)
    if sub == _IG_SPAM or code == 368:
        return PermanentError(_("%(network)s blocked this action to protect its community "
                                "(%(reason)s). Change the post, or wait before publishing "
                                "again.") % who, code="blocked", raw=raw)
    if code in _THROTTLE or 80000 <= code <= 80099 or sub == _IG_QUOTA or status == 429:
        return _throttled(response, code, sub, who, raw)
    if code == 10 or 200 <= code <= 299:
        return _permission_error(reason, who, raw)
    if sub == _IG_FETCH or code == 9004:
        return PermanentError(_("%(network)s could not download the media from smmdesk "
                                "(%(reason)s). The server must be reachable from the "
                                "internet at SMMDESK_SITE_URL.") % who,
                              code="media_unreachable", raw=raw)
    if code == 506:
        return PermanentError(_("%(network)s refused the post as a duplicate of a recent one: "
                                "%(reason)s") % who, code="duplicate", raw=raw)
    if code == 100 and sub == 33:
        return PermanentError(_("%(network)s: this no longer exists (%(reason)s).") % who,
                              code="not_found", raw=raw)
    if sub in _IG_RETRY or code in (9007, -1, -2):
        return TransientError(_("%(network)s could not process it yet (%(reason)s); smmdesk "
                                "will try again.") % who, code="not_ready", raw=raw)
    if status >= 500 or err.get("is_transient") or code in (1, 2) or not err:
        return _server_error(status, create, who, raw)
    return PermanentError(_("%(network)s refused: %(reason)s") % who,
                          code="invalid_parameter" if code == 100 else "refused", raw=raw)


def _token_error(sub: int, who: dict, raw: dict) -> PermanentError:
    why = _TOKEN_REASONS.get(sub) or _("the token was revoked or is invalid")
    return PermanentError(_(
        "%(network)s: smmdesk's access to %(account)s is no longer valid (%(why)s). "
        "Reconnect the channel and sign in with Facebook again.") % {**who, "why": str(why)},
        code="token_invalid", raw=raw, channel_broken=True)


def _permission_error(reason: str, who: dict, raw: dict) -> PermanentError:
    found = _PERMISSION.search(reason)
    if found:
        msg = _("%(network)s: smmdesk lacks the permission “%(permission)s” for %(account)s. "
                "Reconnect the channel and keep every permission switched on in the "
                "Facebook dialog (“Edit access” shows them).")
        return PermanentError(msg % {**who, "permission": found.group(1)},
                              code="missing_permission", raw=raw, channel_broken=True)
    return PermanentError(_("%(network)s refused for lack of permission (%(reason)s). "
                            "Reconnect %(account)s, grant every permission asked for, and "
                            "make sure you can create content on the Page.") % who,
                          code="missing_permission", raw=raw, channel_broken=True)


def _throttled(response: httpx.Response, code: int, sub: int, who: dict,
               raw: dict) -> TransientError:
    if sub == _IG_QUOTA:
        return TransientError(_("%(network)s: %(account)s reached the limit of posts apps may "
                                "publish in 24 hours; smmdesk will try again in an hour.") % who,
                              code="publishing_limit", raw=raw, retry_after=3600.0)
    wait = usage_wait(response) or _DEFAULT_THROTTLE_WAIT
    scope = "app" if code in _APP_THROTTLE or _app_exhausted(response) else "channel"
    minutes = max(1, round(wait / 60))
    return TransientError(ngettext("%(network)s asks smmdesk to slow down (%(reason)s); it "
                                   "will try again in %(minutes)d minute.",
                                   "%(network)s asks smmdesk to slow down (%(reason)s); it "
                                   "will try again in %(minutes)d minutes.", minutes)
                          % {**who, "minutes": minutes},
                          code="rate_limited", raw=raw, retry_after=wait, scope=scope)


def _server_error(status: int, create: bool, who: dict, raw: dict) -> ConnectorError:
    if create:
        return AmbiguousError(_("%(network)s had a problem on its side (%(reason)s); the post "
                                "may or may not have been created. smmdesk will check before "
                                "sending it again.") % who, code="server_error", raw=raw)
    return TransientError(_("%(network)s had a temporary problem (%(reason)s); smmdesk will "
                            "try again.") % who, code="server_error", raw=raw)


def usage_wait(response: httpx.Response) -> float | None:
    """Seconds until the budget comes back: the largest
    ``estimated_time_to_regain_access`` (minutes) in X-Business-Use-Case-Usage (or
    X-Page-Usage / X-App-Usage where present), else Retry-After."""
    minutes = []
    for header in ("x-business-use-case-usage", "x-page-usage", "x-app-usage"):
        for usage in _usage_entries(response.headers.get(header)):
            eta = usage.get("estimated_time_to_regain_access")
            if isinstance(eta, int | float) and eta > 0:
                minutes.append(float(eta))
    if minutes:
        return max(minutes) * 60
    return retry_after_seconds(response)


def _app_exhausted(response: httpx.Response) -> bool:
    usage = _usage_entries(response.headers.get("x-app-usage"))
    return any(max(_int(u.get(k)) for k in ("call_count", "total_time", "total_cputime")) >= 100
               for u in usage)


def _usage_entries(value: str | None) -> list[dict]:
    """X-App-Usage is one object; X-Business-Use-Case-Usage maps ids to lists of them."""
    try:
        parsed = json.loads(value) if value else None
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    if any(isinstance(v, list) for v in parsed.values()):
        return [u for v in parsed.values() if isinstance(v, list) for u in v
                if isinstance(u, dict)]
    return [parsed]


# ---------------------------------------------------------------- helpers


def app_secret() -> str:
    return env(f"{ENV_PREFIX}_CLIENT_SECRET") or ""


def graph_time(value: str) -> datetime:
    """"2026-11-20T10:15:30+0000" → an aware datetime."""
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError):
        return datetime.fromtimestamp(0, UTC)


def insight_values(body: dict) -> dict[str, int]:
    """``{"data": [{"name": "reach", "values": [{"value": 12}]}]}`` → {"reach": 12}
    (newer metrics answer ``"total_value": {"value": 12}`` instead)."""
    found = {}
    for metric in body.get("data") or []:
        values = metric.get("values") or [metric.get("total_value") or {}]
        value = values[-1].get("value") if values else None
        if isinstance(value, dict):  # a breakdown, e.g. reactions by type: their sum
            value = sum(v for v in value.values() if isinstance(v, int))
        if isinstance(value, int) and metric.get("name"):
            found[metric["name"]] = value
    return found


_REFUSED_AT = re.compile(r"\bmetric\[(\d+)\]")
_RETIRED = re.compile(r"\bthe (\w+) metric (?:is|has been) (?:no longer supported|deprecated)",
                      re.IGNORECASE)


def refused_metrics(exc: ConnectorError, asked: list[str]) -> set[str]:
    """The metric names a Graph API #100 refusal points at: by position
    ("(#100) metric[3] must be one of the following values: ..."; the names after the
    colon are the *accepted* ones, so they are never read as refused) or by name
    ("... the impressions metric is no longer supported ...")."""
    err = (exc.raw or {}).get("error") if isinstance(exc.raw, dict) else None
    message = str(err.get("message") or "") if isinstance(err, dict) else ""
    if not message or (isinstance(err, dict) and _int(err.get("code")) != 100):
        return set()
    refused = {asked[int(i)] for i in _REFUSED_AT.findall(message) if int(i) < len(asked)}
    refused |= {name for name in _RETIRED.findall(message) if name in asked}
    return refused


def best_effort(call, default):
    """A read whose failure must not spoil the rest: a broken channel still surfaces."""
    try:
        return call()
    except PermanentError as exc:
        if exc.channel_broken:
            raise
        return default
    except ConnectorError:
        return default


def webhook_time(value: Any) -> datetime:
    """A webhook's time: epoch seconds (``created_time``, ``entry.time``), epoch
    milliseconds (``messaging`` ``timestamp``) or Graph API time; now when missing."""
    text = str(value or "").strip()
    if not text.isdigit():
        when = graph_time(text)
        return when if when.timestamp() else datetime.now(UTC)
    seconds = int(text) / 1000 if len(text) > 11 else int(text)
    return datetime.fromtimestamp(seconds, UTC)


# ---------------------------------------------------------------- checking on arrival
# Both networks' notifications share these fields; a value of the wrong type or out of
# range refuses the whole request (400), before anything is stored.

_GRAPH_ID = re.compile(r"\d{1,25}(_\d{1,25}){0,2}")  # "123", "{page}_{post}"
_IDS = ("id", "post_id", "comment_id", "parent_id", "media_id", "sender_id", "page_id")
_TEXTS = ("message", "text", "sender_name", "item", "verb", "field")


def check_entry(entry: Any) -> dict:
    entry = event_dict(entry, "entry")
    graph_id(entry.get("id"), "entry.id", required=True)
    check_time(entry.get("time"), "entry.time")
    for change in event_list(entry.get("changes"), "changes"):
        change = event_dict(change, "change")
        event_text(change.get("field"), "change.field")
        check_change_value(event_dict(change.get("value", {}), "change.value"))
    for item in event_list(entry.get("messaging"), "messaging"):
        check_messaging(event_dict(item, "messaging item"))
    return entry


def check_change_value(value: dict) -> None:
    for name in _IDS:
        graph_id(value.get(name), name)
    for name in _TEXTS:
        event_text(value.get(name), name)
    for name in ("from", "media", "post"):
        if value.get(name) is not None:
            graph_id(event_dict(value[name], name).get("id"), f"{name}.id")
    check_time(value.get("created_time"), "created_time")


def check_messaging(item: dict) -> None:
    for name in ("sender", "recipient"):
        graph_id(event_dict(item.get(name, {}), name).get("id"), f"{name}.id")
    event_timestamp(item.get("timestamp"), "timestamp", millis=True)
    if "message" in item:
        message = event_dict(item["message"], "message")
        event_text(message.get("mid"), "message.mid")
        event_text(message.get("text"), "message.text")
        event_text(event_dict(message.get("reply_to") or {}, "reply_to").get("mid"),
                   "reply_to.mid")


def graph_id(value: Any, what: str, *, required: bool = False) -> None:
    if value is None or value == "":
        if required:
            raise MalformedEvent(f"{what} is missing")
        return
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _GRAPH_ID.fullmatch(value):
        raise MalformedEvent(f"{what} is not a Graph API id")


def check_time(value: Any, what: str) -> None:
    """Epoch seconds, epoch milliseconds or Graph API time, within a sane window."""
    if isinstance(value, str) and value and not value.strip().isdigit():
        when = graph_time(value.strip())
        if not when.timestamp():
            raise MalformedEvent(f"{what} is not a time")
        value = int(when.timestamp())
    millis = isinstance(value, int | str) and len(str(value).strip()) > 11
    event_timestamp(value, what, millis=millis)


def messaging_comment(event: WebhookEvent) -> RemoteComment | None:
    """A ``messaging`` item that carries a message: no post, the sender's page- or
    Instagram-scoped id as author (the payload names nobody), the message it replies to
    as parent. Deleted messages and receipts give None."""
    item = event.data if isinstance(event.data, dict) else {}
    message = item.get("message") if isinstance(item.get("message"), dict) else {}
    if not event.external_id or not message or message.get("is_deleted"):
        return None
    sender = str((item.get("sender") or {}).get("id") or "")
    return RemoteComment(
        external_id=event.external_id, post_external_id="", author_id=sender, author_name="",
        text=str(message.get("text") or ""), created_at=webhook_time(item.get("timestamp")),
        parent_external_id=str((message.get("reply_to") or {}).get("mid") or ""),
        by_us=bool(sender) and sender == event.account_id, raw=item)


def _handshake(request: WebhookRequest) -> WebhookAnswer:
    expected = env(VERIFY_TOKEN_ENV) or ""
    query = request.query
    if not expected:
        return refuse(f"{VERIFY_TOKEN_ENV} is not set", status=503)
    if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            query.get("hub.verify_token", "").encode(), expected.encode()):
        return refuse("handshake with a wrong verify token")
    return WebhookAnswer(status=200, body=query.get("hub.challenge", ""))


def token_context(token: str) -> ChannelContext:
    return ChannelContext(None, "", "", credentials={"access_token": token})


def _next_page(body: dict) -> tuple[str, dict]:
    """The next page's URL (without its query) and query, our credentials left out."""
    nxt = (body.get("paging") or {}).get("next")
    if not nxt:
        return "", {}
    parts = urlsplit(nxt)
    query = {k: v for k, v in parse_qsl(parts.query)
             if k not in ("access_token", "appsecret_proof")}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query


def _json(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        return body
    return {"result": body}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0

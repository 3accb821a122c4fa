"""The one interface every network implements.

A connector is a plain class: it receives a ``ChannelContext`` (the channel's ids,
decrypted credentials and public settings) and an ``HttpClient``, and never touches
the database. The publishing engine, the inbox and analytics call these hooks and
store what they return. Each hook says what it must do; a connector overrides the
hooks its network makes reachable and declares them in ``capabilities``.

Errors are typed so the engine knows what to do next:

- ``PermanentError``: the network refused for a reason that retrying will not fix.
  With ``channel_broken=True`` the channel itself needs attention (token revoked,
  bot removed) and is marked ``needs_reconnect``.
- ``TransientError``: nothing was created; try again, not before ``retry_after`` s.
- ``AmbiguousError``: the request may have been acted on (timeout after sending,
  a 5xx mid-publish). The engine never retries blindly; it asks ``find_published``.
"""

from __future__ import annotations

import enum
import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.oauth import OAuthSpec
from smmdesk.connectors.webhooks import WebhookAnswer, WebhookEvent, WebhookRequest
from smmdesk.lib.http import HttpClient, HttpFailure, retry_after_seconds
from smmdesk.lib.text import grapheme_count


class Format(enum.StrEnum):
    FEED = "feed"
    STORY = "story"
    REEL = "reel"
    THREAD = "thread"


FORMAT_LABELS = {
    Format.FEED: gettext_lazy("Feed post"),
    Format.STORY: gettext_lazy("Story"),
    Format.REEL: gettext_lazy("Reel / short"),
    Format.THREAD: gettext_lazy("Thread"),
}


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    GIF = "gif"
    DOCUMENT = "document"  # a PDF (LinkedIn document posts, shown as a swipeable carousel)


# ---------------------------------------------------------------- errors


class ConnectorError(Exception):
    """Base of the three error classes. ``message`` is for a person; ``raw`` for the log."""

    error_class: ClassVar[str] = "error"

    def __init__(self, message: str, *, code: str = "", raw: Any = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.raw = raw


class PermanentError(ConnectorError):
    error_class = "permanent"

    def __init__(self, message: str, *, code: str = "", raw: Any = None,
                 channel_broken: bool = False):
        super().__init__(message, code=code, raw=raw)
        self.channel_broken = channel_broken


class TransientError(ConnectorError):
    error_class = "transient"

    def __init__(self, message: str, *, code: str = "", raw: Any = None,
                 retry_after: float | None = None, scope: str = "channel"):
        super().__init__(message, code=code, raw=raw)
        self.retry_after = retry_after
        self.scope = scope  # "channel" or "app": whom the Retry-After applies to


class AmbiguousError(ConnectorError):
    error_class = "ambiguous"


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Limits:
    """What one post on this network may contain. ``validate`` checks these."""

    text_max: int
    caption_max: int | None = None  # when media is attached; None: same as text_max
    media_max: int = 0
    media_kinds: frozenset[MediaKind] = frozenset()
    image_max_bytes: int | None = None
    video_max_bytes: int | None = None
    gif_max_bytes: int | None = None  # None: same as images
    mixed_media: bool = True  # images and videos in one post
    formats: frozenset[Format] = frozenset({Format.FEED})
    text_or_media_required: bool = True
    media_required_formats: frozenset[Format] = frozenset()
    counts: str = "chars"  # "chars" (code points), "utf16" (code units) or "graphemes"

    def caption_limit(self) -> int:
        return self.caption_max if self.caption_max is not None else self.text_max


@dataclass(frozen=True)
class RateLimit:
    calls: int
    per_seconds: int
    scope: str = "channel"  # "channel": per connected account; "app": per network app


@dataclass(frozen=True)
class Capabilities:
    delete: bool = False
    edit: bool = False
    comments: bool = False
    reply: bool = False
    hide_comment: bool = False
    delete_comment: bool = False
    direct_messages: bool = False
    post_metrics: bool = False
    account_metrics: bool = False
    webhooks: bool = False
    find_published: bool = False
    search: bool = False
    reply_to_post: bool = False  # answer a post listening found (Connector.reply_to_post)


# ---------------------------------------------------------------- values in and out


@dataclass(frozen=True)
class MediaFile:
    path: Path
    kind: MediaKind
    mime: str
    size: int
    name: str = ""
    alt_text: str = ""
    width: int | None = None
    height: int | None = None
    # A signed public address of the file, for networks that fetch media themselves
    # (Instagram). Filled only for connectors with ``needs_public_media``.
    url: str = ""


@dataclass(frozen=True)
class PublishRequest:
    """One post for one channel, as the network will receive it."""

    text: str
    media: tuple[MediaFile, ...] = ()
    format: Format = Format.FEED
    first_comment: str = ""
    marker: str = ""  # our idempotency key: unique per publication
    publication_id: int | None = None
    options: dict = field(default_factory=dict)
    # Ids of the parts an earlier try already posted, in order: a thread that broke off
    # after its first parts. A connector raises its ``thread_incomplete`` error with
    # ``raw={"thread_posted": [ids...]}``; the engine keeps them with the attempt and
    # hands them back here, so the next try goes on from the next part.
    resume: tuple[str, ...] = ()

    def content_hash(self) -> str:
        return content_hash(self.text)


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str = ""
    raw: Any = None
    extra_ids: tuple[str, ...] = ()  # e.g. the other messages of a Telegram album


class Found(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"  # the network's listing is complete: it was not created
    UNKNOWN = "unknown"  # cannot tell: a person decides


@dataclass(frozen=True)
class FindResult:
    status: Found
    result: PublishResult | None = None
    note: str = ""


@dataclass(frozen=True)
class ChannelContext:
    id: int | None
    external_id: str
    name: str
    credentials: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    # Renewing tokens in the middle of a call, once for all workers: given a function
    # that renews and returns the new credentials, the channel layer runs it under the
    # channel's renewal claim and stores its result at once, or hands back what another
    # worker stored meanwhile (a rotating refresh token works only once). None (a
    # channel not stored yet): the connector renews directly and reports ``rotated``.
    renewal: Callable[[Callable[[], ConnectResult]], ConnectResult] | None = field(
        default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ConnectResult:
    external_id: str
    name: str
    credentials: dict
    settings: dict = field(default_factory=dict)
    url: str = ""
    token_expires_at: datetime | None = None


@dataclass(frozen=True)
class MetricsSource:
    """Where a channel's metrics come from: ``code`` for code ("api", "none", or a
    network's own such as Telegram's "web_preview"), ``text`` for a person."""

    code: str
    text: str


@dataclass(frozen=True)
class Issue:
    """A validation problem, in the person's words."""

    code: str
    message: str
    field: str = "text"


@dataclass(frozen=True)
class RemoteComment:
    external_id: str
    post_external_id: str
    author_id: str
    author_name: str
    text: str
    created_at: datetime
    parent_external_id: str = ""
    by_us: bool = False  # written by the channel itself (our reply)
    hidden: bool = False
    raw: Any = None


def budget_wait(response, *, remaining: str, reset: str) -> float | None:
    """Seconds to wait when a network's rate-limit headers say the budget is spent, e.g.
    Mastodon's X-RateLimit-Remaining / X-RateLimit-Reset (an ISO time) or Bluesky's
    RateLimit-Remaining / RateLimit-Reset (epoch seconds). None while budget remains."""
    left = (response.headers.get(remaining) or "").strip()
    if not left.lstrip("-").isdigit() or int(left) > 0:
        return None
    value = (response.headers.get(reset) or "").strip()
    now = datetime.now().astimezone()
    try:
        when = (datetime.fromtimestamp(int(value)).astimezone() if value.isdigit()
                else datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return retry_after_seconds(response) or 60.0
    return max(1.0, (when - now).total_seconds())


def content_hash(text: str) -> str:
    norm = " ".join(unicodedata.normalize("NFC", text or "").split())
    return hashlib.sha256(norm.encode()).hexdigest()[:32]


def text_length(text: str, counts: str = "chars") -> int:
    if counts == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if counts == "graphemes":
        return grapheme_count(text)
    return len(text)


# ---------------------------------------------------------------- the interface


class Connector:
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    simulated: ClassVar[bool] = False
    limits: ClassVar[Limits]
    capabilities: ClassVar[Capabilities] = Capabilities()
    rate_limits: ClassVar[tuple[RateLimit, ...]] = ()
    # Fields the "connect" form asks for: (name, label, kind) where kind is text/secret/url.
    connect_fields: ClassVar[tuple[tuple[str, Any, str], ...]] = ()
    # One sentence above that form: how a person gets what it asks for.
    connect_help: ClassVar[Any] = ""
    # OAuth 2 networks declare their endpoints here (see connectors/oauth.py) and are
    # connected with a "Connect with ..." button instead of a form.
    oauth: ClassVar[OAuthSpec | None] = None
    # How long before expiry the worker refreshes this network's tokens (at most 3 days).
    refresh_ahead: ClassVar[timedelta] = timedelta(days=3)
    # The network downloads media from a URL we give it instead of an upload.
    needs_public_media: ClassVar[bool] = False
    # Per-post settings of this network the composer offers, (name, label, kind) with kind
    # text or a tuple of (value, label) choices; they arrive in PublishRequest.options.
    variant_options: ClassVar[tuple[tuple[str, Any, Any], ...]] = ()
    # Settings of a connected channel a person may change later, (name, label, choices)
    # with choices a tuple of (value, label): e.g. the X API tier the account pays for.
    # They are stored in the channel's public settings (channels.channel_settings_set).
    settings_fields: ClassVar[tuple[tuple[str, Any, tuple[tuple[str, Any], ...]], ...]] = ()
    # The credentials that are secrets (tokens, passwords), masked in logs and attempt
    # records; the others (an account id, an expiry time) stay readable. None: all.
    secret_keys: ClassVar[tuple[str, ...] | None] = None
    # How soon after our own send ``find_published`` can be trusted to see the post. A
    # NOT_FOUND earlier than this (or ever, when None) is not taken as "never created":
    # the engine keeps looking with backoff and then asks a person, and never resends.
    # Declare a timedelta only where the listing is complete and immediate for our posts.
    listing_lag: ClassVar[timedelta | None] = None
    # Items the metrics collector reads per run for one channel: the network's rate
    # limits and prices (X charges per read) decide it.
    metrics_reads_per_run: ClassVar[int] = 20

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        self.channel = channel
        # Set by a connector that had to renew its tokens during a call (Bluesky rotates
        # its refresh token): the engine stores these credentials after the call.
        self.rotated: ConnectResult | None = None
        self.http = http or HttpClient()
        for secret in self.secrets():  # masked in logs and attempt records
            self.http.add_secret(secret)

    def renew_in_call(self, renew: Callable[[], ConnectResult]) -> ConnectResult:
        """Renew this channel's tokens in the middle of a call (see
        ``ChannelContext.renewal``) and return the credentials to go on with."""
        if self.channel.renewal is None:
            self.rotated = renew()
            return self.rotated
        return self.channel.renewal(renew)

    def secrets(self) -> list[str]:
        """Strings to mask in logs and attempt records: the credentials named in
        ``secret_keys``, or every string credential when it is None."""
        creds = self.channel.credentials
        if self.secret_keys is None:
            return [v for v in creds.values() if isinstance(v, str)]
        return [str(creds[k]) for k in self.secret_keys if creds.get(k)]

    # -- connect --------------------------------------------------------------

    @classmethod
    def connect(cls, data: dict, http: HttpClient) -> ConnectResult:
        """Check what the person entered with the network and return the channel to store.
        Raise PermanentError with the fix in plain words when it is not right."""
        raise PermanentError(_("%(network)s cannot be connected this way.")
                             % {"network": cls.label})

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """After the code exchange: every account this grant can publish to (a user's
        pages, communities...), each ready to store as a channel."""
        raise PermanentError(_("%(network)s cannot be connected this way.")
                             % {"network": cls.label})

    @classmethod
    def oauth_register(cls, instance: str, redirect_uri: str, http: HttpClient) -> dict:
        """Per-server networks (Mastodon): register our app on ``instance`` and return
        {"client_id", "client_secret"}."""
        raise PermanentError(_("%(network)s has no per-server apps.") % {"network": cls.label})

    def refresh_credentials(self) -> ConnectResult | None:
        """Refresh tokens ahead of expiry. None: nothing to refresh. The returned
        credentials are merged over the stored ones, so a refresh token the network did
        not resend is kept."""
        return None

    @classmethod
    def event_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """One of this network's events (a comment, message or mention, pushed or polled)
        as a RemoteComment for the inbox; None for events that are not something a person
        wrote. The default reads these keys of ``event.data``: text, author_id,
        author_name, created_at (ISO 8601), post_external_id, parent_external_id, by_us.
        Networks whose events carry their own shapes override this."""
        from django.utils.dateparse import parse_datetime
        from django.utils.timezone import now

        d = event.data if isinstance(event.data, dict) else {}
        if not isinstance(d.get("text"), str) or not event.external_id:
            return None
        created = parse_datetime(str(d.get("created_at") or "")) or now()
        return RemoteComment(
            external_id=event.external_id, post_external_id=str(d.get("post_external_id") or ""),
            author_id=str(d.get("author_id") or ""), author_name=str(d.get("author_name") or ""),
            text=d["text"], created_at=created,
            parent_external_id=str(d.get("parent_external_id") or ""),
            by_us=bool(d.get("by_us")))

    def poll_events(self, cursor: str) -> tuple[list[WebhookEvent], str]:
        """Networks that give a stream of updates instead of per-post lists (Telegram's
        getUpdates, VK's Long Poll): the events after ``cursor`` and the next cursor."""
        return [], cursor

    # -- webhooks ---------------------------------------------------------------

    def webhook_setup(self, url: str) -> dict:
        """Ask the network to push this channel's events to ``url``; return credentials to
        keep (e.g. the secret it will sign with). Networks configured by hand, or with one
        endpoint for the whole app (Meta), return {}."""
        return {}

    def webhook_remove(self) -> None:
        """Stop the network pushing to us (the caller forgets the webhook credentials)."""

    @classmethod
    def webhook_receive(cls, request: WebhookRequest) -> WebhookAnswer:
        """Answer a request the network pushed: a handshake, or events after checking
        the signature. Refuse (``webhooks.refuse``) anything that does not verify."""
        return WebhookAnswer(status=404, body="no webhooks", rejected="not supported")

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """Check a post against ``limits`` before anything is sent. ``settings`` are the
        channel's (a server's own limits, for federated networks). Override to add the
        network's own rules, calling ``super().validate(req, settings=settings)`` first."""
        return validate_against_limits(cls, req)

    def publish(self, req: PublishRequest) -> PublishResult:
        raise PermanentError(_("%(network)s: publishing is not available.")
                             % {"network": self.label})

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """Look on the network for a post made for ``req`` after ``since`` (by marker or
        by content hash). NOT_FOUND only when the network's listing is complete."""
        return FindResult(Found.UNKNOWN, note=_("%(network)s does not let us list recent posts.")
                          % {"network": self.label})

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """Delete a post; ``extra_ids`` are the other parts publish returned (an album)."""
        raise PermanentError(_("%(network)s does not allow deleting posts.")
                             % {"network": self.label})

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        raise PermanentError(_("%(network)s does not allow editing posts.")
                             % {"network": self.label})

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        return []

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        raise PermanentError(_("%(network)s does not allow replying from here.")
                             % {"network": self.label})

    def reply_to_post(self, ref: str, text: str) -> RemoteComment:
        """Answer someone else's post that listening found: ``ref`` is the post's
        ``Item.reply_ref`` as this network's listening source wrote it."""
        raise NotImplementedError

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        raise PermanentError(_("%(network)s does not allow hiding comments.")
                             % {"network": self.label})

    def delete_comment(self, comment_external_id: str) -> None:
        raise PermanentError(_("%(network)s does not allow deleting comments from here.")
                             % {"network": self.label})

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Raw counters of one post, with these names where the network has them: views,
        reach, likes, comments, reposts, quotes, saves, clicks, replies."""
        return {}

    def fetch_account_metrics(self) -> dict[str, int]:
        """Raw counters of the account: followers, following, posts, fans (Facebook)."""
        return {}

    @classmethod
    def metrics_source(cls, settings: dict) -> MetricsSource:
        """Where this channel's figures come from, for the channels page, without asking
        the network (``settings`` are the channel's public settings). Networks that read
        them elsewhere than their API, or not at all for some channels, say so here."""
        if cls.capabilities.post_metrics or cls.capabilities.account_metrics:
            return MetricsSource("api", _("Metrics: read from the %(network)s API.")
                                 % {"network": cls.label})
        return MetricsSource("none", _("Metrics: not available from %(network)s.")
                             % {"network": cls.label})

    @classmethod
    def channel_notes(cls, settings: dict) -> list[str]:
        """Sentences the channels page shows under this channel, from its public settings
        (an API tier and what it allows, a permission the person did not grant)."""
        return []

    # -- helpers for subclasses -----------------------------------------------

    def send(self, method: str, url: str, **kwargs: Any):
        """``HttpClient.request`` with transport failures turned into connector errors:
        a request that may have reached the network is ambiguous unless it is idempotent
        (reads, deletes), which are simply tried again later."""
        idempotent = kwargs.get("idempotent")
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "OPTIONS"}
        try:
            return self.http.request(method, url, **kwargs)
        except HttpFailure as exc:
            if exc.maybe_sent and not idempotent:
                raise AmbiguousError(
                    _("%(network)s did not answer in time; the post may or may not have been "
                      "created. smmdesk will check before trying again.")
                    % {"network": self.label}, code="no_answer", raw=str(exc)) from exc
            raise TransientError(
                _("%(network)s could not be reached. smmdesk will try again.")
                % {"network": self.label}, code="unreachable", raw=str(exc)) from exc


def validate_against_limits(connector: type[Connector], req: PublishRequest,
                            limits: Limits | None = None) -> list[Issue]:
    lim, net = limits or connector.limits, connector.label
    issues: list[Issue] = []
    if req.format not in lim.formats:
        issues.append(Issue("format_unsupported",
                            _("%(network)s does not support the format “%(format)s”.")
                            % {"network": net, "format": FORMAT_LABELS[req.format]}, "format"))
    if lim.text_or_media_required and not req.text.strip() and not req.media:
        issues.append(Issue("empty", _("%(network)s: the post needs text or media.")
                            % {"network": net}))
    if req.format in lim.media_required_formats and not req.media:
        issues.append(Issue("media_required",
                            _("%(network)s: a %(format)s needs an image or a video.")
                            % {"network": net, "format": FORMAT_LABELS[req.format]}, "media"))
    issues += _text_issues(lim, net, req)
    issues += _media_issues(lim, net, req)
    return issues


def _text_issues(lim: Limits, net: str, req: PublishRequest) -> list[Issue]:
    limit = lim.caption_limit() if req.media else lim.text_max
    length = text_length(req.text, lim.counts)
    if length <= limit:
        return []
    if req.media and lim.caption_max is not None:
        msg = _("%(network)s allows at most %(limit)d characters in a caption under media; "
                "this text has %(length)d.")
    else:
        msg = _("%(network)s allows at most %(limit)d characters; this text has %(length)d.")
    return [Issue("text_too_long", msg % {"network": net, "limit": limit, "length": length})]


def _media_issues(lim: Limits, net: str, req: PublishRequest) -> list[Issue]:
    issues = []
    if len(req.media) > lim.media_max:
        issues.append(Issue("too_many_media",
                            _("%(network)s allows at most %(limit)d media files in a post; "
                              "this one has %(count)d.")
                            % {"network": net, "limit": lim.media_max, "count": len(req.media)},
                            "media"))
    kinds = {m.kind for m in req.media}
    if not lim.mixed_media and len(kinds) > 1:
        issues.append(Issue("mixed_media", _("%(network)s cannot mix images and videos in "
                                             "one post.") % {"network": net}, "media"))
    for m in req.media:
        if m.kind not in lim.media_kinds:
            issues.append(Issue("media_kind", _("%(network)s does not accept %(kind)s files "
                                                "(%(name)s).")
                                % {"network": net, "kind": m.kind, "name": m.name}, "media"))
            continue
        cap = {MediaKind.VIDEO: lim.video_max_bytes,
               MediaKind.GIF: lim.gif_max_bytes or lim.image_max_bytes}.get(m.kind,
                                                                            lim.image_max_bytes)
        if cap is not None and m.size > cap:
            issues.append(Issue("media_too_large",
                                _("%(network)s accepts %(kind)s files up to %(limit)s MB; "
                                  "%(name)s is %(size).1f MB.")
                                % {"network": net, "kind": m.kind, "limit": cap // 2**20,
                                   "name": m.name, "size": m.size / 2**20}, "media"))
    return issues

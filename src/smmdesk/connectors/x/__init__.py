"""X (Twitter): one account, through the X API v2 with OAuth 2.0 user tokens.

Connecting is OAuth 2.0 Authorization Code with PKCE (https://docs.x.com/fundamentals/
authentication/oauth-2-0/authorization-code); smmdesk's app is a confidential client, so
the token requests carry its id and secret as HTTP Basic auth. Access tokens live two
hours; ``offline.access`` adds a refresh token, and every refresh answers a new one (the
old one stops working), so renewals run once for all workers (``renew_in_call``). The
worker renews half an hour ahead; a token refused mid-call (401) is renewed once and the
call made again.

A post is POST /2/tweets: at most 280 weighted characters (``text``), up to four
images or one GIF or video (``media``), or a poll. A thread is a chain of posts, each a
reply to the one before; the first comment is a reply to the last. X has no idempotency
key, so a thread that broke off names the posts already out in its error
(``thread_posted``) and the next try, given them in ``req.resume``, goes on
from the next part.

X's API tiers differ by orders of magnitude, and reading costs money: the channel keeps
the tier the deployment's developer app is on (setting ``tier``; SMMDESK_X_TIER when
connecting; Free by default). On Free smmdesk never reads (no metrics, no comments, no
looking up a post after a timeout); on paid tiers it reads sparingly.

References: https://docs.x.com/x-api/posts/creation-of-a-post ,
https://docs.x.com/x-api/media/quickstart/media-upload-chunked ,
https://docs.x.com/x-api/fundamentals/rate-limits (contract fixtures in
``tests/connectors/fixtures/x/`` record each request and answer used here).

The connector is here; ``text`` counts weighted characters and splits threads,
``media`` uploads files, ``community`` turns replies into comments, ``errors`` maps
refusals, and ``common`` holds addresses and the tier table.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors import oauth
from smmdesk.connectors.base import (
    AmbiguousError,
    Capabilities,
    ChannelContext,
    Connector,
    ConnectorError,
    ConnectResult,
    FindResult,
    Format,
    Found,
    Issue,
    Limits,
    MediaKind,
    MetricsSource,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    RemoteComment,
    TransientError,
    content_hash,
)
from smmdesk.connectors.oauth import OAuthSpec
from smmdesk.connectors.x.common import (
    API,
    AUTHORIZE_URL,
    ENV_PREFIX,
    GIF_MAX_BYTES,
    IMAGE_MAX_BYTES,
    POLL_MINUTES,
    POLL_OPTION_MAX,
    POLL_OPTIONS,
    REQUIRED_SCOPES,
    SCOPES,
    TEXT_MAX,
    TOKEN_URL,
    VIDEO_MAX_BYTES,
    WEB,
    Tier,
    post_url,
    tier_of,
)
from smmdesk.connectors.x.community import COMMENT_FIELDS, comments_of, replied_to
from smmdesk.connectors.x.errors import api_error, json_of, thread_stopped
from smmdesk.connectors.x.media import ALT_TEXT_MAX, upload
from smmdesk.connectors.x.text import thread_parts, weighted_length
from smmdesk.lib.http import HttpClient

log = logging.getLogger("smmdesk.connectors.x")

OAUTH = OAuthSpec(authorize_url=AUTHORIZE_URL, token_url=TOKEN_URL, scopes=SCOPES,
                  pkce=True, env_prefix=ENV_PREFIX, basic_auth=True)
FIND_PAGE = 20  # find_published reads one page of the timeline: each post read costs
_URLS = re.compile(r"https?://\S+")


class XConnector(Connector):
    kind = "x"
    label = "X (Twitter)"
    secret_keys = ("access_token", "refresh_token")
    # Weighted characters: ``validate`` counts them as X does (``text_max`` is what the
    # composer shows). Four images, or one GIF or one video, never mixed.
    limits = Limits(
        text_max=TEXT_MAX,
        media_max=4,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.GIF, MediaKind.VIDEO}),
        image_max_bytes=IMAGE_MAX_BYTES,
        gif_max_bytes=GIF_MAX_BYTES,
        video_max_bytes=VIDEO_MAX_BYTES,
        mixed_media=False,
        formats=frozenset({Format.FEED, Format.THREAD}),
    )
    # Edits exist only for paying X Premium accounts and within an hour: not offered.
    # Deleting others' replies is not possible; hiding them is.
    capabilities = Capabilities(delete=True, comments=True, reply=True, hide_comment=True,
                                post_metrics=True, account_metrics=True, find_published=True)
    # POST /2/tweets: 100 per 24 hours per account on Basic (17 on Free, 100 per
    # 15 minutes on Pro); a 429 names the reset of the window actually spent.
    rate_limits = (RateLimit(100, 86400, "channel"),)
    oauth = OAUTH
    refresh_ahead = timedelta(minutes=30)  # access tokens live two hours
    # Each post read costs (and Free reads nothing): two posts a run at most.
    metrics_reads_per_run = 2
    settings_fields = (
        ("tier", gettext_lazy("X API tier"), (
            ("free", "Free"), ("basic", "Basic"), ("pro", "Pro"),
            ("enterprise", "Enterprise"))),)
    variant_options = (
        ("poll_options", gettext_lazy("Poll: 2 to 4 choices, one per line or separated by "
                                      "“|” (leave empty for no poll)"), "text"),
        ("poll_minutes", gettext_lazy("Poll: how long it stays open"), (
            ("60", gettext_lazy("1 hour")), ("1440", gettext_lazy("1 day")),
            ("4320", gettext_lazy("3 days")), ("10080", gettext_lazy("7 days")))),
        ("reply_to", gettext_lazy("Reply to a post (its address or number; leave empty "
                                  "for a new post)"), "text"),
    )

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._creds = dict(channel.credentials)

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The signed-in account (GET /2/users/me), with the tokens and the tier."""
        granted = set(str(token.get("scope") or " ".join(SCOPES)).split())
        missing = [s for s in REQUIRED_SCOPES if s not in granted]
        if missing:
            raise PermanentError(_(
                "X granted smmdesk less than it asked for (missing: %(scopes)s). Connect "
                "again and allow everything on X's page.") % {"scopes": ", ".join(missing)},
                code="scope_missing")
        api = cls(ChannelContext(None, "", "", credentials=_token_credentials(token)), http)
        me = api.call("GET", f"{API}/users/me",
                      params={"user.fields": "username,name"})["data"]
        return [api._connect_result(me, {"tier": tier_of(None).code})]

    def refresh_credentials(self) -> ConnectResult | None:
        """A new access token and a new refresh token (the old one is spent)."""
        self._refresh()
        return self._result_now()

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits with X's weighted count (each part of a thread), one GIF or
        video alone, alt text length and the poll."""
        issues = [i for i in super().validate(req, settings=settings)
                  if i.code != "text_too_long"]
        for part in thread_parts(req):
            issues += _length_issues(part, "text", req.format)
        if req.first_comment.strip():
            issues += _length_issues(req.first_comment, "first_comment", Format.FEED)
        motion = [m for m in req.media if m.kind in (MediaKind.GIF, MediaKind.VIDEO)]
        if motion and len(req.media) > 1:
            issues.append(Issue("too_many_media", _(
                "X takes up to four images, or one GIF or one video alone, in a post."),
                "media"))
        for m in req.media:
            if len(m.alt_text) > ALT_TEXT_MAX:
                issues.append(Issue("alt_text_too_long", _(
                    "X allows at most %(limit)d characters of alt text; %(name)s has "
                    "%(length)d.") % {"limit": ALT_TEXT_MAX, "name": m.name or m.path.name,
                                      "length": len(m.alt_text)}, "media"))
        return issues + _poll_issues(req)

    def publish(self, req: PublishRequest) -> PublishResult:
        """Upload the files, create the post (with its poll, or as a reply when
        ``reply_to`` names a post), then each next part of a thread as a reply to the one
        before, then the first comment as a reply to the last. Given ``req.resume``
        (the ids a broken-off try made, handed back by the engine), the parts already
        out are not posted again: the thread goes on from the next one.

        X refuses a post whose text the account has just posted (403 "duplicate
        content"). That refusal is not taken as "our earlier, timed-out post exists":
        it does not say which post it means (it may be one a person wrote), and the
        engine never resends after a timeout anyway (it asks ``find_published``). It is
        a PermanentError whose message tells the person to check the profile."""
        parts = thread_parts(req)
        posted = [str(i) for i in req.resume][:len(parts)]
        if not posted:
            posted.append(self._create(self._first_body(req, parts[0]), kind="write"))
        for part in parts[len(posted):]:
            try:
                posted.append(self._create({"text": part, "reply": {
                    "in_reply_to_tweet_id": posted[-1]}}, kind="write"))
            except ConnectorError as exc:
                raise thread_stopped(exc, posted, len(parts),
                                     post_url(self._username(), posted[0])) from exc
        raw: dict[str, Any] = {"ids": list(posted)}
        extra = posted[1:]
        if req.first_comment.strip():
            comment = raw["first_comment"] = self._first_comment(req.first_comment, posted[-1])
            extra += [comment["id"]] if comment.get("ok") else []
        return PublishResult(posted[0], post_url(self._username(), posted[0]), raw=raw,
                             extra_ids=tuple(extra))

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The account's newest posts since ``since`` (GET /2/users/:id/tweets, one page:
        every post read costs) with the same text, links aside (X shows them as t.co).
        The timeline lags behind and is capped, so not seeing the post is never taken as
        "not created". Free reads nothing: a person looks at the profile."""
        tier = self._tier()
        if not tier.reads:
            return FindResult(Found.UNKNOWN, note=_(
                "On the X Free tier smmdesk cannot read posts back; look at the profile to "
                "see whether the post is there."))
        data = self.call("GET", f"{API}/users/{self.channel.external_id}/tweets", params={
            "max_results": FIND_PAGE, "start_time": _iso(since), "exclude": "retweets",
            "tweet.fields": "created_at,conversation_id,referenced_tweets"})
        posts = list(reversed(data.get("data") or []))  # oldest first
        parts = thread_parts(req)
        roots = [p for p in posts if not replied_to(p) and _same(p, parts[0])]
        if not roots:
            return FindResult(Found.UNKNOWN, note=_(
                "X does not list the post among the account's latest posts; its timeline "
                "can lag behind, so smmdesk does not take that as “not posted”."))
        root = str(roots[0]["id"])
        later = [t for t in [*parts[1:], req.first_comment] if t.strip()]
        extra = tuple(str(p["id"]) for p in posts if str(p.get("conversation_id")) == root
                      and replied_to(p) and any(_same(p, t) for t in later))
        return FindResult(Found.FOUND, PublishResult(
            root, post_url(self._username(), root), raw={"found_by": "content"},
            extra_ids=extra))

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """DELETE /2/tweets/:id for each part, the last first; one already gone is fine."""
        for post_id in (*reversed(extra_ids), external_id):
            try:
                self.call("DELETE", f"{API}/tweets/{post_id}", kind="repeatable")
            except PermanentError as exc:
                if exc.code != "not_found":
                    raise

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """Replies in the post's conversation (recent search: the last seven days), on
        paid tiers; Free reads nothing and says so in the log and the channel notes."""
        if not self._tier().reads:
            log.info("x channel %s: comments are not read on the Free tier", self.channel.id)
            return []
        params = {"query": f"conversation_id:{external_id}", "max_results": 100,
                  **COMMENT_FIELDS}
        if since is not None:
            params["start_time"] = _iso(max(since, datetime.now(UTC) - timedelta(days=6)))
        data = self.call("GET", f"{API}/tweets/search/recent", params=params)
        return comments_of(data, external_id, self.channel.external_id)

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        post_id = self._create({"text": text, "reply": {
            "in_reply_to_tweet_id": comment.external_id}}, kind="reply")
        return RemoteComment(
            external_id=post_id, post_external_id=comment.post_external_id or
            comment.external_id, author_id=self.channel.external_id,
            author_name=self.channel.name, text=text, created_at=datetime.now(UTC),
            parent_external_id=comment.external_id, by_us=True)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        """PUT /2/tweets/:id/hidden: only replies to the account's own posts."""
        self.call("PUT", f"{API}/tweets/{comment_external_id}/hidden", kind="repeatable",
                  json={"hidden": hidden})

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Public counters and, for our own posts, impressions and link clicks
        (non_public_metrics); nothing on Free."""
        if not self._tier().reads:
            log.info("x channel %s: metrics are not read on the Free tier", self.channel.id)
            return {}
        data = self.call("GET", f"{API}/tweets/{external_id}", params={
            "tweet.fields": "public_metrics,non_public_metrics"})
        post = data.get("data")
        if not post:
            raise PermanentError(_("X: the post was not found; it may have been deleted."),
                                 code="not_found", raw=data)
        public, private = post.get("public_metrics") or {}, post.get("non_public_metrics") or {}
        names = {"views": "impression_count", "likes": "like_count", "comments": "reply_count",
                 "reposts": "retweet_count", "quotes": "quote_count",
                 "saves": "bookmark_count"}
        out = {k: int(public[v]) for k, v in names.items() if v in public}
        if "impression_count" in private:
            out["views"] = int(private["impression_count"])
        if "url_link_clicks" in private:
            out["clicks"] = int(private["url_link_clicks"])
        return out

    def fetch_account_metrics(self) -> dict[str, int]:
        if not self._tier().reads:
            return {}
        user = self.call("GET", f"{API}/users/me", params={
            "user.fields": "public_metrics"})["data"]
        metrics = user.get("public_metrics") or {}
        names = {"followers": "followers_count", "following": "following_count",
                 "posts": "tweet_count"}
        return {k: int(metrics[v]) for k, v in names.items() if v in metrics}

    @classmethod
    def metrics_source(cls, settings: dict) -> MetricsSource:
        if not tier_of(settings).reads:
            return MetricsSource("none", _("Metrics: not read on the X Free tier (it allows "
                                           "almost no reading)."))
        return super().metrics_source(settings)

    @classmethod
    def channel_notes(cls, settings: dict) -> list[str]:
        """What the app's X API tier allows, in numbers (see ``common.TIERS``)."""
        tier = tier_of(settings)
        if tier.code == "free":
            return [_("X Free tier: %(month)s posts a month for the whole app (%(day)d a day "
                      "per account), no reads: metrics, comments and checking a post after a "
                      "timeout are off.") % {"month": _count(tier.posts_per_month),
                                            "day": tier.posts_per_day_user}]
        if tier.posts_per_month is None:
            return [_("X Enterprise tier: posting and reading as your contract with X "
                      "allows. Metrics and comments are read sparingly; each read costs.")]
        return [_("X %(tier)s tier: %(month)s posts a month for the whole app and "
                  "%(reads)s posts read a month. Metrics are read for few posts and comments "
                  "only for the last 7 days; each read counts.")
                % {"tier": tier.code.capitalize(), "month": _count(tier.posts_per_month),
                   "reads": _count(tier.reads_per_month)}]

    # -- the pieces of a publish -----------------------------------------------

    def _first_body(self, req: PublishRequest, text: str) -> dict:
        body: dict[str, Any] = {"text": text}
        media_ids = [upload(self, m) for m in req.media]
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        options = _poll_choices(req.options)
        if options:
            body["poll"] = {"options": options,
                            "duration_minutes": _poll_minutes(req.options)}
        reply_to = _post_id(str(req.options.get("reply_to") or ""))
        if reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply_to}
        return body

    def _create(self, body: dict, *, kind: str) -> str:
        return str(self.call("POST", f"{API}/tweets", kind=kind, json=body)["data"]["id"])

    def _first_comment(self, text: str, parent: str) -> dict:
        """Never fails the publish: the post is out; the outcome goes into ``raw``."""
        try:
            post_id = self._create({"text": text, "reply": {"in_reply_to_tweet_id": parent}},
                                   kind="reply")
        except ConnectorError as exc:
            return {"ok": False, "error": exc.message, "error_class": exc.error_class,
                    "code": exc.code}
        return {"ok": True, "id": post_id, "url": post_url(self._username(), post_id)}

    # -- calling the API -------------------------------------------------------

    def call(self, method: str, url: str, *, kind: str = "read", retry: bool = True,
             **kwargs: Any) -> dict:
        """One call with the user's token. ``kind``: "read", "repeatable" (deletes,
        hiding, uploads: nothing new appears twice), "write" (a post) or "reply". A token
        about to run out is renewed first; one refused (401) is renewed once and the
        call made again. ``retry=False``: not repeated by the HTTP client (a body read
        from a file once)."""
        if self._expires_soon():
            self._renew()
        for attempt in (1, 2):
            response = self._send(method, url, kind, retry, kwargs)
            data = json_of(response)
            if response.status_code < 300:
                return data
            if attempt == 1 and response.status_code == 401 and self._creds.get(
                    "refresh_token"):
                self._renew()
                continue
            raise api_error(response, data, kind, self._who())
        raise AssertionError("unreachable")

    def _send(self, method, url, kind, retry, kwargs):
        headers = {"Authorization": f"Bearer {self._creds.get('access_token', '')}"}
        repeatable = kind in ("read", "repeatable")
        try:
            return self.send(method, url, headers=headers,
                             idempotent=repeatable and retry, **kwargs)
        except AmbiguousError as exc:
            if not repeatable:
                raise
            raise TransientError(exc.message, code="no_answer", raw=exc.raw) from exc

    # -- tokens -----------------------------------------------------------------

    def _refresh(self) -> None:
        try:
            token = oauth.refresh(OAUTH, oauth.deployment_client(OAUTH),
                                  refresh_token=self._creds.get("refresh_token", ""),
                                  http=self.http, network=self.label)
        except oauth.OAuthNotConfigured as exc:
            raise PermanentError(_("X is not set up on this smmdesk (no app client id); "
                                   "ask the administrator."), code="not_configured") from exc
        except PermanentError as exc:
            raise PermanentError(_(
                "X no longer accepts smmdesk's access to %(account)s (%(reason)s). Reconnect "
                "the channel.") % {**self._who(), "reason": exc.message},
                code="refresh_refused", raw=exc.raw, channel_broken=True) from exc
        self._creds.update(_token_credentials(token))

    def _renew(self) -> None:
        """Renewed once for all workers: a refresh token works only once."""
        def renew() -> ConnectResult:
            self._refresh()
            return self._result_now()

        fresh = self.renew_in_call(renew)
        self._creds.update(fresh.credentials)
        for key in ("access_token", "refresh_token"):
            self.http.add_secret(self._creds.get(key, ""))

    def _expires_soon(self) -> bool:
        try:
            when = datetime.fromisoformat(str(self._creds.get("expires_at") or ""))
        except ValueError:
            return False
        return bool(self._creds.get("refresh_token")) and when < datetime.now(UTC) + timedelta(
            seconds=60)

    def _result_now(self) -> ConnectResult:
        return ConnectResult(
            external_id=self.channel.external_id, name=self.channel.name,
            credentials=dict(self._creds), settings={},
            url=f"{WEB}/{self._username()}" if self._username() else "",
            token_expires_at=_expiry(self._creds))

    def _connect_result(self, me: dict, settings: dict) -> ConnectResult:
        username = str(me.get("username") or "")
        return ConnectResult(
            external_id=str(me["id"]), name=str(me.get("name") or "@" + username),
            credentials=dict(self._creds), settings={"username": username, **settings},
            url=f"{WEB}/{username}", token_expires_at=_expiry(self._creds))

    def _tier(self) -> Tier:
        return tier_of(self.channel.settings)

    def _username(self) -> str:
        return str(self.channel.settings.get("username") or "")

    def _who(self) -> dict[str, str]:
        return {"account": "@" + self._username() if self._username() else self.channel.name}


# ---------------------------------------------------------------- helpers


def _token_credentials(token: dict) -> dict:
    creds = {k: str(token[k]) for k in ("access_token", "refresh_token") if token.get(k)}
    expires = oauth.expires_at(token)
    if expires:
        creds["expires_at"] = expires.isoformat()
    return creds


def _expiry(creds: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(creds.get("expires_at") or ""))
    except ValueError:
        return None


def _count(n: int | None) -> str:
    return number_format(n or 0, force_grouping=True)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fingerprint(text: str) -> str:
    """Text as X gives it back: links become t.co (and a file adds one), & is &amp;."""
    return content_hash(_URLS.sub(" ", html.unescape(text or "")))


def _same(post: dict, text: str) -> bool:
    return _fingerprint(str(post.get("text") or "")) == _fingerprint(text)


def _post_id(value: str) -> str:
    """A post's number from itself or its address (x.com/…/status/123)."""
    match = re.search(r"(?:status(?:es)?/)?(\d{5,20})\s*$", value.strip().split("?")[0])
    return match.group(1) if match else ""


def _poll_choices(options: dict) -> list[str]:
    raw = str(options.get("poll_options") or "")
    pieces = raw.splitlines() if "\n" in raw else raw.split("|")
    return [p.strip() for p in pieces if p.strip()]


def _poll_minutes(options: dict) -> int:
    try:
        return int(str(options.get("poll_minutes") or "1440"))
    except ValueError:
        return 0


def _length_issues(text: str, field: str, fmt: Format) -> list[Issue]:
    length = weighted_length(text)
    if length <= TEXT_MAX:
        return []
    if fmt == Format.THREAD:
        return [Issue("thread_part_too_long", _(
            "X allows at most %(limit)d characters in a post; one part of this thread "
            "cannot be split at a space and counts %(length)d.")
            % {"limit": TEXT_MAX, "length": length}, field)]
    return [Issue("text_too_long", _(
        "X allows at most %(limit)d characters in a post (links count 23, emoji and CJK "
        "characters 2); this text counts %(length)d. Shorten it, or choose the Thread "
        "format to split it into several posts.") % {"limit": TEXT_MAX, "length": length},
        field)]


def _poll_issues(req: PublishRequest) -> list[Issue]:
    choices = _poll_choices(req.options)
    if not choices:
        return []
    issues = []
    low, high = POLL_OPTIONS
    if not low <= len(choices) <= high:
        issues.append(Issue("poll_choices", _(
            "An X poll needs 2 to 4 choices; this one has %(count)d.")
            % {"count": len(choices)}, "options"))
    long = [c for c in choices if len(c) > POLL_OPTION_MAX]
    if long:
        issues.append(Issue("poll_choice_too_long", _(
            "X allows at most %(limit)d characters in a poll choice: “%(choice)s” is longer.")
            % {"limit": POLL_OPTION_MAX, "choice": long[0]}, "options"))
    if not POLL_MINUTES[0] <= _poll_minutes(req.options) <= POLL_MINUTES[1]:
        issues.append(Issue("poll_duration", _(
            "An X poll stays open from 5 minutes to 7 days."), "options"))
    if req.media:
        issues.append(Issue("poll_with_media", _(
            "X does not allow a poll and media in the same post."), "media"))
    return issues

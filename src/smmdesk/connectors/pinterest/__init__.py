"""Pinterest: pins on a person's (or a business's) boards, through the API v5.

Connected with OAuth 2 (https://www.pinterest.com/oauth/, token exchange at
https://api.pinterest.com/v5/oauth/token with the app's id and secret as HTTP Basic
auth): the signed-in account becomes one channel. Access tokens live 30 days; the
*continuous* refresh token 60 days, and every refresh returns a new one good for
another 60 days, so a channel the worker refreshes (3 days before the access token runs
out) never has to be connected again. Apps created before 25 September 2025 get the
continuous kind only when the token request says ``continuous_refresh=true``; our
refresh does. A token Pinterest refuses in the middle of a call (401) is renewed once
(``renew_in_call``) and the call repeated; a refused renewal asks for a reconnect.

Every pin is saved on a board, and may go in one of its sections. At connect time the
channel's settings keep the account's first board as its **default board**
(``board_id`` / ``board_name``); a post picks another in its Pinterest settings
(``board``: the board's name or id, ``section``: a section's name or id), and a name is
turned into the board's id when the pin is published, with an error that lists the
account's boards when there is no such board. Posts also take a destination ``link``
and a ``title`` (100 characters); the post's text is the pin's description (800).

Formats: one image, a carousel of 2–5 images, or one video (with an optional image as
its cover). Images go inline as base64 (or by URL when the file has a public address);
videos are uploaded to Pinterest's storage and processed before the pin is made (see
``media``). Pins can be deleted, not edited from here.

Not possible through the API: the v5 API has no endpoint to read, answer, hide or
delete comments on pins, so the inbox stays empty for Pinterest. Metrics: a pin's
impressions, saves, clicks (pin and outbound), video views, comments and reactions over
the last 90 days (the API reaches no further back), and the account's followers,
following, pins and monthly views.

Reference: https://developers.pinterest.com/docs/api/v5/ and its OpenAPI description
https://github.com/pinterest/api-description (v5/openapi.yaml); contract fixtures in
``tests/connectors/fixtures/pinterest/``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    TransientError,
    content_hash,
)
from smmdesk.connectors.pinterest.boards import (
    board_missing,
    default_board,
    find_board,
    find_section,
    list_boards,
)
from smmdesk.connectors.pinterest.common import (
    ALT_TEXT_MAX,
    API,
    CAROUSEL_MAX,
    DESCRIPTION_MAX,
    IMAGE_MAX_BYTES,
    IMAGE_TYPES,
    LINK_MAX,
    PINS_PAGE,
    PINS_PAGES,
    TITLE_MAX,
    VIDEO_MAX_BYTES,
    json_body,
    number,
    pin_time,
    pin_url,
)
from smmdesk.connectors.pinterest.errors import api_error
from smmdesk.connectors.pinterest.media import media_source
from smmdesk.lib.http import HttpClient

PINTEREST_OAUTH = oauth.OAuthSpec(
    authorize_url="https://www.pinterest.com/oauth/",
    token_url=f"{API}/oauth/token",
    scopes=("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read"),
    pkce=False,  # the token request takes code, redirect_uri and grant_type only
    scope_separator=",",
    env_prefix="SMMDESK_PINTEREST",
    basic_auth=True,
    # Apps made before 25 September 2025 get a continuous (self-renewing) refresh token
    # only when they ask for it; newer ones always do.
    token_params={"continuous_refresh": "true"},
)

# Pin analytics: metric types per kind of pin (video metrics on an image pin are
# refused), over the last 90 days: "Cannot be more than 90 days back from today".
_PIN_METRICS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK", "TOTAL_COMMENTS",
                "TOTAL_REACTIONS")
_VIDEO_METRICS = ("VIDEO_MRC_VIEW",)
_OURS = {"IMPRESSION": "views", "SAVE": "saves", "PIN_CLICK": "pin_clicks",
         "OUTBOUND_CLICK": "outbound_clicks", "VIDEO_MRC_VIEW": "video_views",
         "TOTAL_COMMENTS": "comments", "TOTAL_REACTIONS": "likes"}
ANALYTICS_DAYS = 89
ACCOUNT_DAYS = 30


class PinterestConnector(Connector):
    kind = "pinterest"
    label = "Pinterest"
    secret_keys = ("access_token", "refresh_token")
    # The post's text is the pin's description (PinCreate "maxLength: 800"); a pin
    # needs an image or a video; at most 5 images (a carousel) or one video plus one
    # image as its cover (checked in ``validate``).
    limits = Limits(
        text_max=DESCRIPTION_MAX,
        media_max=CAROUSEL_MAX,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        image_max_bytes=IMAGE_MAX_BYTES,
        video_max_bytes=VIDEO_MAX_BYTES,
        mixed_media=True,
        media_required_formats=frozenset({Format.FEED}),
        counts="chars",
    )
    # No comments: the v5 API does not expose comments on pins at all. No edit: PATCH
    # /pins/{id} cannot change a pin's media, and our edit replaces the whole post.
    capabilities = Capabilities(delete=True, post_metrics=True, account_metrics=True,
                                find_published=True)
    # https://developers.pinterest.com/docs/reference/rate-limits/ : "Standard access:
    # 100 requests per second per user per app for all API requests", plus per-category
    # limits per user per app (pin creation: org_write) answered with 429, which we
    # honour (Retry-After, X-RateLimit-Reset).
    rate_limits = (RateLimit(100, 1, "channel"),)
    oauth = PINTEREST_OAUTH
    # The access token lives 30 days: renewed when 3 days are left (the most the worker
    # allows), which also renews the 60-day continuous refresh token.
    refresh_ahead = timedelta(days=3)
    connect_help = gettext_lazy(
        "Sign in with Pinterest and allow smmdesk to read your boards and create pins. "
        "Pins go to your first board unless a post names another.")
    variant_options = (
        ("board", gettext_lazy("Board (name or id; empty: the channel's default board)"),
         "text"),
        ("section", gettext_lazy("Board section (name or id, optional)"), "text"),
        ("title", gettext_lazy("Pin title (up to 100 characters)"), "text"),
        ("link", gettext_lazy("Destination link (where the pin leads)"), "text"),
        ("cover_time", gettext_lazy("Video cover: second of the video to show"), "text"),
    )
    # Each pin costs two reads (the pin, then its analytics) in org_analytics.
    metrics_reads_per_run = 20

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._creds = dict(channel.credentials)  # after a renewal in a call: the new ones
        self._renewed = False

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The signed-in account (GET /v5/user_account) as one channel, its first board
        (GET /v5/boards) kept as the default board."""
        credentials = _credentials(token)
        api = cls(ChannelContext(None, "", "", credentials=credentials), http)
        account = api.call("GET", "/user_account", scope="user_accounts:read")
        boards = list_boards(api)
        return [ConnectResult(
            external_id=str(account["id"]), name=_account_name(account),
            credentials=credentials,
            settings={"username": account.get("username", ""),
                      "account_type": account.get("account_type", ""),
                      **default_board(boards)},
            url=_profile_url(account), token_expires_at=oauth.expires_at(token))]

    def refresh_credentials(self) -> ConnectResult | None:
        """A new access token (and a new 60-day continuous refresh token) for the
        refresh token. Refused: the channel must be connected again."""
        creds = self._creds
        if not creds.get("refresh_token"):
            return None
        body = self._refresh(str(creds["refresh_token"]))
        fresh = {**creds, **_credentials(body)}
        fresh["refresh_token"] = body.get("refresh_token") or creds["refresh_token"]
        return ConnectResult(
            external_id=self.channel.external_id, name=self.channel.name, credentials=fresh,
            settings=dict(self.channel.settings), url=self._profile(),
            token_expires_at=oauth.expires_at(body))

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits, then what a pin holds: 1–5 images or one video (with at
        most one image, its cover); JPEG or PNG; title, link and alt text lengths."""
        issues = super().validate(req, settings=settings)
        issues += _media_issues(req)
        issues += _option_issues(req.options)
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Find the board (and section) first, so that a wrong name fails before any
        upload; then the media; then POST /v5/pins."""
        if not req.media:
            raise PermanentError(_("Pinterest needs an image or a video in every pin."),
                                 code="media_required")
        options = req.options or {}
        board_id, section_id = self._target(options)
        title = str(options.get("title") or "").strip()
        link = str(options.get("link") or "").strip()
        source, facts = media_source(self, req.media, link=link, title=title,
                                     cover_time=number(options.get("cover_time")))
        body: dict[str, Any] = {"board_id": board_id, "media_source": source}
        extra = {"board_section_id": section_id, "title": title, "link": link,
                 "description": req.text, "alt_text": _alt_text(req)}
        body.update({k: v for k, v in extra.items() if v})
        pin = self._create_pin(body, board_id)
        pin_id = str(pin["id"])
        raw = {"pin_id": pin_id, "board_id": board_id, **facts}
        return PublishResult(pin_id, pin_url(pin_id), raw=raw)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The account's newest pins (GET /v5/pins) since ``since``, matched by the hash
        of the description (and the title). Pinterest's list may lag behind a pin just
        made, so not finding it is UNKNOWN, never NOT_FOUND."""
        title = str((req.options or {}).get("title") or "").strip()
        if not req.text.strip() and not title:
            return FindResult(Found.UNKNOWN, note=_(
                "Pinterest: a pin without a description or title cannot be recognised."))
        for pin in self._recent_pins(since):
            if content_hash(pin.get("description") or "") == req.content_hash() and (
                    not title or (pin.get("title") or "") == title):
                pin_id = str(pin["id"])
                return FindResult(Found.FOUND, PublishResult(pin_id, pin_url(pin_id),
                                                             raw={"pin_id": pin_id}))
        return FindResult(Found.UNKNOWN, note=_(
            "Pinterest does not list this pin (yet): its list of pins can lag behind. "
            "Look at the board before publishing again."))

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """DELETE /v5/pins/{id}; a pin already gone counts as deleted."""
        try:
            self.call("DELETE", f"/pins/{external_id}", scope="pins:write", idempotent=True)
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """GET /v5/pins/{id}/analytics over the last 90 days (the most the API gives):
        impressions as views, saves, pin and outbound clicks (their sum as clicks),
        video views for video pins, comments and reactions (as likes)."""
        pin = self.call("GET", f"/pins/{external_id}", scope="pins:read")
        video = (pin.get("media") or {}).get("media_type") == "video"
        today = datetime.now(UTC).date()
        wanted = _PIN_METRICS + (_VIDEO_METRICS if video else ())
        body = self.call("GET", f"/pins/{external_id}/analytics", scope="pins:read", params={
            "start_date": (today - timedelta(days=ANALYTICS_DAYS)).isoformat(),
            "end_date": today.isoformat(), "metric_types": ",".join(wanted)})
        found = _summary(body)
        metrics = {_OURS[k]: number(found[k]) for k in wanted if k in found}
        metrics["clicks"] = metrics.get("pin_clicks", 0) + metrics.get("outbound_clicks", 0)
        return metrics

    def fetch_account_metrics(self) -> dict[str, int]:
        """GET /v5/user_account (followers, following, pins, monthly views), and the
        last 30 days of GET /v5/user_account/analytics where Pinterest gives them
        (business accounts)."""
        account = self.call("GET", "/user_account", scope="user_accounts:read")
        metrics = {"followers": number(account.get("follower_count")),
                   "following": number(account.get("following_count")),
                   "posts": number(account.get("pin_count")),
                   "monthly_views": number(account.get("monthly_views"))}
        metrics.update(self._account_analytics())
        return metrics

    @classmethod
    def channel_notes(cls, settings: dict) -> list[str]:
        if not settings.get("board_id"):
            return [_("Pinterest: this account had no boards when it was connected; pins "
                      "go to its first board, or to the board a post names.")]
        return [_("Pinterest: pins go to the board “%(board)s” unless a post names another "
                  "in its Pinterest settings.") % {"board": settings.get("board_name", "")}]

    # -- calls -------------------------------------------------------------------

    def call(self, method: str, path: str, *, scope: str, params: dict | None = None,
             json: dict | None = None, create: bool = False,
             idempotent: bool | None = None) -> dict:
        """One API call with the channel's token; a refusal as the error to act on. A
        token refused (401) is renewed once, if the channel has a refresh token, and
        the call repeated: a refused call created nothing."""
        response = self._send(method, path, params=params, json=json, idempotent=idempotent)
        if response.status_code == 401 and self._can_renew():
            self._renew()
            response = self._send(method, path, params=params, json=json,
                                  idempotent=idempotent)
        body = json_body(response)
        if response.status_code >= 400:
            raise api_error(response, body, scope=scope, create=create,
                            account=self.who()["account"])
        return body

    def _send(self, method: str, path: str, **kwargs: Any):
        headers = {"Authorization": f"Bearer {self._creds.get('access_token', '')}"}
        return self.send(method, API + path, headers=headers, **kwargs)

    def _can_renew(self) -> bool:
        return bool(self._creds.get("refresh_token")) and not self._renewed

    def _renew(self) -> None:
        """Renewed once for all workers (``renew_in_call``): Pinterest hands out a new
        refresh token each time, so two workers must not both spend the old one."""
        self._renewed = True
        fresh = self.renew_in_call(self.refresh_credentials)
        self._creds.update(fresh.credentials)
        for key in ("access_token", "refresh_token"):
            self.http.add_secret(str(self._creds.get(key) or ""))

    def who(self) -> dict[str, str]:
        name = self.channel.name or self.channel.settings.get("username")
        return {"account": f"“{name}”" if name else _("the Pinterest account")}

    # -- steps -------------------------------------------------------------------

    def _target(self, options: dict) -> tuple[str, str]:
        """(board id, section id) for this post: the board it names, else the default
        board (a channel connected before it had boards: the first board it has now)."""
        wanted = str(options.get("board") or "").strip()
        section = str(options.get("section") or "").strip()
        settings = self.channel.settings
        if wanted:
            board = find_board(self, wanted)
        elif settings.get("board_id"):
            board = {"id": settings["board_id"], "name": settings.get("board_name", "")}
        else:
            boards = list_boards(self)
            if not boards:
                raise board_missing(self, "", boards)
            board = boards[0]
        return str(board["id"]), find_section(self, board, section) if section else ""

    def _create_pin(self, body: dict, board_id: str) -> dict:
        """POST /v5/pins. A 404 means the board is gone (deleted since it was chosen):
        the error then lists the boards there are."""
        try:
            return self.call("POST", "/pins", json=body, scope="pins:write", create=True)
        except PermanentError as exc:
            if exc.code != "not_found":
                raise
            raise board_missing(self, self._board_label(board_id), list_boards(self)) from exc

    def _board_label(self, board_id: str) -> str:
        settings = self.channel.settings
        if board_id == settings.get("board_id") and settings.get("board_name"):
            return settings["board_name"]
        return board_id

    def _recent_pins(self, since: datetime) -> list[dict]:
        pins: list[dict] = []
        params: dict = {"page_size": PINS_PAGE}
        for _page in range(PINS_PAGES):
            body = self.call("GET", "/pins", params=params, scope="pins:read")
            items = [p for p in body.get("items") or [] if isinstance(p, dict) and p.get("id")]
            pins += [p for p in items if pin_time(p.get("created_at")) >= since]
            if not body.get("bookmark") or any(pin_time(p.get("created_at")) < since
                                               for p in items):
                break
            params = {"page_size": PINS_PAGE, "bookmark": body["bookmark"]}
        return pins

    def _account_analytics(self) -> dict[str, int]:
        today = datetime.now(UTC).date()
        try:
            body = self.call("GET", "/user_account/analytics", scope="user_accounts:read",
                             params={"start_date": (today - timedelta(days=ACCOUNT_DAYS))
                                     .isoformat(), "end_date": today.isoformat()})
        except PermanentError as exc:
            if exc.channel_broken:
                raise
            return {}  # personal accounts: Pinterest keeps analytics for business ones
        except ConnectorError:
            return {}
        found = _summary(body)
        names = {"IMPRESSION": "impressions_30d", "SAVE": "saves_30d",
                 "PIN_CLICK": "pin_clicks_30d", "OUTBOUND_CLICK": "outbound_clicks_30d",
                 "ENGAGEMENT": "engagements_30d"}
        return {ours: number(found[k]) for k, ours in names.items() if k in found}

    def _refresh(self, refresh_token: str) -> dict:
        try:
            client = oauth.deployment_client(PINTEREST_OAUTH)
        except oauth.OAuthNotConfigured as exc:
            raise PermanentError(_(
                "Pinterest: this server has no Pinterest app (%(var)s is not set), so the "
                "sign-in cannot be renewed. The administrator must set it; then reconnect.")
                % {"var": str(exc)}, code="oauth_not_configured", channel_broken=True) from exc
        self.http.add_secret(client.client_secret)
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token,
                "continuous_refresh": "true"}
        try:  # sent once: a refresh token may be spent by a request whose answer was lost
            response = self.send("POST", PINTEREST_OAUTH.token_url, data=data,
                                 auth=(client.client_id, client.client_secret),
                                 idempotent=False)
        except AmbiguousError as exc:
            raise TransientError(_("Pinterest could not be reached. smmdesk will try "
                                   "again."), code="unreachable", raw=exc.raw) from exc
        body = json_body(response)
        if response.status_code >= 500:
            raise TransientError(_("Pinterest had a temporary problem renewing the sign-in; "
                                   "smmdesk will try again."), code="server_error", raw=body)
        if response.status_code != 200 or "access_token" not in body:
            raise PermanentError(_(
                "Reconnect the channel: Pinterest no longer renews the sign-in of "
                "%(account)s (%(reason)s).") % {**self.who(), "reason": body.get("message")
                                                or response.status_code},
                code="refresh_failed", raw=body, channel_broken=True)
        for name in ("access_token", "refresh_token"):
            self.http.add_secret(str(body.get(name) or ""))
        return body

    def _profile(self) -> str:
        name = self.channel.settings.get("username")
        return f"https://www.pinterest.com/{name}/" if name else ""


# ---------------------------------------------------------------- helpers


def _credentials(token: dict) -> dict:
    creds = {"access_token": token["access_token"]}
    for name in ("refresh_token", "refresh_token_expires_at", "scope"):
        if token.get(name):
            creds[name] = token[name]
    return creds


def _account_name(account: dict) -> str:
    return (account.get("business_name") or account.get("username")
            or str(account.get("id") or ""))


def _profile_url(account: dict) -> str:
    name = account.get("username")
    return f"https://www.pinterest.com/{name}/" if name else ""


def _alt_text(req: PublishRequest) -> str:
    """The pin's alt text: its image's or its video's (a carousel's cards carry theirs
    as descriptions)."""
    videos = [m for m in req.media if m.kind == MediaKind.VIDEO]
    if videos:
        return videos[0].alt_text
    return req.media[0].alt_text if len(req.media) == 1 else ""


def _summary(body: dict) -> dict:
    """``{"all": {"summary_metrics": {...}, "lifetime_metrics": {...}}}`` → one dict."""
    part = body.get("all") if isinstance(body.get("all"), dict) else next(
        (v for v in body.values() if isinstance(v, dict)), {})
    return {**(part.get("summary_metrics") or {}), **(part.get("lifetime_metrics") or {})}


def _media_issues(req: PublishRequest) -> list[Issue]:
    videos = [m for m in req.media if m.kind == MediaKind.VIDEO]
    images = [m for m in req.media if m.kind == MediaKind.IMAGE]
    issues = []
    if len(videos) > 1 or (videos and len(images) > 1):
        issues.append(Issue("video_pin", _(
            "Pinterest: a video pin holds one video (and at most one image, its cover)."),
            "media"))
    for m in images:
        if not m.url and m.mime not in IMAGE_TYPES:
            issues.append(Issue("media_kind", _(
                "Pinterest accepts JPEG and PNG images; %(name)s is %(mime)s. Save it as a "
                "JPEG or PNG.") % {"name": m.name or m.path.name, "mime": m.mime}, "media"))
        if len(m.alt_text) > ALT_TEXT_MAX:
            issues.append(Issue("alt_text_too_long", _(
                "Pinterest allows at most %(limit)d characters of alt text; %(name)s has "
                "%(length)d.") % {"limit": ALT_TEXT_MAX, "name": m.name or m.path.name,
                                  "length": len(m.alt_text)}, "media"))
    return issues


def _option_issues(options: dict) -> list[Issue]:
    issues = []
    title = str(options.get("title") or "").strip()
    link = str(options.get("link") or "").strip()
    if len(title) > TITLE_MAX:
        issues.append(Issue("title_too_long", _(
            "Pinterest allows at most %(limit)d characters in a pin title; this one has "
            "%(length)d.") % {"limit": TITLE_MAX, "length": len(title)}, "options"))
    if link and (len(link) > LINK_MAX or not link.startswith(("https://", "http://"))):
        issues.append(Issue("bad_link", _(
            "Pinterest: the destination link must be a web address starting with https:// "
            "(at most %(limit)d characters).") % {"limit": LINK_MAX}, "options"))
    cover = str(options.get("cover_time") or "").strip()
    if cover and not cover.isdigit():
        issues.append(Issue("bad_cover_time", _(
            "Pinterest: the video cover is a second of the video, a whole number such as 3."),
            "options"))
    return issues

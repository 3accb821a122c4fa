"""YouTube as a listening source: video search, the comments of one video, and a
competitor channel's uploads with their counts, through the YouTube Data API v3 with an
API key (no sign-in: everything read here is public).

- ``search``  ``search.list`` (type=video, order=date, ``publishedAfter``) for ``q``,
              then one ``videos.list`` for the views, likes and comments of the page.
              YouTube's index lags behind uploads, so each sweep starts
              ``SEARCH_LAG`` before the newest video the last one found and the listening
              app drops what it already has (by ``external_id``);
- ``feed``    ``{"video": id}``: the video's comment threads (``commentThreads.list``,
              order=time), top-level comments only, newest first;
- ``account`` ``channels.list`` (by @handle or channel id) for the subscriber and video
              counts and the uploads playlist, ``playlistItems.list`` for the videos and
              ``videos.list`` for their counts. The newest page is read on every fetch
              so counts stay current.

Quota: the key's Google Cloud project has 10,000 units a day; ``search.list`` costs 100,
every other call here 1. Hence ``every`` is two hours (a search source spends about
1,200 units a day), and a spent quota waits for midnight Pacific time, when Google resets
it (``connectors/youtube/common.seconds_to_pacific_midnight``).

The key goes as the ``key`` query parameter, as the reference shows; the HTTP client
masks it in every trace. Errors are read with the YouTube connector's ``reason_of``.

References (contract fixtures in ``tests/sources/fixtures/youtube/``):
https://developers.google.com/youtube/v3/docs/search/list ,
https://developers.google.com/youtube/v3/docs/videos/list ,
https://developers.google.com/youtube/v3/docs/commentThreads/list ,
https://developers.google.com/youtube/v3/docs/channels/list ,
https://developers.google.com/youtube/v3/docs/playlistItems/list ,
https://developers.google.com/youtube/v3/docs/errors .
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.youtube.common import (
    API,
    COMMENT_PAGE,
    PAGE,
    WATCH_URL,
    api_time,
    as_int,
    json_body,
    seconds_to_pacific_midnight,
)
from smmdesk.connectors.youtube.errors import _QUOTA, _SLOW_DOWN, reason_of
from smmdesk.lib.http import HttpClient, HttpFailure, retry_after_seconds
from smmdesk.sources.base import (
    ACCOUNT,
    FEED,
    SEARCH,
    Account,
    Batch,
    Field,
    Item,
    Source,
    SourceError,
    cursor_dump,
    cursor_load,
    epoch,
)

SEARCH_LAG = 6 * 3600  # seconds: a search sweep starts this long before the newest video
CHANNEL_URL = "https://www.youtube.com/channel/{id}"
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_HANDLE = re.compile(r"[\w.\-·]{3,30}")
_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "music.youtube.com")
_HASHTAG = re.compile(r"#(\w+)")
_TAGS = re.compile(r"<[^>]+>")
_KEY_REFUSED = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED",
                          "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED",
                          "API_KEY_IP_ADDRESS_BLOCKED", "API_KEY_ANDROID_APP_BLOCKED",
                          "API_KEY_IOS_APP_BLOCKED"})


class YoutubeSource(Source):
    kind = "youtube"
    title = gettext_lazy("YouTube")
    modes = frozenset({SEARCH, FEED, ACCOUNT})
    fields = (
        Field("q", gettext_lazy("Search words"), required=False,
              help=gettext_lazy("What YouTube's video search looks for, such as Zerno coffee.")),
        Field("video", gettext_lazy("Video"), required=False,
              help=gettext_lazy("A video's link, to follow its comments.")),
        Field("channel", gettext_lazy("Channel"), required=False,
              help=gettext_lazy("A competitor's channel: @handle, its link or its channel id.")),
    )
    needs_key = True
    key_help = gettext_lazy(
        "In the Google Cloud console (console.cloud.google.com) create a project, enable "
        "“YouTube Data API v3” in APIs & Services → Library, then create an API key in "
        "APIs & Services → Credentials and paste it here.")
    every = timedelta(hours=2)

    def validate(self, config: dict) -> dict:
        mode = _mode(config)
        if mode == SEARCH:
            q = " ".join(str(config.get("q") or "").split())
            if not q:
                raise SourceError(gettext_lazy("Enter the words YouTube should search for."))
            return {"mode": mode, "q": q[:500]}
        if mode == FEED:
            return {"mode": mode, "video": _video_id(str(config.get("video") or ""))}
        return {"mode": mode, **_channel(config)}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        if not secret:
            raise SourceError(_("YouTube needs an API key to read anything. Add one to "
                                "this source."), auth=True)
        config = self.validate(config)
        state = cursor_load(cursor)
        with HttpClient(secrets=[secret]) as http:
            api = _Api(http, secret)
            if config["mode"] == SEARCH:
                return _search(api, config["q"], state, since)
            if config["mode"] == FEED:
                return _comments(api, config["video"], state, since)
            return _uploads(api, config, state, since)


# ---------------------------------------------------------------- modes


def _search(api: _Api, q: str, state: dict, since: datetime | None) -> Batch:
    after = state.get("after")
    if after is None and since is not None:
        after = int(since.timestamp())
    params = {"part": "snippet", "type": "video", "q": q, "order": "date",
              "maxResults": PAGE, "pageToken": state.get("page")}
    if after is not None:
        params["publishedAfter"] = _rfc3339(after)
    body = api.get("search", params)
    found = [r for r in body.get("items") or [] if (r.get("id") or {}).get("videoId")]
    stats = api.statistics([r["id"]["videoId"] for r in found])
    items = [_search_item(r, stats.get(r["id"]["videoId"], {})) for r in found]
    top = max([state.get("top") or 0] + [epoch(i.published_at) for i in items]) or None
    page = body.get("nextPageToken")
    if page and items and after is not None:
        cursor = {"after": after, "page": page, "top": top}
        return Batch(items, cursor=cursor_dump(cursor), more=True)
    done = max(top - SEARCH_LAG, after or 0) if top else after
    return Batch(items, cursor=cursor_dump({"after": done}))


def _comments(api: _Api, video: str, state: dict, since: datetime | None) -> Batch:
    """Newest threads first; a sweep stops at the first one the last sweep saw (or, on
    the first sweep, at ``since``). Within a sweep the cursor carries that bound."""
    last = state.get("last")
    floor = last if last is not None else (int(since.timestamp()) if since else None)
    body = api.get("commentThreads", {"part": "snippet", "videoId": video, "order": "time",
                                      "maxResults": COMMENT_PAGE, "textFormat": "plainText",
                                      "pageToken": state.get("page")})
    threads = [_comment_item(t, video) for t in body.get("items") or [] if t.get("id")]
    threads = [t for t in threads if t is not None]
    new = [t for t in threads if floor is None or epoch(t.published_at) > floor]
    top = max([state.get("top") or last or 0] + [epoch(t.published_at) for t in threads]) or None
    page = body.get("nextPageToken")
    if page and len(new) == len(threads) and threads and floor is not None:
        return Batch(new, cursor=cursor_dump({"last": floor, "page": page, "top": top}), more=True)
    return Batch(new, cursor=cursor_dump({"last": top}))


def _uploads(api: _Api, config: dict, state: dict, since: datetime | None) -> Batch:
    """The channel's figures and its uploads playlist on a sweep's first page; the
    playlist id rides in the cursor for the pages after it."""
    account, playlist = None, state.get("playlist")
    first = not state.get("page") or not playlist
    if first:
        account, playlist = _channel_figures(api, config)
    last = state.get("last")
    floor = last if last is not None else (int(since.timestamp()) if since else None)
    body = api.get("playlistItems", {"part": "snippet,contentDetails", "playlistId": playlist,
                                     "maxResults": PAGE, "pageToken": state.get("page")})
    # a private or deleted video stays in the playlist as a row without a date
    rows = [r for r in body.get("items") or []
            if _upload_id(r) and (r.get("contentDetails") or {}).get("videoPublishedAt")]
    stats = api.statistics([_upload_id(r) for r in rows])
    videos = [_upload_item(r, stats.get(_upload_id(r), {}), account) for r in rows]
    older = {v.external_id for v in videos
             if floor is not None and epoch(v.published_at) <= floor}
    keep = videos if first else [v for v in videos if v.external_id not in older]
    top = max([state.get("top") or last or 0] + [epoch(v.published_at) for v in videos]) or None
    page = body.get("nextPageToken")
    if page and videos and not older and floor is not None:
        cursor = {"last": floor, "page": page, "top": top, "playlist": playlist}
        return Batch(keep, cursor=cursor_dump(cursor), more=True, account=account)
    return Batch(keep, cursor=cursor_dump({"last": top}), account=account)


def _channel_figures(api: _Api, config: dict) -> tuple[Account, str]:
    query = {"id": config["channel_id"]} if config.get("channel_id") else {
        "forHandle": config["handle"]}
    body = api.get("channels", {"part": "snippet,statistics,contentDetails", **query})
    channel = next(iter(body.get("items") or []), None)
    if not channel:
        raise SourceError(_("YouTube has no channel %(channel)s.")
                          % {"channel": config.get("handle") or config.get("channel_id")})
    snippet, stats = channel.get("snippet") or {}, channel.get("statistics") or {}
    handle = str(snippet.get("customUrl") or config.get("handle") or channel["id"])
    hidden = stats.get("hiddenSubscriberCount") is True
    account = Account(
        handle=handle, name=str(snippet.get("title") or ""),
        url=f"https://www.youtube.com/{handle}" if handle.startswith("@")
        else CHANNEL_URL.format(id=channel["id"]),
        followers=None if hidden else as_int(stats.get("subscriberCount")),
        posts=as_int(stats.get("videoCount")))
    playlist = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
        "uploads")
    if not playlist:
        raise SourceError(_("YouTube shows no uploads for %(channel)s.")
                          % {"channel": handle})
    return account, str(playlist)


# ---------------------------------------------------------------- items


def _search_item(result: dict, stats: dict) -> Item:
    snippet = result.get("snippet") or {}
    video = result["id"]["videoId"]
    title = html.unescape(str(snippet.get("title") or ""))  # search.list escapes HTML
    description = html.unescape(str(snippet.get("description") or ""))
    channel = str(snippet.get("channelId") or "")
    return _video_item(video, title, description, snippet.get("publishedAt"), stats,
                       author=html.unescape(str(snippet.get("channelTitle") or "")),
                       author_id=channel,
                       author_url=CHANNEL_URL.format(id=channel) if channel else "")


def _upload_item(row: dict, stats: dict, account: Account | None) -> Item:
    snippet, details = row.get("snippet") or {}, row.get("contentDetails") or {}
    published = details.get("videoPublishedAt")
    channel = str(snippet.get("videoOwnerChannelId") or snippet.get("channelId") or "")
    return _video_item(
        _upload_id(row), str(snippet.get("title") or ""), str(snippet.get("description") or ""),
        published, stats,
        author=str(snippet.get("videoOwnerChannelTitle") or snippet.get("channelTitle") or ""),
        author_id=account.handle if account else channel,
        author_url=account.url if account else CHANNEL_URL.format(id=channel),
        author_followers=account.followers if account else None)


def _video_item(video: str, title: str, description: str, published, stats: dict,
                **author) -> Item:
    text = "\n\n".join(p for p in (title, description) if p)
    return Item(external_id=video, url=WATCH_URL.format(id=video), text=text, title=title,
                published_at=api_time(published), kind="video", media="video",
                likes=as_int(stats.get("likeCount")), comments=as_int(stats.get("commentCount")),
                views=as_int(stats.get("viewCount")), network="youtube", reply_ref=video,
                hashtags=_hashtags(text), **author)


def _comment_item(thread: dict, video: str) -> Item | None:
    top = ((thread.get("snippet") or {}).get("topLevelComment") or {})
    snippet = top.get("snippet") or {}
    if not snippet:
        return None
    text = str(snippet.get("textOriginal") or html.unescape(str(snippet.get("textDisplay")
                                                                 or "")))
    channel = str((snippet.get("authorChannelId") or {}).get("value") or "")
    url = str(snippet.get("authorChannelUrl") or "")
    return Item(
        external_id=str(thread["id"]),
        url=f"{WATCH_URL.format(id=video)}&lc={top.get('id') or thread['id']}",
        text=text, published_at=api_time(snippet.get("publishedAt")),
        author=str(snippet.get("authorDisplayName") or ""), author_id=channel,
        author_url=url.replace("http://", "https://", 1), kind="comment", media="text",
        likes=as_int(snippet.get("likeCount")),
        comments=as_int((thread.get("snippet") or {}).get("totalReplyCount")),
        network="youtube", reply_ref=str(thread["id"]), hashtags=_hashtags(text))


def _upload_id(row: dict) -> str:
    details = row.get("contentDetails") or {}
    resource = (row.get("snippet") or {}).get("resourceId") or {}
    return str(details.get("videoId") or resource.get("videoId") or "")


def _hashtags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_HASHTAG.findall(text)))


# ---------------------------------------------------------------- config


def _mode(config: dict) -> str:
    mode = config.get("mode")
    if not mode:
        mode = FEED if config.get("video") else ACCOUNT if config.get("channel") else SEARCH
    if mode not in YoutubeSource.modes:
        raise SourceError(gettext_lazy("YouTube sources search videos, follow one video's "
                                       "comments or read a competitor's channel."))
    return str(mode)


def _video_id(raw: str) -> str:
    """An 11-character video id from an id or a link: watch?v=, youtu.be/, /shorts/,
    /live/, /embed/."""
    raw = raw.strip()
    if _VIDEO_ID.fullmatch(raw):
        return raw
    parts = _url(raw)
    if parts is None:
        raise SourceError(gettext_lazy("Enter a YouTube video's link, such as "
                                       "https://www.youtube.com/watch?v=…"))
    path = [p for p in parts.path.split("/") if p]
    candidates = parse_qs(parts.query).get("v", [])
    if parts.hostname == "youtu.be" and path:
        candidates.append(path[0])
    if len(path) >= 2 and path[0] in ("shorts", "live", "embed", "v"):
        candidates.append(path[1])
    for candidate in candidates:
        if _VIDEO_ID.fullmatch(candidate):
            return candidate
    raise SourceError(gettext_lazy("This link does not point to one YouTube video."))


def _channel(config: dict) -> dict:
    """{"handle": "@zerno"} or {"channel_id": "UC…"} from @zerno, zerno, a channel id,
    https://www.youtube.com/@zerno(/videos) or https://www.youtube.com/channel/UC…"""
    raw = str(config.get("channel") or config.get("handle") or config.get("channel_id")
              or "").strip()
    if not raw:
        raise SourceError(gettext_lazy("Enter the competitor's channel: its @handle or link."))
    if _CHANNEL_ID.fullmatch(raw):
        return {"channel_id": raw}
    if "/" in raw or raw.lower().startswith(_HOSTS):
        parts = _url(raw)
        path = [p for p in (parts.path if parts else "").split("/") if p]
        if parts is None or not path:
            raise SourceError(gettext_lazy("This is not a YouTube channel's address. Enter "
                                           "one such as https://www.youtube.com/@zerno."))
        if path[0] == "channel" and len(path) > 1 and _CHANNEL_ID.fullmatch(path[1]):
            return {"channel_id": path[1]}
        if not path[0].startswith("@"):
            raise SourceError(gettext_lazy("YouTube finds channels by @handle or channel id. "
                                           "Open the channel and copy the address that "
                                           "starts with youtube.com/@."))
        raw = path[0]
    handle = raw.removeprefix("@")
    if not _HANDLE.fullmatch(handle):
        raise SourceError(gettext_lazy("This does not look like a YouTube @handle."))
    return {"handle": f"@{handle.lower()}"}


def _url(raw: str):
    parts = urlsplit(raw if "//" in raw else f"https://{raw}")
    return parts if (parts.hostname or "").lower() in _HOSTS else None


# ---------------------------------------------------------------- calling YouTube


class _Api:
    def __init__(self, http: HttpClient, key: str):
        self.http = http
        self.key = key

    def get(self, resource: str, params: dict) -> dict:
        query = {k: v for k, v in params.items() if v is not None} | {"key": self.key}
        try:
            response = self.http.request("GET", f"{API}/{resource}", params=query)
        except HttpFailure as exc:
            raise SourceError(_("YouTube could not be reached. smmdesk will try again."),
                              transient=True) from exc
        if response.status_code >= 300:
            raise _error(response)
        return json_body(response)

    def statistics(self, ids: list[str]) -> dict[str, dict]:
        """Counts of up to 50 videos in one call (1 unit)."""
        if not ids:
            return {}
        body = self.get("videos", {"part": "statistics", "id": ",".join(ids)})
        return {str(v.get("id")): v.get("statistics") or {} for v in body.get("items") or []}


def _error(response: httpx.Response) -> SourceError:
    """A YouTube refusal (https://developers.google.com/youtube/v3/docs/errors)."""
    body = json_body(response)
    status = response.status_code
    reason, message = reason_of(body)
    details = {str(d.get("reason")) for d in (body.get("error") or {}).get("details") or []
               if isinstance(d, dict)}
    said = {"reason": _TAGS.sub("", message) or reason or f"HTTP {status}"}
    if details & _KEY_REFUSED or reason in _KEY_REFUSED or "API key not valid" in message:
        return SourceError(_("YouTube did not accept the API key (%(reason)s). Check the key "
                             "in the Google Cloud console and paste it again.") % said,
                           auth=True)
    if reason in _QUOTA:
        return SourceError(_("The YouTube API key has used up today's quota. smmdesk will "
                             "try again after midnight Pacific time, when it is reset."),
                           transient=True, retry_after=seconds_to_pacific_midnight())
    if reason in _SLOW_DOWN or status == 429:
        return SourceError(_("YouTube asks smmdesk to slow down (%(reason)s); it will try "
                             "again shortly.") % said, transient=True,
                           retry_after=retry_after_seconds(response) or 60.0)
    if reason == "accessNotConfigured" or "SERVICE_DISABLED" in details:
        return SourceError(_("YouTube Data API v3 is not enabled for this key's Google Cloud "
                             "project. Enable it in the Google Cloud console (APIs & "
                             "Services → Library)."), auth=True)
    if reason == "commentsDisabled":
        return SourceError(_("Comments are turned off for this YouTube video."))
    if status == 404 or reason.endswith("NotFound"):
        return SourceError(_("YouTube cannot find it: the video or channel was deleted or "
                             "made private (%(reason)s).") % said)
    if status >= 500:
        return SourceError(_("YouTube had a temporary problem (%(reason)s); smmdesk will try "
                             "again.") % said, transient=True)
    return SourceError(_("YouTube refused: %(reason)s") % said)


# ---------------------------------------------------------------- helpers


def _rfc3339(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")




"""News feeds (RSS 2.0, Atom, RSS 1.0/RDF) as a listening source.

feedparser reads every dialect and its many deviations; it is handed the bytes smmdesk
downloaded through ``HttpClient`` (wrapped in a stream, so it never takes them for an
address to open) and never fetches anything itself.

Polite polling: the cursor (a JSON object) keeps the feed's ``ETag`` and
``Last-Modified``, sent back as ``If-None-Match`` and ``If-Modified-Since``; a 304
brings an empty batch and keeps the cursor. Many feeds ignore those headers and send
the whole document each time, so the cursor also keeps short hashes of the ids of the
entries in the last document: only entries not in it come back. A first fetch with
``since`` leaves out entries dated before it.

An address that leads to a web page instead of a feed is a common mistake: when the
page names its feed (``<link rel="alternate" type="application/rss+xml" href=...>``)
the person is told that address, otherwise to add the page as a web page source.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin
from xml.sax import SAXParseException

import feedparser
import httpx
import lxml.html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smmdesk.lib.http import HttpClient
from smmdesk.lib.links import safe_http_url
from smmdesk.sources.base import FEED, Batch, Field, Item, Source, SourceError
from smmdesk.sources.webpage import (
    URL_LIMIT,
    address_normalise,
    bounded_id,
    final_url,
    html_tree,
    http_client,
    language_code,
    lazy_format,
    looks_like_html,
    page_get,
    short_hash,
)

SEEN_IDS = 1000  # entry-id hashes kept in the cursor
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_VERSIONS = {"rss": "RSS", "rss090": "RSS 0.90", "rss091n": "RSS 0.91", "rss091u": "RSS 0.91",
             "rss092": "RSS 0.92", "rss093": "RSS 0.93", "rss094": "RSS 0.94",
             "rss20": "RSS 2.0", "rss10": "RSS 1.0", "atom01": "Atom", "atom02": "Atom",
             "atom03": "Atom", "atom10": "Atom", "atom": "Atom", "cdf": "CDF"}
_MAILED = re.compile(r"[^\s@()]+@[^\s@()]+\s*\((?P<name>[^()]+)\)")  # desk@x.ua (Olena)
_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
           "section", "article", "figure", "figcaption", "table", "ul", "ol", "dd", "dt")


# --- text ------------------------------------------------------------------------------

def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: line breaks where blocks and <br> are, the
    whitespace inside each line collapsed, scripts and styles dropped."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return _tidy(value)
    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div")
    except Exception:  # lxml rejects some fragments (control characters, empty)
        return _tidy(value)
    for junk in root.xpath(".//script|.//style"):
        junk.drop_tree()
    for element in root.iter("br", *_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _detail_text(entry: dict, key: str) -> str:
    """A text construct as plain text: HTML only when the feed says it is HTML."""
    value = entry.get(key) or ""
    detail = entry.get(f"{key}_detail") or {}
    if detail.get("type") == "text/plain":
        return _tidy(value)
    return html_to_text(value)


# --- parsing ---------------------------------------------------------------------------

def parse_feed(body: bytes, *, url: str = "", content_type: str = "") -> feedparser.FeedParserDict:
    """feedparser over bytes only: a stream, so it never opens an address or a file."""
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(io.BytesIO(body), response_headers=headers or None)


def _when(entry: dict) -> datetime | None:
    """feedparser's parsed dates are UTC struct_times."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _author(entry: dict) -> tuple[str, str]:
    """(name, link). RSS puts an email there ("desk@x.ua (Olena)"): only the name is kept."""
    detail = entry.get("author_detail") or {}
    raw = (entry.get("author") or "").strip()
    mailed = _MAILED.fullmatch(raw)
    name = mailed.group("name").strip() if mailed else (detail.get("name") or raw).strip()
    if "@" in name and " " not in name:  # an address alone is no name
        name = ""
    return name[:200], safe_http_url(detail.get("href") or "")


def _media(entry: dict) -> str:
    types = [str(e.get("type", "")) for e in entry.get("enclosures") or []]
    types += [str(m.get("type", "") or m.get("medium", "")) for m in
              entry.get("media_content") or []]
    if any(t.startswith("video") for t in types):
        return "video"
    if any(t.startswith("image") for t in types) or entry.get("media_thumbnail"):
        return "image"
    return "text"


def entry_item(entry: dict, *, language: str = "") -> Item:
    """One feed entry as an item."""
    title = _detail_text(entry, "title")
    body = _detail_text(entry, "summary")
    if not body and entry.get("content"):
        body = html_to_text(entry["content"][0].get("value", ""))
    text = title if not body or body == title else (f"{title}\n\n{body}" if title else body)
    link = safe_http_url(entry.get("link") or "", max_length=URL_LIMIT)
    external = (entry.get("id") or "").strip() or link \
        or "sha256:" + short_hash(f"{title}\n{body}", 40)
    author, author_url = _author(entry)
    lang = language_code((entry.get("content") or [{}])[0].get("language")) or language
    return Item(external_id=bounded_id(external), url=link, text=text, published_at=_when(entry),
                title=title[:500], author=author, author_url=author_url, language=lang,
                kind="article", media=_media(entry))


def feed_items(parsed: feedparser.FeedParserDict) -> list[Item]:
    language = language_code(parsed.feed.get("language"))
    return [entry_item(e, language=language) for e in parsed.entries]


def feed_kind(parsed: feedparser.FeedParserDict) -> str:
    return _VERSIONS.get(parsed.get("version") or "", "RSS")


def unreadable(parsed: feedparser.FeedParserDict) -> SourceError | None:
    """Why a parsed document is no feed: broken XML with nothing in it, or not a feed."""
    if parsed.entries:
        return None
    if parsed.get("bozo"):
        reason = _bozo_reason(parsed.get("bozo_exception"))
        return SourceError(lazy_format(
            _("This feed is broken (%(reason)s) and smmdesk could not read any entries from "
              "it. Tell the site, or try again when they have fixed it."),
            reason=reason[:200] or _("not well-formed XML")))
    if not parsed.get("version"):
        return SourceError(_("This address does not lead to a news feed."))
    return None


def _bozo_reason(exc: object) -> str:
    """"line 12: mismatched tag" from the XML parser's complaint."""
    if isinstance(exc, SAXParseException):
        return f"line {exc.getLineNumber()}: {exc.getMessage()}"
    return str(exc or "")


def discovered_feed(response: httpx.Response) -> str:
    """The feed a web page names in its head (RSS autodiscovery), or ""."""
    url = final_url(response)
    tree = html_tree(response.content, url)
    if tree is None:
        return ""
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            found = safe_http_url(urljoin(url, href), max_length=URL_LIMIT)
            if found:
                return found
    return ""


def web_page_error(response: httpx.Response) -> SourceError:
    feed = discovered_feed(response)
    if feed:
        return SourceError(lazy_format(
            _("This is a web page; its feed is at %(feed)s: add that address."), feed=feed))
    return SourceError(_("This is a web page, not a news feed, and it names no feed. Add it "
                         "as a web page source instead."))


# --- cursor ----------------------------------------------------------------------------

def _state(cursor: str) -> dict:
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _conditional(state: dict) -> dict[str, str]:
    headers = {}
    if isinstance(state.get("etag"), str) and state["etag"]:
        headers["If-None-Match"] = state["etag"]
    if isinstance(state.get("modified"), str) and state["modified"]:
        headers["If-Modified-Since"] = state["modified"]
    return headers


# --- the source ------------------------------------------------------------------------

class RssSource(Source):
    kind = "rss"
    title = _("News feed (RSS or Atom)")
    modes = frozenset({FEED})
    fields = (Field("url", _("Feed address"),
                    help=_("The address of an RSS or Atom feed, e.g. "
                           "https://example.com/feed/")),)
    every = timedelta(minutes=15)

    def validate(self, config: dict) -> dict:
        return {"url": address_normalise((config or {}).get("url"))}

    def probe(self, config: dict, secret: str = "") -> str:
        url = self.validate(config)["url"]
        with http_client() as client:
            parsed, _response = self._document(client, url, {})
        name = html_to_text(parsed.feed.get("title") or "") or url
        return ngettext("%(kind)s, %(count)s item: %(name)s", "%(kind)s, %(count)s items: "
                        "%(name)s", len(parsed.entries)) % {
            "kind": feed_kind(parsed), "count": len(parsed.entries), "name": name}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        state = _state(cursor)
        with http_client() as client:
            parsed, response = self._document(client, config["url"], _conditional(state))
        if parsed is None:  # 304: nothing changed since the last fetch
            return Batch(items=[])
        items = list({i.external_id: i for i in feed_items(parsed)}.values())  # once each
        seen = set(state.get("seen") or ()) if isinstance(state.get("seen"), list) else set()
        first = not state
        new = [i for i in items if short_hash(i.external_id) not in seen
               and not (first and since and i.published_at and i.published_at < since)]
        hashes = list(dict.fromkeys(short_hash(i.external_id) for i in items))[:SEEN_IDS]
        return Batch(items=new, cursor=json.dumps({
            "etag": response.headers.get("etag", ""),
            "modified": response.headers.get("last-modified", ""), "seen": hashes}))

    def _document(self, client: HttpClient, url: str, headers: dict
                  ) -> tuple[feedparser.FeedParserDict | None, httpx.Response]:
        response = page_get(client, url, headers=headers)
        if response.status_code == 304:
            return None, response
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in _FEED_TYPES and looks_like_html(response):
            raise web_page_error(response)
        parsed = parse_feed(response.content, url=final_url(response),
                            content_type=response.headers.get("content-type", ""))
        error = unreadable(parsed)
        if error:
            raise error
        return parsed, response

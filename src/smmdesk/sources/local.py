"""Feeds from files on the server: the demo's simulated news, and listening offline.

A file in the ``feeds`` folder of smmdesk's data folder (``SMMDESK_DATA_DIR/feeds``) is
read like a feed: RSS, Atom or RDF XML (parsed as ``rss.py`` parses a downloaded feed),
or JSON lines, one object per line with the fields of an item::

    {"external_id": "n-1", "url": "https://news.example/1", "title": "...", "text": "...",
     "author": "...", "author_id": "@desk", "published_at": "2026-11-20T09:00:00+02:00",
     "language": "uk", "likes": 3, "comments": 1, "shares": 0, "views": 120,
     "media": "image"}

The config names the file relative to that folder (``{"path": "news.xml"}``); an
absolute path, ``..`` or a link that leads out of the folder is refused, when the
source is saved and again at every fetch (the link could be changed later).

The cursor keeps the newest ``published_at`` seen and the ids dated exactly then, so
entries appended to the file later come with the next fetch and earlier ones never
again; entries without a date are remembered by a short hash of their id. A line that
is not a JSON object (a line still being written, say) is skipped without being marked
as seen, so it is read once it is whole. No network is used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smmdesk.lib.links import safe_http_url
from smmdesk.sources.base import FEED, Batch, Field, Item, Source, SourceError
from smmdesk.sources.rss import feed_items, parse_feed, unreadable
from smmdesk.sources.webpage import URL_LIMIT, bounded_id, language_code, lazy_format, short_hash

log = logging.getLogger("smmdesk.sources")

MAX_FILE = 20 * 1024 * 1024
SEEN_UNDATED = 1000
_MEDIA = frozenset({"text", "image", "video", "link", "album"})
_KINDS = frozenset({"post", "comment", "article", "video", "reply"})
_COUNTS = ("likes", "comments", "shares", "views")

OUTSIDE = _("The feed file must be inside the feeds folder of smmdesk's data folder "
            "(SMMDESK_DATA_DIR/feeds). Give its name there, such as news.xml.")


def feeds_dir() -> Path:
    return Path(settings.DATA_DIR) / "feeds"


def _relative(value: object) -> str:
    """The name as given, if it can only mean a place under the folder."""
    raw = value.strip() if isinstance(value, str) else ""
    if not raw:
        raise SourceError(_("Enter the name of a file in the feeds folder, such as "
                            "news.xml."))
    if "\x00" in raw or PureWindowsPath(raw).is_absolute() or PureWindowsPath(raw).drive \
            or raw.startswith(("/", "\\", "~")):
        raise SourceError(OUTSIDE)
    parts = PurePosixPath(raw.replace("\\", "/")).parts
    if ".." in parts:
        raise SourceError(OUTSIDE)
    return "/".join(p for p in parts if p != ".")


def feed_path(value: object) -> tuple[str, Path]:
    """(the name relative to the folder, the file it resolves to), links followed; the
    file must be inside the folder and exist."""
    name = _relative(value)
    root = feeds_dir().resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise SourceError(OUTSIDE)
    if not path.is_file():
        raise SourceError(lazy_format(_("There is no file %(name)s in the feeds folder."),
                                      name=name))
    return name, path


# --- reading ---------------------------------------------------------------------------

def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)


def _str(data: dict, key: str, limit: int) -> str:
    value = data.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def json_item(data: dict, line: str) -> Item:
    url = safe_http_url(data.get("url"), max_length=URL_LIMIT)
    external = _str(data, "external_id", 1000) or url or "sha256:" + short_hash(line, 40)
    text, title = _str(data, "text", 100_000), _str(data, "title", 500)
    return Item(external_id=bounded_id(external), url=url, text=text or title,
                published_at=_when(data.get("published_at")), title=title,
                author=_str(data, "author", 200), author_id=_str(data, "author_id", 200),
                language=language_code(_str(data, "language", 35)),
                kind=data.get("kind") if data.get("kind") in _KINDS else "post",
                media=data.get("media") if data.get("media") in _MEDIA else "text",
                **{key: _count(data.get(key)) for key in _COUNTS})


def jsonl_items(text: str) -> list[Item]:
    items, bad = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if isinstance(data, dict):
            items.append(json_item(data, line))
        else:
            bad.append(number)
    if bad:
        log.warning("local feed: lines %s are not JSON objects", bad[:10])
    if bad and not items:
        raise SourceError(lazy_format(_("No line of this file is a JSON object (line "
                                        "%(line)s is not)."), line=bad[0]))
    return items


def file_items(body: bytes) -> list[Item]:
    """JSON lines when the file starts with "{", a feed otherwise."""
    text = body.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("{"):
        return jsonl_items(text)
    parsed = parse_feed(body)
    error = unreadable(parsed)
    if error:
        raise error
    return feed_items(parsed)


# --- cursor ----------------------------------------------------------------------------

def _state(cursor: str) -> dict:
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _is_new(item: Item, at: datetime | None, at_ids: set[str], undated: set[str]) -> bool:
    if item.published_at is None:
        return short_hash(item.external_id) not in undated
    if at is None or item.published_at > at:
        return True
    return item.published_at == at and item.external_id not in at_ids


def _next_cursor(items: list[Item], state: dict, at: datetime | None) -> str:
    dated = [i for i in items if i.published_at]
    newest = max([i.published_at for i in dated] + ([at] if at else []), default=None)
    ids = [i.external_id for i in dated if i.published_at == newest]
    if newest == at:
        ids = list(dict.fromkeys(list(state.get("ids") or []) + ids))
    undated = list(dict.fromkeys([short_hash(i.external_id) for i in items
                                  if i.published_at is None]
                                 + list(state.get("undated") or [])))[:SEEN_UNDATED]
    return json.dumps({"at": newest.isoformat() if newest else "", "ids": ids,
                       "undated": undated})


# --- the source ------------------------------------------------------------------------

class LocalFeedSource(Source):
    kind = "local"
    title = _("Feed file on this server")
    modes = frozenset({FEED})
    fields = (Field("path", _("File in the feeds folder"),
                    help=_("An RSS or Atom file, or JSON lines, in SMMDESK_DATA_DIR/feeds, "
                           "e.g. news.xml.")),)
    every = timedelta(minutes=1)  # a file costs nothing to read

    def validate(self, config: dict) -> dict:
        name, _path = feed_path((config or {}).get("path"))
        return {"path": name}

    def probe(self, config: dict, secret: str = "") -> str:
        name, path = feed_path((config or {}).get("path"))
        count = len(self._items(path))
        return ngettext("Feed file %(name)s, %(count)s item", "Feed file %(name)s, %(count)s "
                        "items", count) % {"name": name, "count": count}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        _name, path = feed_path(config.get("path"))
        items = list({i.external_id: i for i in self._items(path)}.values())  # once each
        state = _state(cursor)
        at = _when(state.get("at"))
        at_ids = {str(i) for i in state.get("ids") or []}
        undated = {str(h) for h in state.get("undated") or []}
        first = not state
        new = [i for i in items if _is_new(i, at, at_ids, undated)
               and not (first and since and i.published_at and i.published_at < since)]
        new.sort(key=lambda i: (i.published_at is None,
                                i.published_at or datetime.min.replace(tzinfo=UTC)))
        return Batch(items=new, cursor=_next_cursor(items, state, at))

    @staticmethod
    def _items(path: Path) -> list[Item]:
        try:
            if path.stat().st_size > MAX_FILE:
                raise SourceError(_("This feed file is too large (more than 20 MB)."))
            body = path.read_bytes()
        except OSError as exc:
            raise SourceError(_("smmdesk could not read this feed file.")) from exc
        return file_items(body)

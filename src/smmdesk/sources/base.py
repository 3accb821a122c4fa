"""What every listening source implements: fetch what is new since a cursor.

A *source* is a place outside the brand's own channels that smmdesk reads: a news feed,
a web page, a public Telegram channel, VK's public post search, a Mastodon hashtag, a
Bluesky search, YouTube search. One module per kind, listed in ``registry.SOURCES``,
like the connectors. A source has no models: listening (``smmdesk.listening``) and
competitors (``smmdesk.competitors``) keep the rows, the cursors and the schedule; a
source only turns (config, secret, cursor) into a ``Batch`` of ``Item``s.

Modes (``Source.modes``; a config names its own in ``config["mode"]``, and
``validate`` works it out and writes it there when it is missing):
- ``feed``    everything a followed place publishes (a feed, a channel, a hashtag);
- ``search``  what a network's own search finds for ``config["q"]``;
- ``account`` one public account's posts with their public counts and the account's
              follower count (``Batch.account``), for competitor benchmarking.

Rules every source follows:
- ``validate(config)`` is called before a source is saved: it returns the normalised
  config or raises ``SourceError`` with a message for the person (in English, marked for
  translation with ``gettext_lazy``); ``probe`` (reachable and parsable) runs after it
  and uses the network.
- ``fetch`` never sleeps for a limit: a 429 or the source's own quota raises
  ``SourceError(transient=True, retry_after=...)`` and the scheduler waits.
- Every request goes through ``lib.http.HttpClient`` (public https addresses only, the
  address guard, timeouts); tests replay fixtures from ``tests/sources/fixtures/<kind>/``.
- Items carry the source's own id (``external_id``), stable across fetches, so a second
  fetch of the same window stores nothing twice.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

FEED = "feed"
SEARCH = "search"
ACCOUNT = "account"


class SourceError(Exception):
    """A fetch or a validation failed. ``message`` is for the person; ``transient`` says
    whether trying later may help; ``retry_after`` (seconds) is the source's own hint;
    ``auth`` says the key or token is wrong or expired (the person must act)."""

    def __init__(self, message, *, transient: bool = False, retry_after: float | None = None,
                 auth: bool = False):
        super().__init__(str(message))
        self.message = message
        self.transient = transient
        self.retry_after = retry_after
        self.auth = auth


@dataclass(frozen=True)
class Item:
    external_id: str              # the source's own id, stable across fetches
    url: str                      # the original, http(s) only ("" when none)
    text: str                     # plain text (HTML removed), title included for articles
    published_at: datetime | None  # aware, UTC
    title: str = ""
    author: str = ""              # display name
    author_id: str = ""           # handle or id on that network ("@zerno", "id123")
    author_url: str = ""
    author_followers: int | None = None  # the author's reach, where the source tells it
    language: str = ""            # as the source declares it ("" when it does not)
    kind: str = "post"            # post, comment, article, video, reply
    media: str = "text"           # text, image, video, link, album (for format metrics)
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    network: str = ""             # a connector name when one of ours could reply
    reply_ref: str = ""           # what that connector needs to answer (post id, uri...)
    hashtags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    """An account's public figures at fetch time (``account`` mode)."""
    handle: str
    name: str = ""
    url: str = ""
    followers: int | None = None
    posts: int | None = None


@dataclass
class Batch:
    items: list[Item]
    cursor: str = ""              # where the next fetch starts ("" keeps the old one)
    more: bool = False            # another page is ready now
    account: Account | None = None


@dataclass(frozen=True)
class Field:
    """One setting a person fills in when adding a source."""
    name: str
    label: object                 # gettext_lazy text
    help: object = ""
    required: bool = True
    secret: bool = False


class Source(ABC):
    kind: ClassVar[str]           # registry key: "rss", "telegram", ...
    title: ClassVar[object]       # gettext_lazy name shown in the UI
    modes: ClassVar[frozenset[str]] = frozenset({FEED})
    fields: ClassVar[tuple[Field, ...]] = ()
    needs_key: ClassVar[bool] = False   # the UI says "needs an API key" and asks for it
    key_modes: ClassVar[frozenset[str]] = frozenset()  # or only these modes need the key
    key_help: ClassVar[object] = ""
    every: ClassVar[timedelta] = timedelta(minutes=15)   # the polite interval between fetches
    stream: ClassVar[bool] = False      # a firehose: fetch gets ``wanted`` and keeps only those

    @abstractmethod
    def validate(self, config: dict) -> dict:
        """Return the normalised config or raise SourceError for the person."""

    def probe(self, config: dict, secret: str = "") -> str:
        """Reach the source once: return a short description of what was found ("RSS,
        24 items: Kofe News") or raise SourceError. The default fetches one batch."""
        batch = self.fetch(config=config, secret=secret, cursor="", since=None)
        return f"{len(batch.items)}"

    @abstractmethod
    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        """What is new since ``cursor`` (or, on the first fetch, since ``since``)."""


# ---------------------------------------------------------------- cursors

def cursor_load(cursor: str) -> dict:
    """A cursor kept as a JSON object; anything else (empty, damaged, an old format)
    reads as a fresh start, never as an error."""
    try:
        state = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def cursor_dump(state: dict) -> str:
    """The cursor to store: compact, stable, without empty entries."""
    return json.dumps({k: v for k, v in state.items() if v is not None}, sort_keys=True,
                      separators=(",", ":"))


def epoch(when: datetime | None) -> int:
    return int(when.timestamp()) if when else 0

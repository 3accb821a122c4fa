"""Bluesky's Jetstream: every new post on the network, as JSON over a websocket, for
following a brand without a search index (https://github.com/bluesky-social/jetstream).

A fetch connects to ``wss://<host>/subscribe?wantedCollections=app.bsky.feed.post``,
reads events for at most ``config["seconds"]`` (20) or ``config["max_events"]`` (20,000),
keeps the new posts whose text ``wanted`` accepts (Jetstream filters by collection and
account, never by words: the keywords are ours) and returns them with the cursor: the
last event's ``time_us``. Jetstream replays from a cursor ("a unix microseconds
timestamp cursor to begin playback from"; it keeps about a day), so the next fetch
resumes where this one stopped and nothing between two fetches is lost; a fetch that
stopped at ``max_events`` says ``more``. A first fetch with ``since`` replays from then;
without either it starts at the live tail.

Only commit events that create a post count: updates and deletes, identity and account
events are skipped, and so is any frame that is not such JSON. A connection that is
refused, fails or closes before the first event is a transient SourceError; one that
closes later ends the fetch with what was read (the cursor resumes after it).

The address guard: Jetstream's address is the person's, so it passes the same check as
every http call (``lib/netguard``, wss read as https): the host's addresses are resolved
and checked once, and the socket is opened to one of exactly those addresses (no second
lookup, no DNS rebinding), then handed to the websocket client, which verifies TLS
against the host name. Plain ``ws://`` and private addresses only with
``SMMDESK_ALLOW_PRIVATE_NETWORK`` (a test server on loopback). Proxies from the
environment are not used, as for http.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from smmdesk.lib import netguard
from smmdesk.lib.http import USER_AGENT
from smmdesk.sources.base import FEED, Batch, Field, Item, Source, SourceError
from smmdesk.sources.bluesky import record_item

log = logging.getLogger("smmdesk.http")
DEFAULT_URL = "wss://jetstream2.us-east.bsky.network/subscribe"
COLLECTION = "app.bsky.feed.post"
SECONDS, SECONDS_MAX = 20, 120
EVENTS, EVENTS_MAX = 20_000, 200_000
OPEN_TIMEOUT = 10.0  # connecting and the websocket handshake, each
CLOSE_TIMEOUT = 2.0
FRAME_MAX = 2**21  # a post event is a few kB; Jetstream's own default limit is 1 MB
PROBE_SECONDS = 5


class JetstreamSource(Source):
    kind = "jetstream"
    title = gettext_lazy("Bluesky, every new post (Jetstream)")
    modes = frozenset({FEED})
    stream = True
    # Events wait on Jetstream for about a day; two minutes of posts fit one fetch.
    every = timedelta(minutes=2)
    fields = (
        Field("url", gettext_lazy("Jetstream address"),
              gettext_lazy("Leave empty for Bluesky's own (jetstream2.us-east.bsky.network)"),
              required=False),
        Field("seconds", gettext_lazy("Seconds to read per fetch"), required=False),
        Field("max_events", gettext_lazy("Events to read per fetch, at most"), required=False),
    )

    def validate(self, config: dict) -> dict:
        return _config(config, resolve=True)
    def probe(self, config: dict, secret: str = "") -> str:
        """Connect and read for a few seconds: what arrives shows that it works."""
        config = {**self.validate(config), "seconds": PROBE_SECONDS}
        batch = self.fetch(config=config, secret=secret, cursor="", since=None,
                           wanted=lambda _text: True)
        count = len(batch.items)
        return ngettext("Jetstream answers: %(count)d new post in the first seconds",
                        "Jetstream answers: %(count)d new posts in the first seconds",
                        count) % {"count": count}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        config = _config(config, resolve=False)  # the address is checked when connecting
        start = cursor if cursor.isdigit() else (
            str(int(since.timestamp() * 1_000_000)) if since else "")
        query = {"wantedCollections": COLLECTION, **({"cursor": start} if start else {})}
        url = f"{config['url']}?{urlencode(query)}"
        items: list[Item] = []
        last, read = int(start) if start else 0, 0
        deadline = time.monotonic() + config["seconds"]
        with _connected(url) as ws:
            while read < config["max_events"]:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    frame = ws.recv(timeout=left)
                except TimeoutError:
                    break
                except ConnectionClosed as exc:
                    if read:
                        break  # what was read stands; the next fetch resumes after it
                    raise _closed() from exc
                read += 1
                event = _event(frame)
                if event is None or event["time_us"] <= last:
                    continue  # not an event, or one the cursor already covers
                last = event["time_us"]
                item = _post(event)
                if item is not None and (wanted is None or wanted(item.text)):
                    items.append(item)
        return Batch(items=items, cursor=str(last) if last else cursor,
                     more=read >= config["max_events"])


# -- events ---------------------------------------------------------------------------


def _event(frame: Any) -> dict | None:
    """A frame as an event with an integer ``time_us``; None for anything else (a binary
    frame, broken JSON, an event without a time)."""
    if not isinstance(frame, str):
        return None
    try:
        event = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("time_us"), int) \
            or isinstance(event.get("time_us"), bool):
        return None
    return event


def _post(event: dict) -> Item | None:
    """A commit creating an app.bsky.feed.post record as an Item, else None."""
    commit = event.get("commit")
    if event.get("kind") != "commit" or not isinstance(commit, dict):
        return None
    if commit.get("operation") != "create" or commit.get("collection") != COLLECTION:
        return None
    did, rkey = str(event.get("did") or ""), str(commit.get("rkey") or "")
    if not did.startswith("did:") or not rkey or "/" in rkey:
        return None
    when = datetime.fromtimestamp(event["time_us"] / 1_000_000, UTC).isoformat()
    return record_item(uri=f"at://{did}/{COLLECTION}/{rkey}", cid=str(commit.get("cid") or ""),
                       record=commit.get("record"), indexed=when)


# -- the connection -------------------------------------------------------------------


@contextmanager
def _connected(url: str) -> Iterator[ClientConnection]:
    """A websocket to ``url`` over a socket opened to an address the guard checked."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "wss" else 80)
    try:
        addresses = netguard.checked_addresses(host, port)
    except netguard.BlockedAddress as exc:
        # Refused reads like unreachable (lib/netguard.py); the log says which.
        log.warning("refused to connect: %s", exc)
        raise _unreachable(host) from exc
    sock = _socket(addresses, port, host)
    try:
        ws = connect(url, sock=sock, server_hostname=host if parts.scheme == "wss" else None,
                     open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT,
                     max_size=FRAME_MAX, compression=None, user_agent_header=USER_AGENT,
                     proxy=None)
    except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
        sock.close()
        raise _unreachable(host) from exc
    try:
        yield ws
    finally:
        ws.close()


def _socket(addresses: list[str], port: int, host: str) -> socket.socket:
    failure: Exception | None = None
    for address in addresses:
        try:
            return socket.create_connection((address.split("%", 1)[0], port),
                                            timeout=OPEN_TIMEOUT)
        except OSError as exc:
            failure = exc
    raise _unreachable(host) from failure


def _unreachable(host: str) -> SourceError:
    return SourceError(_("Jetstream: could not connect to %(host)s. smmdesk will try again "
                         "later.") % {"host": host}, transient=True)


def _closed() -> SourceError:
    return SourceError(_("Jetstream closed the connection before sending anything. smmdesk "
                         "will try again later."), transient=True)


# -- config ---------------------------------------------------------------------------


def _config(config: dict, *, resolve: bool) -> dict:
    return {"mode": FEED, "url": _url(config.get("url"), resolve=resolve),
            "seconds": _number(config.get("seconds"), SECONDS, SECONDS_MAX),
            "max_events": _number(config.get("max_events"), EVENTS, EVENTS_MAX)}


def _url(value: Any, *, resolve: bool) -> str:
    """wss://host[:port]/path (no query: ours is added); ws:// only where the deployment
    allows plain connections to private test servers."""
    text = str(value or "").strip() or DEFAULT_URL
    parts = urlsplit(text)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:
        host, port = "", None
    plain = netguard.private_network_allowed() or netguard.plain_http_allowed()
    if not host or parts.scheme not in (("wss", "ws") if plain else ("wss",)):
        raise SourceError(_("Jetstream: “%(url)s” is not a Jetstream address. It starts with "
                            "wss://, e.g. %(default)s.") % {"url": text, "default": DEFAULT_URL})
    netloc = f"[{host}]" if ":" in host else host
    url = f"{parts.scheme}://{netloc}{f':{port}' if port else ''}{parts.path or '/subscribe'}"
    if not resolve:
        return url
    try:  # the same check as an http address (wss read as https)
        netguard.check_url(url.replace("wss://", "https://", 1).replace("ws://", "http://", 1))
    except netguard.BlockedAddress as exc:
        raise SourceError(_("Jetstream: could not connect to %(host)s. Check that it is a "
                            "public wss:// address.") % {"host": host}) from exc
    return url


def _number(value: Any, default: int, top: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= top:
        raise SourceError(_("Jetstream: the limits are whole numbers from 1 to %(top)d.")
                          % {"top": top})
    return number

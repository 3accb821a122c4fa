"""UTM tagging of the links in a post: source = network, medium, campaign.

A link is changed only by appending the utm_* parameters it lacks: its own query (order,
spelling, percent-encoding) and fragment stay byte for byte as the author wrote them."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, unquote_plus, urlsplit

# http(s) links up to whitespace or a character that cannot be in a written link.
_URL = re.compile(r"https?://[^\s<>\"«»“”„`]+", re.I)
# Punctuation that ends a sentence rather than the link; brackets are handled by balance.
_TRAILING = ".,;:!?'’\"»"
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _split_trailing(url: str) -> tuple[str, str]:
    """The link and the punctuation after it: "a_(b))." -> ("a_(b)", ")."). A closing
    bracket belongs to the link only while the link opened one (Wikipedia's "a_(b)")."""
    tail = ""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            tail = last + tail
            url = url[:-1]
        else:
            break
    return url, tail


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def _present_keys(query: str) -> set[str]:
    return {unquote_plus(pair.split("=", 1)[0]) for pair in query.split("&") if pair}


def tag_url(url: str, params: dict[str, str]) -> str:
    """``url`` with each of ``params`` that it lacks appended to its query; nothing else
    about the link changes. Empty values are not added."""
    base, hash_, fragment = url.partition("#")
    path, qmark, query = base.partition("?")
    present = _present_keys(query)
    extra = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items()
                     if v and k not in present)
    if not extra:
        return url
    joiner = "&" if query and not query.endswith("&") else ""
    return f"{path}?{query}{joiner}{extra}{hash_}{fragment}"


def links_replace(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with every http(s) link in it passed through ``replace``; the punctuation
    around a link ("(see https://x.example/a_(b)).") is left where it is."""

    def one(match: re.Match) -> str:
        url, tail = _split_trailing(match.group(0))
        if not _has_host(url):
            return match.group(0)
        return replace(url) + tail

    return _URL.sub(one, text)


def links_find(text: str) -> list[str]:
    """The http(s) links in ``text``, in order, as ``links_replace`` sees them."""
    found: list[str] = []
    links_replace(text, lambda url: found.append(url) or url)
    return found


def tag_links(text: str, *, source: str, medium: str, campaign: str) -> str:
    """Add utm_source/medium/campaign to every link that does not already carry them.
    Parameters a person wrote into a link are kept as they are."""
    params = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    return links_replace(text, lambda url: tag_url(url, params))

"""UTM tagging of the links in a post: source = network, medium, campaign."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# http(s) links up to whitespace; trailing punctuation is not part of the link.
_URL = re.compile(r"https?://[^\s<>\"«»]+", re.I)
_TRAILING = ".,;:!?)]}'’”»"


def _tag(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _v in query}
    query += [(k, v) for k, v in params.items() if v and k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def tag_links(text: str, *, source: str, medium: str, campaign: str) -> str:
    """Add utm_source/medium/campaign to every link that does not already carry them.
    Parameters a person wrote into a link are kept as they are."""
    params = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}

    def replace(match: re.Match) -> str:
        url = match.group(0)
        tail = ""
        while url and url[-1] in _TRAILING:
            tail = url[-1] + tail
            url = url[:-1]
        return _tag(url, params) + tail

    return _URL.sub(replace, text)

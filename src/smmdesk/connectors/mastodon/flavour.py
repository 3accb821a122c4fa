"""Servers that speak the Mastodon client API without being Mastodon.

GoToSocial, Akkoma, Pleroma and others answer the same paths but differ where it
matters to a publisher: which scopes they accept, whether ``Idempotency-Key`` is
honoured, how they count a post's length and whether the owner's own status list shows
followers-only and direct posts. The software and its version are read once, when the
channel is connected (NodeInfo: ``/.well-known/nodeinfo`` → the 2.x document, else the
``version`` of the instance API), and what follows from them is kept in the channel's
settings, so publishing never guesses and never asks again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx

from smmdesk.connectors.base import ConnectorError

if TYPE_CHECKING:
    from smmdesk.connectors.mastodon import MastodonConnector

NODEINFO_SCHEMA = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/2\.[01]$")
# What each software does, as its documentation and source say:
# - idempotency: honours Idempotency-Key on POST /api/v1/statuses (Mastodon: for an
#   hour; Pleroma and Akkoma: IdempotencyPlug, for hours). GoToSocial's API reference
#   for POST /api/v1/statuses has no such header, so a resend is a new status.
# - counting: "mastodon" = grapheme clusters, a link as characters_reserved_per_url and
#   @user@server as @user (StatusLengthValidator); "graphemes" = grapheme clusters of
#   the raw text, links in full (Pleroma/Akkoma: String.length/1); "codepoints" =
#   Unicode code points of the raw text, links in full (GoToSocial counts runes).
# - hides: visibilities the owner's GET /api/v1/accounts/:id/statuses may leave out.
# - coarse_before: versions older than this refuse granular scopes.
FLAVOURS: dict[str, dict] = {
    "mastodon": {"idempotency": True, "counting": "mastodon", "hides": []},
    "gotosocial": {"idempotency": False, "counting": "codepoints",
                   "hides": ["private", "direct"], "coarse_before": (0, 19)},
    "akkoma": {"idempotency": True, "counting": "graphemes", "hides": ["private", "direct"]},
    "pleroma": {"idempotency": True, "counting": "graphemes", "hides": ["private", "direct"]},
}
# Software we do not know: assume the least — keys ignored, the strictest count, and a
# listing that may hide what is not public.
UNKNOWN = {"idempotency": False, "counting": "codepoints", "hides": ["private", "direct"]}
_COMPATIBLE = re.compile(r"\(compatible; (\w+) ([\w.+-]+)\)", re.I)


def server_flavour(api: MastodonConnector, instance_version: str = "") -> dict:
    """The settings that describe how this server differs from Mastodon."""
    software, version = _nodeinfo(api) or _from_version(instance_version)
    rules = FLAVOURS.get(software, UNKNOWN)
    coarse = _version(version) < rules.get("coarse_before", (0,))
    return {"software": software or "unknown", "software_version": version,
            "idempotency_keys": rules["idempotency"], "counting": rules["counting"],
            "listing_hides": list(rules["hides"]), "coarse_scopes": coarse}


def _nodeinfo(api: MastodonConnector) -> tuple[str, str] | None:
    """/.well-known/nodeinfo names the document; only one on the same server is read."""
    try:
        index = api._json("GET", "/.well-known/nodeinfo")
        links = [link for link in (index.get("links") or []) if isinstance(link, dict)
                 and NODEINFO_SCHEMA.match(str(link.get("rel", "")))]
        href = httpx.URL(str(links[-1]["href"])) if links else None
        path = href.path if href and href.host == api._instance().split(":")[0] \
            else "/nodeinfo/2.0"
        info = api._json("GET", path)
        software = info.get("software") or {}
    except (ConnectorError, AttributeError, TypeError, ValueError, httpx.InvalidURL):
        return None
    name = str(software.get("name") or "").lower()
    return (name, str(software.get("version") or "")) if name else None


def _from_version(version: str) -> tuple[str, str]:
    """The instance API's ``version``: "4.3.2" (Mastodon), "2.7.2 (compatible; Akkoma
    3.13.2)" (Pleroma family), "0.17.3+git-…" (GoToSocial answers its own)."""
    match = _COMPATIBLE.search(version or "")
    if match:
        return match.group(1).lower(), match.group(2)
    if re.match(r"^0\.\d+", version or ""):
        return "gotosocial", version
    if re.match(r"^[1-9]\d*\.\d+", version or ""):
        return "mastodon", version
    return "", version or ""


def _version(text: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", (text or "").split("+")[0].split("-")[0])[:3]
    return tuple(int(n) for n in numbers) or (0,)


def honours_keys(settings: dict) -> bool:
    """Channels connected before flavours were read are Mastodon: keys honoured."""
    return bool(settings.get("idempotency_keys", True))


def listing_shows(settings: dict, visibility: str) -> bool:
    return visibility not in (settings.get("listing_hides") or [])


def counting(settings: dict) -> str:
    return str(settings.get("counting") or "mastodon")

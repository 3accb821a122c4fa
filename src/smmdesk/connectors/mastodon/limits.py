"""A server's limits and a post's options: read from GET /api/v2/instance when
connecting, kept in the channel's settings, and checked by ``validate``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import ConnectorError, Format, Issue, Limits, MediaKind, PublishRequest
from smmdesk.connectors.mastodon.common import (
    DEFAULT_DESCRIPTION_LIMIT,
    DEFAULT_MAX_CHARACTERS,
    DEFAULT_MAX_MEDIA,
    DEFAULT_URL_CHARACTERS,
    VISIBILITIES,
)
from smmdesk.connectors.mastodon.flavour import counting
from smmdesk.connectors.mastodon.text import status_length, thread_parts

if TYPE_CHECKING:
    from smmdesk.connectors.mastodon import MastodonConnector


def _server_limits(api: MastodonConnector) -> dict:
    """configuration.statuses / media_attachments of GET /api/v2/instance (4.0+).
    A server without it (older, or another implementation) keeps the defaults."""
    try:
        info = api._json("GET", "/api/v2/instance")
    except ConnectorError:
        return {"max_characters": DEFAULT_MAX_CHARACTERS,
                "max_media_attachments": DEFAULT_MAX_MEDIA, "limits_from_server": False}
    conf = info.get("configuration") or {}
    statuses, media = conf.get("statuses") or {}, conf.get("media_attachments") or {}
    found = {
        "max_characters": statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS,
        "max_media_attachments": statuses.get("max_media_attachments") or DEFAULT_MAX_MEDIA,
        "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
        "image_size_limit": media.get("image_size_limit"),
        "video_size_limit": media.get("video_size_limit"),
        "description_limit": media.get("description_limit"),
        "supported_mime_types": media.get("supported_mime_types"),
        "server_version": info.get("version"),
    }
    return {**{k: v for k, v in found.items() if v is not None}, "limits_from_server": True}


def _max_characters(settings: dict) -> int:
    return int(settings.get("max_characters") or DEFAULT_MAX_CHARACTERS)


def _url_chars(settings: dict) -> int:
    return int(settings.get("characters_reserved_per_url") or DEFAULT_URL_CHARACTERS)


def _limits(base: Limits, settings: dict) -> Limits:
    return replace(base, text_max=_max_characters(settings),
                   media_max=int(settings.get("max_media_attachments") or base.media_max),
                   image_max_bytes=settings.get("image_size_limit") or base.image_max_bytes,
                   video_max_bytes=settings.get("video_size_limit") or base.video_max_bytes)


def _length_issues(req: PublishRequest, settings: dict) -> list[Issue]:
    limit, url_chars, cw = _max_characters(settings), _url_chars(settings), _cw(req)
    rule = counting(settings)
    facts = {"limit": limit, "url": url_chars}
    if req.format == Format.THREAD:
        parts = thread_parts(req.text, limit, cw, url_chars, rule)
        for n, part in enumerate(parts, start=1):
            length = status_length(part, cw, url_chars, rule)
            if length > limit:
                return [Issue("thread_part_too_long", _(
                    "Mastodon allows at most %(limit)d characters per post here; part %(n)d "
                    "of the thread cannot be split at a space and has %(length)d. Shorten it "
                    "or the content warning.") % {**facts, "n": n, "length": length})]
        return []
    length = status_length(req.text, cw, url_chars, rule)
    if length <= limit:
        return []
    if rule != "mastodon":
        return [Issue("text_too_long", _(
            "This server allows at most %(limit)d characters, counting the content warning "
            "and every character of each link; this post has %(length)d.")
            % {**facts, "length": length})]
    return [Issue("text_too_long", _(
        "Mastodon allows at most %(limit)d characters here, counting the content warning "
        "and each link as %(url)d; this post has %(length)d.")
        % {**facts, "length": length})]


def _media_rules(req: PublishRequest, settings: dict) -> list[Issue]:
    issues = []
    if len(req.media) > 1 and any(m.kind == MediaKind.VIDEO for m in req.media):
        issues.append(Issue("video_alone", _(
            "Mastodon: a video must be the only file of a post; this one has %(count)d "
            "files. Post the video on its own.") % {"count": len(req.media)}, "media"))
    types = settings.get("supported_mime_types") or []
    alt_max = int(settings.get("description_limit") or DEFAULT_DESCRIPTION_LIMIT)
    for m in req.media:
        if types and m.mime not in types:
            issues.append(Issue("media_type", _("Mastodon: this server does not accept "
                                                "%(mime)s files (%(name)s).")
                                % {"mime": m.mime, "name": m.name}, "media"))
        if len(m.alt_text) > alt_max:
            issues.append(Issue("alt_text_too_long", _(
                "Mastodon: the alt text of %(name)s has %(length)d characters; this server "
                "allows %(limit)d.") % {"name": m.name, "length": len(m.alt_text),
                                        "limit": alt_max}, "media"))
    return issues


def _option_issues(req: PublishRequest) -> list[Issue]:
    visibility = req.options.get("visibility")
    if visibility and visibility not in VISIBILITIES:
        return [Issue("visibility", _("Mastodon: the visibility is one of public, unlisted "
                                      "or private, not “%(value)s”.") % {"value": visibility},
                      "options")]
    return []


def _cw(req: PublishRequest) -> str:
    return str(req.options.get("content_warning") or "").strip()


def _visibility(req: PublishRequest, settings: dict) -> str:
    """The post's choice, else the account's default read at connect (source.privacy):
    some servers (GoToSocial among them) do not apply the account's default when the
    field is left out, so it is always sent."""
    chosen = req.options.get("visibility")
    if chosen in VISIBILITIES:
        return str(chosen)
    default = settings.get("default_visibility")
    return str(default) if default in VISIBILITIES else ""


def _status_options(req: PublishRequest, settings: dict | None = None) -> dict:
    opts = {}
    visibility = _visibility(req, settings or {})
    if visibility:
        opts["visibility"] = visibility
    if _cw(req):
        opts["spoiler_text"] = _cw(req)
    return opts

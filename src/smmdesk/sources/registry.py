"""Every listening source by kind, the way ``connectors/registry.py`` lists networks."""

from __future__ import annotations

from django.utils.module_loading import import_string

from smmdesk.sources.base import Source

_PATHS = {
    "rss": "smmdesk.sources.rss.RssSource",
    "webpage": "smmdesk.sources.webpage.WebPageSource",
    "telegram": "smmdesk.sources.telegram.TelegramSource",
    "vk": "smmdesk.sources.vk.VkSource",
    "mastodon": "smmdesk.sources.mastodon.MastodonSource",
    "bluesky": "smmdesk.sources.bluesky.BlueskySource",
    "jetstream": "smmdesk.sources.jetstream.JetstreamSource",
    "youtube": "smmdesk.sources.youtube.YoutubeSource",
    "instagram": "smmdesk.sources.instagram.InstagramSource",
    "local": "smmdesk.sources.local.LocalFeedSource",
    "sandbox": "smmdesk.sources.sandbox.SandboxSource",
}

_cache: dict[str, Source] = {}


def kinds() -> list[str]:
    return list(_PATHS)


def get(kind: str) -> Source:
    if kind not in _PATHS:
        raise KeyError(kind)
    if kind not in _cache:
        _cache[kind] = import_string(_PATHS[kind])()
    return _cache[kind]


def all_sources() -> list[Source]:
    return [get(k) for k in _PATHS]

"""Network kind -> connector class, by dotted path.

A new network is one module in this package, its fixtures, and one line here.
``Channel.kind`` takes its choices from this table, so the import stays lazy.
"""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from smmdesk.connectors.base import Connector

# Labels are lazy: each page shows them in its reader's language.
CONNECTORS: dict[str, tuple[str, str]] = {
    "sandbox": ("smmdesk.connectors.sandbox.SandboxConnector", _("Sandbox (simulated network)")),
    "telegram": ("smmdesk.connectors.telegram.TelegramConnector", "Telegram"),
    "webhook": ("smmdesk.connectors.webhook.WebhookConnector", _("Webhook (your own endpoint)")),
    "vk": ("smmdesk.connectors.vk.VKConnector", _("VK (VKontakte)")),
    "mastodon": ("smmdesk.connectors.mastodon.MastodonConnector", "Mastodon"),
    "bluesky": ("smmdesk.connectors.bluesky.BlueskyConnector", "Bluesky"),
    "facebook": ("smmdesk.connectors.facebook.FacebookConnector", _("Facebook Pages")),
    "instagram": ("smmdesk.connectors.instagram.InstagramConnector",
                  _("Instagram (professional accounts)")),
    "youtube": ("smmdesk.connectors.youtube.YouTubeConnector", "YouTube"),
    "x": ("smmdesk.connectors.x.XConnector", "X (Twitter)"),
    "tiktok": ("smmdesk.connectors.tiktok.TikTokConnector", "TikTok"),
    "linkedin": ("smmdesk.connectors.linkedin.LinkedInConnector", "LinkedIn"),
    "pinterest": ("smmdesk.connectors.pinterest.PinterestConnector", "Pinterest"),
    "threads": ("smmdesk.connectors.threads.ThreadsConnector", "Threads"),
    "odnoklassniki": ("smmdesk.connectors.odnoklassniki.OdnoklassnikiConnector",
                      _("Odnoklassniki (OK.ru)")),
}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, label) for kind, (_path, label) in CONNECTORS.items()]


def kind_label(kind: str) -> str:
    return CONNECTORS[kind][1] if kind in CONNECTORS else kind


@cache
def connector_class(kind: str) -> type[Connector]:
    try:
        path, _label = CONNECTORS[kind]
    except KeyError:
        raise LookupError(f"unknown network kind: {kind!r}") from None
    return import_string(path)


def all_connector_classes() -> list[type[Connector]]:
    return [connector_class(kind) for kind in CONNECTORS]

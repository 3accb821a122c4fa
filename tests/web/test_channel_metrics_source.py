"""The channels page says where each channel's metrics come from (issue 11: a Telegram
bot cannot read views; a public channel's come from its public web preview)."""

from __future__ import annotations

import pytest
from django.test import Client

from smmdesk.channels.models import Channel
from smmdesk.channels.services import channel_connect

pytestmark = pytest.mark.django_db


def row(page: str, channel) -> str:
    return page.split(f'id="channel-{channel.pk}"')[1].split("</tr>")[0]


def telegram(workspace, name: str, username: str) -> Channel:
    return Channel.objects.create(
        workspace=workspace, kind="telegram", name=name, external_id=f"-100{len(name)}",
        settings={"chat_id": int(f"-100{len(name)}"), "username": username})


def channels_page(user, workspace) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/w/{workspace.slug}/channels/").content.decode()


def test_a_public_telegram_channel_reads_views_from_the_web_preview(owner, workspace):
    public = telegram(workspace, "Zerno Coffee", "zerno_coffee")
    shown = row(channels_page(owner, workspace), public)
    assert 'data-source="web_preview"' in shown
    assert "Views: from the public web preview (t.me/s/zerno_coffee)" in shown


def test_a_private_telegram_channel_says_views_are_not_available(owner, workspace):
    private = telegram(workspace, "Zerno Team", "")
    shown = row(channels_page(owner, workspace), private)
    assert 'data-source="unavailable"' in shown
    assert "Views: not available — the channel is private, and a bot cannot read views" in shown
    assert "not supported yet" in shown


def test_other_networks_say_theirs(owner, workspace):
    sandbox = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv", "audience": "uk"})
    assert "Metrics: read from the Sandbox API." in row(channels_page(owner, workspace), sandbox)

"""The channels page: the list, enabling and disabling, and connecting a network."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.channels.models import Channel, ChannelStatus
from smmdesk.channels.services import channel_connect, channel_mark_broken
from smmdesk.lib import http as http_lib
from smmdesk.lib.crypto import decrypt_json

pytestmark = pytest.mark.django_db

TOKEN = "7234567890:AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(workspace, tail: str = "") -> str:
    return f"/w/{workspace.slug}/channels/{tail}"


@pytest.fixture
def sandbox(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Zerno · Kyiv", "audience": "uk"})


# ---------------------------------------------------------------- the list


def test_it_lists_the_channels_with_the_simulated_badge(owner, workspace, sandbox):
    page = login(owner).get(url(workspace)).content.decode()
    assert "Zerno · Kyiv" in page and "Sandbox (simulated network)" in page
    row = page.split(f'id="channel-{sandbox.pk}"')[1].split("</tr>")[0]
    assert '<span class="badge sim"' in row and "Simulated" in row
    assert 'class="badge ch-active"' in row


def test_it_shows_why_a_channel_needs_reconnecting(owner, workspace, sandbox):
    channel_mark_broken(channel=sandbox, message="Sandbox: this simulated account no longer "
                                                 "exists. Connect a new sandbox channel.")
    page = login(owner).get(url(workspace)).content.decode()
    assert "Needs reconnecting" in page and "no longer exists" in page


def test_an_analyst_sees_the_channels_but_no_forms(analyst, workspace, sandbox):
    page = login(analyst).get(url(workspace)).content.decode()
    assert "Zerno · Kyiv" in page
    assert url(workspace, "connect/") not in page and "/status/" not in page


def test_a_client_may_not_see_the_channels(client_user, workspace, sandbox):
    assert login(client_user).get(url(workspace)).status_code == 403


def test_it_is_not_found_for_an_outsider(outsider, workspace, sandbox):
    assert login(outsider).get(url(workspace)).status_code == 404
    assert login(outsider).post(url(workspace, f"{sandbox.pk}/status/"),
                                {"status": "disabled"}).status_code == 404


# ---------------------------------------------------------------- token expiry


def test_it_warns_about_a_token_that_expires_within_a_week(owner, workspace, sandbox):
    Channel.objects.filter(pk=sandbox.pk).update(
        token_expires_at=timezone.now() + timedelta(days=3, minutes=30))
    page = login(owner).get(url(workspace)).content.decode()
    assert "Access expires in 3" in page and "Reconnect the channel below" in page


def test_it_warns_about_an_expired_token(owner, workspace, sandbox):
    Channel.objects.filter(pk=sandbox.pk).update(
        token_expires_at=timezone.now() - timedelta(hours=1))
    page = login(owner).get(url(workspace)).content.decode()
    assert "Access has expired" in page and "Reconnect the channel below" in page


def test_it_does_not_warn_about_a_distant_expiry(owner, workspace, sandbox):
    Channel.objects.filter(pk=sandbox.pk).update(
        token_expires_at=timezone.now() + timedelta(days=40))
    page = login(owner).get(url(workspace)).content.decode()
    assert "Access expires in" not in page and "Access has expired" not in page


# ---------------------------------------------------------------- enable, disable


def test_it_disables_and_enables_a_channel(owner, workspace, sandbox):
    client = login(owner)
    r = client.post(url(workspace, f"{sandbox.pk}/status/"), {"status": "disabled"},
                    follow=True)
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.DISABLED
    assert "Zerno · Kyiv is disabled." in r.content.decode()
    assert 'value="active"' in r.content.decode()  # now offered: Enable
    client.post(url(workspace, f"{sandbox.pk}/status/"), {"status": "active"})
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.ACTIVE


def test_a_broken_channel_is_reconnected_not_enabled(owner, workspace, sandbox):
    channel_mark_broken(channel=sandbox, message="The bot was removed.")
    r = login(owner).post(url(workspace, f"{sandbox.pk}/status/"), {"status": "active"},
                          follow=True)
    assert "needs reconnecting: The bot was removed." in r.content.decode()
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.NEEDS_RECONNECT


def test_an_editor_cannot_disable_a_channel(editor, workspace, sandbox):
    r = login(editor).post(url(workspace, f"{sandbox.pk}/status/"), {"status": "disabled"})
    assert r.status_code == 403
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.ACTIVE


def test_another_workspaces_channel_is_not_found(owner, workspace, outsider):
    other = outsider.memberships.get().workspace
    theirs = channel_connect(workspace=other, kind="sandbox", actor=outsider,
                             data={"name": "Mallory", "audience": "en"})
    r = login(owner).post(url(workspace, f"{theirs.pk}/status/"), {"status": "disabled"})
    assert r.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ChannelStatus.ACTIVE


# ---------------------------------------------------------------- connect


def test_it_builds_one_form_per_network_from_its_fields(owner, workspace):
    page = login(owner).get(url(workspace)).content.decode()
    for kind in ("sandbox", "telegram", "webhook"):
        assert f'action="{url(workspace, f"connect/{kind}/")}"' in page
    assert 'name="bot_token" type="password"' in page
    assert 'name="url" type="url"' in page and 'name="audience" type="text"' in page
    assert "@BotFather" in page and "A simulated network for trying smmdesk out" in page


def test_it_connects_a_sandbox_channel(owner, workspace):
    r = login(owner).post(url(workspace, "connect/sandbox/"),
                          {"name": "Zerno Lviv", "audience": "uk"}, follow=True)
    channel = Channel.objects.get(workspace=workspace)
    assert (channel.kind, channel.name, channel.connected_by) == ("sandbox", "Zerno Lviv", owner)
    assert r.redirect_chain[-1][0] == url(workspace)
    assert "Zerno Lviv is connected." in r.content.decode()


def test_a_sandbox_error_is_shown_next_to_its_form(owner, workspace):
    r = login(owner).post(url(workspace, "connect/sandbox/"),
                          {"name": "Zerno Lviv", "audience": "klingon"})
    page = r.content.decode()
    assert r.status_code == 200
    form = page.split('id="connect-sandbox"')[1].split("</form>")[0]
    assert "the audience language is one of ru, uk, be, en or mixed" in form
    assert 'value="Zerno Lviv"' in form and 'value="klingon"' in form
    assert not Channel.objects.exists()


def test_it_connects_a_telegram_channel(owner, workspace, contract):
    contract("telegram", "getMe.ok", "getChat.ok", "getChatMember.admin",
             values={"token": TOKEN})
    r = login(owner).post(url(workspace, "connect/telegram/"),
                          {"bot_token": TOKEN, "chat": "@zerno_coffee"}, follow=True)
    channel = Channel.objects.get(workspace=workspace)
    assert (channel.kind, channel.name, channel.external_id) == (
        "telegram", "Zerno Coffee", "-1001234567890")
    assert decrypt_json(channel.credentials_encrypted) == {"bot_token": TOKEN}
    page = r.content.decode()
    assert "Zerno Coffee is connected." in page and TOKEN not in page


def test_telegram_says_the_bot_is_not_an_admin_and_stores_nothing(owner, workspace, contract):
    contract("telegram", "getMe.ok", "getChat.ok", "getChatMember.left",
             values={"token": TOKEN})
    r = login(owner).post(url(workspace, "connect/telegram/"),
                          {"bot_token": TOKEN, "chat": "@zerno_coffee"})
    page = r.content.decode()
    form = page.split('id="connect-telegram"')[1].split("</form>")[0]
    assert ("the bot @zerno_bot is not an admin of @zerno_coffee — add it as an admin with "
            "the right to post messages") in form
    assert 'value="@zerno_coffee"' in form
    assert TOKEN not in page  # a secret is never sent back
    assert not Channel.objects.exists()


def test_a_network_that_does_not_answer_stores_nothing(owner, workspace, contract,
                                                      monkeypatch):
    monkeypatch.setattr(http_lib.time, "sleep", lambda _s: None)
    contract("telegram", "getMe.ok", *["getChat.bad_gateway"] * 3, values={"token": TOKEN})
    r = login(owner).post(url(workspace, "connect/telegram/"),
                          {"bot_token": TOKEN, "chat": "@zerno_coffee"})
    form = r.content.decode().split('id="connect-telegram"')[1].split("</form>")[0]
    assert r.status_code == 200 and "Telegram did not answer. Nothing was saved" in form
    assert not Channel.objects.exists()


def test_an_editor_cannot_connect_a_channel(editor, workspace):
    client = login(editor)
    assert "connect/sandbox/" not in client.get(url(workspace)).content.decode()
    r = client.post(url(workspace, "connect/sandbox/"), {"name": "Mine", "audience": "en"})
    assert r.status_code == 403
    assert not Channel.objects.exists()


def test_an_unknown_network_is_not_found(owner, workspace):
    assert login(owner).post(url(workspace, "connect/myspace/"), {}).status_code == 404

"""Settings a network lets a person change after connecting (``settings_fields``): the X
API tier, which decides what smmdesk may read. One service, called by the channels page
and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from smmdesk.channels.models import Channel
from smmdesk.channels.services import channel_settings_set, channel_store
from smmdesk.connectors.base import ConnectResult
from smmdesk.connectors.x import XConnector
from smmdesk.lib.errors import InvalidInput
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_channel(workspace, owner):
    return channel_store(workspace=workspace, kind="x", actor=owner, result=ConnectResult(
        external_id="1601234567890123456", name="Zerno on X",
        credentials={"access_token": "a", "refresh_token": "r"},
        settings={"username": "zerno_coffee", "tier": "free"}))


def test_the_tier_changes_what_the_channels_page_says(x_channel):
    free = XConnector.channel_notes(x_channel.settings)
    channel_settings_set(channel=x_channel, values={"tier": "basic"})
    x_channel.refresh_from_db()
    assert x_channel.settings == {"username": "zerno_coffee", "tier": "basic"}
    assert XConnector.channel_notes(x_channel.settings) != free


@pytest.mark.parametrize(("values", "code"), [({"tier": "platinum"}, "invalid_setting"),
                                              ({"username": "someone"}, "unknown_setting")])
def test_only_the_declared_choices_are_taken(x_channel, values, code):
    with pytest.raises(InvalidInput) as exc:
        channel_settings_set(channel=x_channel, values=values)
    assert exc.value.code == code
    x_channel.refresh_from_db()
    assert x_channel.settings["tier"] == "free"


def test_the_channels_page_offers_and_saves_the_tier(x_channel, owner, workspace):
    web = Client()
    web.force_login(owner)
    page = web.get(f"/w/{workspace.slug}/channels/").content.decode()
    assert f'action="/w/{workspace.slug}/channels/{x_channel.pk}/settings/"' in page
    r = web.post(f"/w/{workspace.slug}/channels/{x_channel.pk}/settings/", {"tier": "pro"})
    assert r.status_code == 302
    assert Channel.objects.get(pk=x_channel.pk).settings["tier"] == "pro"


def test_the_api_reads_and_changes_the_tier(x_channel, owner, workspace):
    api = ApiClient(owner)
    path = f"/workspaces/{workspace.pk}/channels/{x_channel.pk}"
    assert api.get(path).json()["settings"] == {"tier": "free"}
    r = api.patch(path, {"settings": {"tier": "basic"}})
    assert r.status_code == 200 and r.json()["settings"] == {"tier": "basic"}
    assert api.patch(path, {"settings": {"tier": "gold"}}).status_code == 400

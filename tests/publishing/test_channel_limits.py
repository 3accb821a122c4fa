"""A server's own limits (Mastodon's max_characters) reach every check: the composer's,
scheduling's and the engine's."""

from __future__ import annotations

import pytest

from smmdesk.channels.services import channel_store
from smmdesk.connectors.base import ConnectResult
from smmdesk.content.services import post_create
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.services import publication_schedule

pytestmark = pytest.mark.django_db


def mastodon(workspace, owner, max_characters):
    return channel_store(workspace=workspace, kind="mastodon", actor=owner, result=ConnectResult(
        external_id=f"1@s{max_characters}.example", name="Toots",
        credentials={"access_token": "t"},
        settings={"instance": f"s{max_characters}.example", "account_id": "1",
                  "max_characters": max_characters}))


def test_a_long_post_fits_a_server_that_allows_it(workspace, owner):
    big, small = mastodon(workspace, owner, 5000), mastodon(workspace, owner, 500)
    post = post_create(workspace=workspace, actor=owner, body="a" * 600)
    assert publication_schedule(post=post, channel=big, at=None, actor=owner).status \
        == "scheduled"
    with pytest.raises(InvalidInput) as exc:
        publication_schedule(post=post, channel=small, at=None, actor=owner)
    assert "500" in exc.value.message

from __future__ import annotations

import pytest

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from tests.fakes import scripted  # noqa: F401  (fixture)


@pytest.fixture
def channel(workspace, owner, scripted):  # noqa: F811
    return channel_connect(workspace=workspace, kind="scripted", data={"name": "Fake"},
                           actor=owner)


@pytest.fixture
def make_post(workspace, owner):
    def make(body="Hello from smmdesk", **kw):
        return post_create(workspace=workspace, actor=owner, body=body, **kw)
    return make

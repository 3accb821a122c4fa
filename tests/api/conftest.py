from __future__ import annotations

import json

import pytest
from django.test import Client

from smmdesk.accounts.services import api_token_create
from smmdesk.channels.services import channel_connect


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, plain = api_token_create(user=user, name="tests")
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {plain}"

    def call(self, method: str, path: str, body=None, **extra):
        kwargs = dict(self.headers, **extra)
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if body is not None:
            kwargs.update(data=body, content_type=kwargs.pop("content_type", "application/json"))
        return getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api(owner):
    return ApiClient(owner)


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def sandbox(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Zerno · Kyiv", "audience": "uk"})


@pytest.fixture
def make_post_api(api, workspace):
    def make(body="Hello"):
        r = api.post(f"/workspaces/{workspace.pk}/posts", {"body": body})
        assert r.status_code == 201, r.content
        return r.json()["id"]
    return make

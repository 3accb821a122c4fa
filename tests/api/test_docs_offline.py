"""The API docs work with no Internet: /api/docs leads to the Swagger UI page, and every
script, style sheet, icon and the OpenAPI schema it refers to is served by smmdesk."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, //cdn...


class Refs(HTMLParser):
    """Every src= and href= of the page."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def docs_page():
    r = Client().get("/api/docs", follow=True)
    assert r.status_code == 200 and r.redirect_chain == [("/api/v1/docs", 302)]
    html = r.content.decode()
    parser = Refs()
    parser.feed(html)
    settings = json.loads(re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html,
        re.S).group(1))
    return html, parser.refs, settings


def test_api_docs_refer_to_nothing_outside_smmdesk():
    html, refs, settings = docs_page()
    assert "cdn" not in html.lower() and "unpkg" not in html and "jsdelivr" not in html
    assert [r for r in refs if EXTERNAL.match(r)] == []
    assert settings["validatorUrl"] is None  # no badge fetched from validator.swagger.io
    for expected in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css",
                     "favicon"):
        assert any(expected in r for r in refs), expected


def test_every_asset_of_the_api_docs_is_served_by_smmdesk():
    _html, refs, settings = docs_page()
    client = Client()
    for ref in [*refs, settings["url"]]:
        r = client.get(ref)
        body = b"".join(r.streaming_content) if r.streaming else r.content
        assert r.status_code == 200 and body, ref
    schema = client.get(settings["url"]).json()
    assert schema["info"]["title"] == "smmdesk API" and schema["paths"]


def test_the_docs_assets_are_found_and_collected(tmp_path, settings):
    _html, refs, _settings = docs_page()
    static = [r.removeprefix(settings.STATIC_URL) for r in refs
              if r.startswith(settings.STATIC_URL)]
    assert len(static) >= 4
    for path in static:
        assert finders.find(path), path
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    for path in static:
        assert (Path(tmp_path) / path).stat().st_size > 0, path

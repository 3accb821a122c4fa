"""Only http(s) links from outside end up in an href."""

from __future__ import annotations

import pytest

from smmdesk.lib.links import safe_http_url


@pytest.mark.parametrize("url", ["https://bsky.app/profile/zerno.bsky.social/post/3mg2",
                                 "http://example.com/p?id=1#top", "HTTPS://Example.com/x"])
def test_it_keeps_http_links(url):
    assert safe_http_url(url) == url


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:x",
    "java\nscript:x", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "file:///etc",
    "//evil.example/x", "/relative/path", "https://", "https:evil", "https://[::1", "",
    None, 42, ["https://example.com"], "https://example.com/\x00", "https://e.com/ x",
    "https://example.com/" + "a" * 500])
def test_it_drops_everything_else(value):
    assert safe_http_url(value) == ""

"""Short links, in a real browser: tick "Shorten links" in the composer, publish to the
sandbox, follow the short link from the published text, see the click on the links page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.analytics.models import Click, ShortLink
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import Post
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Status
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_short_link_from_the_composer_is_followed_and_counted(live_server, new_page, shots,
                                                                settings):
    base = live_server.url
    settings.SITE_URL = base  # short links are built on the deployment's own address
    owner = user_create(email="olena@example.com", password="correct horse battery",
                        name="Olena", language="en")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Zerno Sandbox", "audience": "uk"})
    target = f"{base}/login/?from=post"  # a page of this server: no outside network
    body = f"Winter blend is back (see {target})."

    page = new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    sign_in(page, base, "olena@example.com", "correct horse battery", lands_on=f"{base}/w/**")

    page.goto(f"{base}/w/{ws.slug}/compose/")
    page.check(f"[data-channel-toggle='{channel.pk}']")
    page.fill("#id_body", body)
    page.click("summary:has-text('Rubric, campaign, links')")
    page.check("input[name=shorten_links]")
    page.locator(f"[data-check='{channel.pk}']",
                 has_text="each link becomes a short link").wait_for()
    # The counter shows the length as published: the short link, not the long target.
    short_text = f"Winter blend is back (see {base}/l/xxxxxxxx)."
    check = page.inner_text(f"[data-check='{channel.pk}']")
    assert f"{len(short_text)} / " in check and "/l/xxxxxxxx" in check
    shots(page, "composer-shorten-links")
    page.click("button[value=now]")
    page.wait_for_url(f"{base}/w/{ws.slug}/posts/**")
    post = Post.objects.get()
    assert post.shorten_links

    for job in claim_due(worker_id="browser", limit=5,
                         now=timezone.now() + timedelta(seconds=5)):
        run_job(job, worker_id="browser")
    pub = post.publications.get()
    assert pub.status == Status.PUBLISHED
    link = ShortLink.objects.get()
    assert link.post == post and link.channel == channel
    assert link.target.startswith(f"{target}&utm_source=sandbox")

    # The published text, as the network shows it, carries the short link.
    page.goto(f"{base}/w/{ws.slug}/publications/{pub.pk}/")
    page.click("#post-link")
    page.wait_for_url(f"{base}/w/{ws.slug}/sandbox/posts/**")
    published = page.inner_text("#sandbox-post")
    found = re.search(rf"{re.escape(base)}/l/\w+", published)
    assert found and found.group(0) == f"{base}/l/{link.code}" and target not in published
    shots(page, "published-text")

    # A reader follows it: the desk counts the click and sends them on.
    reader = new_page()
    response = reader.goto(found.group(0))
    assert response.ok and reader.url.startswith(f"{target}&utm_source=sandbox")
    assert Click.objects.filter(link=link, bot=False).count() == 1

    page.goto(f"{base}/w/{ws.slug}/links/")
    row = page.locator(f"#link-{link.code}")
    assert row.locator("[data-clicks]").inner_text() == "1"
    assert row.locator("[data-unique]").inner_text() == "1"
    assert "Winter blend is back" in row.inner_text()
    assert row.locator("svg.spark polyline").count() == 1
    assert violations == []
    shots(page, "links-page")

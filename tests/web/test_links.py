"""The links page, its CSV, and "Shorten links" in the composer."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.test import Client

from smmdesk.accounts.services import workspace_create
from smmdesk.analytics.links import click_record, link_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import Post
from smmdesk.content.services import campaign_create, post_create

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def chan(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Kyiv"})


@pytest.fixture
def clicked(workspace, owner, chan):
    campaign = campaign_create(workspace=workspace, name="Winter Blend")
    post = post_create(workspace=workspace, actor=owner, body="Ethiopia is back",
                       campaign_id=campaign.pk, channels=[chan])
    link = link_create(workspace=workspace, target="https://zerno.by/=cmd", post=post,
                       channel=chan)
    for ip in ("198.51.100.1", "198.51.100.1", "198.51.100.2"):
        click_record(link=link, ip=ip, user_agent=FIREFOX)
    click_record(link=link, ip="198.51.100.9", user_agent="TelegramBot (like TwitterBot)")
    return link


def test_the_page_shows_each_link_with_its_post_channel_campaign_and_clicks(
        owner, workspace, clicked):
    page = login(owner).get(f"/w/{workspace.slug}/links/").content.decode()
    assert f"{settings.SITE_URL}/l/{clicked.code}" in page
    assert "https://zerno.by/=cmd" in page and "Ethiopia is back" in page
    assert "Kyiv" in page and "Winter Blend" in page
    row = page.split(f'id="link-{clicked.code}"')[1].split("</tr>")[0]
    assert "<td class=\"num\" data-clicks>3</td>" in row
    assert "<td class=\"num\" data-unique>2</td>" in row
    assert "data-bots>1</td>" in row
    assert "<polyline" in row and 'style="' not in page.split("<main")[-1]


def test_the_page_is_empty_with_a_hint(owner, workspace):
    page = login(owner).get(f"/w/{workspace.slug}/links/").content.decode()
    assert "No short links yet" in page


def test_another_workspace_sees_none_of_them(owner, clicked):
    other = workspace_create(name="Other Roastery", owner=owner)
    page = login(owner).get(f"/w/{other.slug}/links/").content.decode()
    assert clicked.code not in page


def test_the_csv_lists_the_links_with_their_counts(owner, workspace, clicked):
    r = login(owner).get(f"/w/{workspace.slug}/links/export.csv")
    assert r["Content-Disposition"].startswith('attachment; filename="links-')
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Short link", "Target", "Post"]
    assert rows[1][0] == f"{settings.SITE_URL}/l/{clicked.code}"
    assert rows[1][1] == "https://zerno.by/=cmd"  # not a formula: it starts with https
    assert rows[1][3:8] == ["Kyiv", "Winter Blend", "3", "2", "1"]


def form(chan, **extra):
    data = {"body": "Read: https://zerno.by/coffee_(beans)", "channels": [chan.pk],
            "action": "draft", "utm_enabled": "on", "utm_medium": "social"}
    data.update(extra)
    return data


def test_the_live_check_counts_the_short_link(owner, workspace, chan):
    c = login(owner)
    page = c.post(f"/w/{workspace.slug}/compose/check/",
                  form(chan, shorten_links="on")).content.decode()
    short = f"Read: {settings.SITE_URL}/l/xxxxxxxx"
    assert f"{len(short)} / 5000" in page and "utm_source" not in page
    assert "each link becomes a short link" in page
    plain = c.post(f"/w/{workspace.slug}/compose/check/", form(chan)).content.decode()
    assert "utm_source=sandbox" in plain and "short link" not in plain


def test_the_option_is_stored_on_the_post_and_shown_again(owner, workspace, chan):
    c = login(owner)
    c.post(f"/w/{workspace.slug}/compose/", form(chan, shorten_links="on"))
    post = Post.objects.get()
    assert post.shorten_links is True
    page = c.get(f"/w/{workspace.slug}/posts/{post.pk}/").content.decode()
    assert 'name="shorten_links" checked' in page
    c.post(f"/w/{workspace.slug}/posts/{post.pk}/", form(chan))
    post.refresh_from_db()
    assert post.shorten_links is False

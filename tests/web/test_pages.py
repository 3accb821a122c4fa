"""The web pages: log in, switch workspace, see publications and their attempts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import media_upload, post_create
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from tests.files import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def pub(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv", "audience": "uk"})
    post = post_create(workspace=workspace, actor=owner, body="Зимовий бленд повернувся!")
    return publication_schedule(post=post, channel=channel, at=None, actor=owner)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_login_page_logs_in(owner):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    r = client.post("/login/", {"username": "olena@example.com", "password": "wrong"})
    assert r.status_code == 200 and "correct" in r.content.decode()
    owner.set_password("correct horse")
    owner.save()
    r = client.post("/login/", {"username": "olena@example.com", "password": "correct horse"})
    assert r.status_code == 302


def test_home_opens_my_workspace(owner, workspace):
    r = login(owner).get("/", follow=True)
    assert r.redirect_chain[-1][0] == f"/w/{workspace.slug}/"
    assert "Zerno Coffee" in r.content.decode()


def test_a_new_user_is_asked_to_create_a_workspace(db):
    from smmdesk.accounts.services import user_create

    user = user_create(email="new@example.com", password="x", check_password=False)
    client = login(user)
    assert client.get("/").url == reverse("web:workspace_new")
    r = client.post(reverse("web:workspace_new"), {"name": "Bakery", "timezone": "Europe/Minsk"})
    assert r.status_code == 302 and r.url == "/w/bakery/"


def test_the_publications_page_shows_statuses(owner, workspace, pub):
    page = login(owner).get(f"/w/{workspace.slug}/publications/").content.decode()
    assert "Зимовий бленд повернувся!" in page
    assert 'class="badge s-scheduled"' in page
    filtered = login(owner).get(f"/w/{workspace.slug}/publications/?status=published")
    assert "Зимовий бленд" not in filtered.content.decode()


def test_the_publication_page_shows_attempts_and_settles(owner, workspace, pub):
    Publication.objects.filter(pk=pub.pk).update(
        status=Status.UNCONFIRMED, needs_attention=True,
        error_message="smmdesk could not confirm whether this post reached Sandbox.")
    client = login(owner)
    url = f"/w/{workspace.slug}/publications/{pub.pk}/"
    page = client.get(url).content.decode()
    assert "could not confirm" in page and "It is published" in page
    r = client.post(url + "settle/", {"outcome": "published", "url": "https://t.me/zerno/5"})
    assert r.status_code == 302
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED and pub.external_url == "https://t.me/zerno/5"


def test_a_client_cannot_cancel(client_user, workspace, pub):
    r = login(client_user).post(f"/w/{workspace.slug}/publications/{pub.pk}/cancel/",
                                follow=True)
    assert "does not allow this" in r.content.decode()
    pub.refresh_from_db()
    assert pub.status == Status.SCHEDULED


def test_the_worker_banner_shows_when_no_worker_runs(owner, workspace):
    page = login(owner).get(f"/w/{workspace.slug}/").content.decode()
    assert "No publishing worker is running" in page


def test_the_interface_speaks_the_users_language(owner, workspace):
    owner.language = "uk"
    owner.save()
    page = login(owner).get(f"/w/{workspace.slug}/publications/").content.decode()
    assert "Публікації" in page and '<html lang="uk">' in page


def test_the_browser_language_is_the_default(owner, workspace):
    page = login(owner).get(f"/w/{workspace.slug}/publications/",
                            HTTP_ACCEPT_LANGUAGE="be,ru;q=0.8").content.decode()
    assert '<html lang="be">' in page and "Публікацыі" in page


def workspace_urls():
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            route = str(sub.pattern)
            if route.startswith("w/<slug:slug>/"):
                yield sub.name, route


@pytest.mark.parametrize("name,route", sorted(set(workspace_urls())))
def test_an_outsider_gets_404_on_every_workspace_page(name, route, outsider, workspace, pub,
                                                      owner):
    media = media_upload(workspace=workspace, actor=owner,
                         upload=__import__("django.core.files.uploadedfile", fromlist=["x"])
                         .SimpleUploadedFile("a.png", png_bytes()))
    values = {"slug": workspace.slug, "pub_id": pub.pk, "media_id": media.pk,
              "post_id": pub.post_id, "channel_id": pub.channel_id, "action": "cancel"}

    def fill(m):  # ids of this workspace's rows where known; any other id is just as foreign
        kind, name = m.group(1), m.group(2)
        return str(values.get(name, 1 if kind == "int" else "x"))

    url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    client = login(outsider)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code == 404
    pub.refresh_from_db()
    assert pub.status == Status.SCHEDULED


def test_media_files_are_served_to_members_only(owner, outsider, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    media = media_upload(workspace=workspace, actor=owner,
                         upload=SimpleUploadedFile("a.png", png_bytes()))
    url = f"/w/{workspace.slug}/media/{media.pk}/"
    r = login(owner).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == png_bytes()
    assert login(outsider).get(url).status_code == 404

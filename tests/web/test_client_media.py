"""The client's approval page shows each post's pictures, through its own signed link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import ApprovalState, Post
from smmdesk.content.services import media_upload, post_create
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.services import approval_mode_set, client_link_revoke, client_link_token
from tests.files import png_bytes

pytestmark = pytest.mark.django_db


def picture(workspace, owner, color=(200, 120, 40)):
    return media_upload(workspace=workspace, actor=owner,
                        upload=SimpleUploadedFile("latte.png", png_bytes(color=color)),
                        alt_text="Latte art")


@pytest.fixture
def setup(workspace, owner):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv"})
    shown = picture(workspace, owner)
    post = post_create(workspace=workspace, actor=owner, body="Зимовий бленд повернувся!",
                       media_ids=[shown.pk])
    pub = publication_schedule(post=post, channel=channel,
                               at=timezone.now() + timedelta(days=2), actor=owner)
    Post.objects.filter(pk=post.pk).update(approval=ApprovalState.PENDING_CLIENT)
    month = pub.scheduled_at.astimezone(workspace.tz).strftime("%Y-%m")
    token = client_link_token(workspace=workspace, month=month)
    return {"token": token, "shown": shown, "month": month,
            "other": picture(workspace, owner, color=(10, 10, 10))}


def media_url(token: str, media_id: int) -> str:
    return reverse("web:client_media", kwargs={"token": token, "media_id": media_id})


def test_the_page_shows_the_posts_picture_in_the_networks_look(setup):
    page = Client().get(reverse("web:client_page", args=[setup["token"]])).content.decode()
    assert f'<img src="{media_url(setup["token"], setup["shown"].pk)}" alt="Latte art"' in page
    assert 'class="np net-sandbox with-media"' in page and "Zerno · Kyiv" in page
    assert 'class="ni ni-sandbox"' in page


def test_the_client_gets_the_picture_without_an_account(setup):
    r = Client().get(media_url(setup["token"], setup["shown"].pk))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content) == png_bytes()


def test_nothing_else_of_the_library_is_served(setup):
    assert Client().get(media_url(setup["token"], setup["other"].pk)).status_code == 404


def test_a_forged_or_withdrawn_link_gets_nothing(setup, workspace):
    forged = setup["token"][:-3] + "xyz"
    assert Client().get(media_url(forged, setup["shown"].pk)).status_code == 404
    client_link_revoke(workspace=workspace, month=setup["month"], actor=None)
    assert Client().get(media_url(setup["token"], setup["shown"].pk)).status_code == 404

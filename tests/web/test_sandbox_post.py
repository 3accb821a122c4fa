"""A sandbox post opens inside smmdesk: the link the publication keeps leads to a page
that shows the post as the simulated network would, to members of its workspace only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from smmdesk.accounts.services import workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxPost
from tests.web.test_security import assert_strict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """A request activates its language for the thread; the next test starts afresh."""
    yield
    translation.deactivate()
BODY = "Зимовий бленд повернувся: карамель і горіх."


def publish(workspace, owner, body=BODY):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv", "audience": "uk"})
    post = post_create(workspace=workspace, actor=owner, body=body)
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    for job in claim_due(worker_id="t", limit=5, now=timezone.now() + timedelta(seconds=5)):
        run_job(job, worker_id="t")
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED
    return pub


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_publication_links_to_the_post_inside_smmdesk(settings, owner, workspace):
    pub = publish(workspace, owner)
    remote = SandboxPost.objects.get()
    path = reverse("web:sandbox_post", args=[workspace.slug, remote.pk])
    assert path == f"/w/{workspace.slug}/sandbox/posts/{remote.pk}/"
    assert pub.external_url == settings.SITE_URL + path
    page = login(owner).get(reverse("web:publication", args=[workspace.slug, pub.pk]))
    html = page.content.decode()
    assert f'href="{path}" id="post-link"' in html and "sandbox.smmdesk.local" not in html
    listing = login(owner).get(reverse("web:publications", args=[workspace.slug]))
    assert f'href="{path}"' in listing.content.decode()


def test_the_sandbox_post_page_shows_the_post_and_its_audience(owner, workspace):
    publish(workspace, owner)
    remote = SandboxPost.objects.get()
    network.owner_comment(remote, text="Дякуємо, що читаєте!", account=remote.account)
    later = timezone.now() + timedelta(hours=3)
    shown = remote.comments.filter(by_owner=False, created_at__lte=later).first()
    remote.comments.exclude(by_owner=True).update(created_at=timezone.now() - timedelta(hours=1))
    page = login(owner).get(reverse("web:sandbox_post", args=[workspace.slug, remote.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert BODY in html and "Simulated network." in html and "Zerno · Kyiv" in html
    assert shown.text.replace("'", "&#x27;").replace('"', "&quot;") in html
    assert "Дякуємо, що читаєте!" in html and "like" in html
    assert_strict(page, "sandbox post")


def test_a_hidden_comment_is_not_shown(owner, workspace):
    publish(workspace, owner)
    remote = SandboxPost.objects.get()
    remote.comments.update(created_at=timezone.now() - timedelta(hours=1))
    comment = network.owner_comment(remote, text="Прихований коментар", account=remote.account)
    network.comment_hide(comment)
    html = login(owner).get(reverse("web:sandbox_post", args=[workspace.slug, remote.pk]))
    assert "Прихований коментар" not in html.content.decode()


def test_the_page_is_in_the_members_language(owner, workspace):
    publish(workspace, owner)
    remote = SandboxPost.objects.get()
    owner.language = "ru"
    owner.save()
    html = login(owner).get(reverse("web:sandbox_post", args=[workspace.slug, remote.pk]))
    assert 'lang="ru"' in html.content.decode()


def test_outsiders_and_other_workspaces_get_404(owner, outsider, workspace):
    publish(workspace, owner)
    remote = SandboxPost.objects.get()
    url = reverse("web:sandbox_post", args=[workspace.slug, remote.pk])
    assert login(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    # The owner's other workspace cannot show this workspace's sandbox post.
    other = workspace_create(name="Bakery", owner=owner, timezone_name="Europe/Kyiv")
    other_url = reverse("web:sandbox_post", args=[other.slug, remote.pk])
    assert login(owner).get(other_url).status_code == 404
    network.post_delete(remote)
    assert login(owner).get(url).status_code == 404


def test_the_client_sees_the_post_without_a_link_to_the_desk(owner, client_user, workspace):
    pub = publish(workspace, owner)
    remote = SandboxPost.objects.get()
    html = login(client_user).get(
        reverse("web:sandbox_post", args=[workspace.slug, remote.pk])).content.decode()
    assert BODY in html
    assert reverse("web:publication", args=[workspace.slug, pub.pk]) not in html


def test_the_sandbox_channel_links_to_its_published_posts_not_to_a_made_up_site(
        owner, workspace):
    pub = publish(workspace, owner)
    html = login(owner).get(reverse("web:channels", args=[workspace.slug])).content.decode()
    link = (f'{reverse("web:publications", args=[workspace.slug])}'
            f'?channel={pub.channel_id}&amp;status=published')
    assert f'href="{link}"' in html and "sandbox.smmdesk.local" not in html

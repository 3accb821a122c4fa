from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import ApprovalState
from smmdesk.content.services import post_create
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.models import Task
from smmdesk.team.services import approval_mode_set, comment_add, task_create

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def post(workspace, owner, editor):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=editor, body="Новий лот")
    publication_schedule(post=post, channel=channel, at=timezone.now() + timedelta(days=2),
                         actor=editor)
    return post


def test_the_approval_buttons_follow_the_role(post, workspace, owner, editor, client_user):
    url = f"/w/{workspace.slug}/posts/{post.pk}/approval/"
    login(editor).post(url + "submit/")
    post.refresh_from_db()
    assert post.approval == ApprovalState.PENDING_TEAM
    r = login(editor).post(url + "approve/", follow=True)
    assert "Only an owner or a manager" in r.content.decode()
    login(owner).post(url + "approve/")
    post.refresh_from_db()
    assert post.approval == ApprovalState.PENDING_CLIENT
    login(client_user).post(url + "approve/")
    post.refresh_from_db()
    assert post.approval == ApprovalState.APPROVED


def test_the_client_page_needs_no_account(post, workspace, owner, editor):
    login(editor).post(f"/w/{workspace.slug}/posts/{post.pk}/approval/submit/")
    login(owner).post(f"/w/{workspace.slug}/posts/{post.pk}/approval/approve/")
    month = post.publications.get().scheduled_at.astimezone(workspace.tz).strftime("%Y-%m")
    page = login(owner).get(f"/w/{workspace.slug}/approvals/?month={month}").content.decode()
    link = page.split('id="client-link" value="')[1].split('"')[0]
    anonymous = Client()
    shown = anonymous.get(link).content.decode()
    assert "Новий лот" in shown and "Approve" in shown
    r = anonymous.post(link, {"action": "approve_all", "name": "Iryna"}, follow=True)
    assert "1 post approved" in r.content.decode()
    post.refresh_from_db()
    assert post.approval == ApprovalState.APPROVED
    assert anonymous.get(link.replace("/a/", "/a/x")).status_code == 403


def _client_link(post, workspace, owner, editor) -> str:
    login(editor).post(f"/w/{workspace.slug}/posts/{post.pk}/approval/submit/")
    login(owner).post(f"/w/{workspace.slug}/posts/{post.pk}/approval/approve/")
    month = post.publications.get().scheduled_at.astimezone(workspace.tz).strftime("%Y-%m")
    page = login(owner).get(f"/w/{workspace.slug}/approvals/?month={month}").content.decode()
    return page.split('id="client-link" value="')[1].split('"')[0]


def test_the_client_must_give_a_name_which_the_page_remembers(post, workspace, owner, editor):
    pub = post.publications.get()
    other = post_create(workspace=workspace, actor=editor, body="Другий лот")
    publication_schedule(post=other, channel=pub.channel, at=pub.scheduled_at, actor=editor)
    login(editor).post(f"/w/{workspace.slug}/posts/{other.pk}/approval/submit/")
    login(owner).post(f"/w/{workspace.slug}/posts/{other.pk}/approval/approve/")
    link = _client_link(post, workspace, owner, editor)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="uk")
    shown = anonymous.get(link).content.decode()
    assert shown.count('name="name"') == 3 and 'required' in shown  # all + each post
    r = anonymous.post(link, {"action": "approve", "post": post.pk, "name": " "}, follow=True)
    page = r.content.decode()
    assert "Напишіть своє ім’я" in page or "Write your name" in page
    post.refresh_from_db()
    assert post.approval == ApprovalState.PENDING_CLIENT
    r = anonymous.post(link, {"action": "return", "post": post.pk, "comment": "Без сленгу"},
                       follow=True)
    post.refresh_from_db()
    assert post.approval == ApprovalState.PENDING_CLIENT
    r = anonymous.post(link, {"action": "return", "post": post.pk, "name": "Iryna  Koval",
                              "comment": "Без сленгу"}, follow=True)
    post.refresh_from_db()
    assert post.approval == ApprovalState.RETURNED
    event = post.approval_events.last()
    assert "Iryna Koval" in event.actor_label and event.comment == "Без сленгу"
    # The name stays filled in for the next post on the page.
    assert 'value="Iryna Koval"' in anonymous.get(link).content.decode()


def test_tasks_page_and_done(post, workspace, owner, editor):
    task = task_create(workspace=workspace, actor=owner, kind="design", post=post,
                       assignee=editor, due_at=timezone.now() - timedelta(hours=2))
    page = login(editor).get(f"/w/{workspace.slug}/tasks/").content.decode()
    assert "Overdue" in page and "Design" in page
    login(editor).post(f"/w/{workspace.slug}/tasks/{task.pk}/done/", {"done": "1",
                                                                      "next": "tasks"})
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_a_task_is_made_on_the_tasks_page_with_a_deadline_in_the_workspace_zone(
        post, workspace, owner, editor):
    page = login(owner).get(f"/w/{workspace.slug}/tasks/").content.decode()
    assert f'action="/w/{workspace.slug}/tasks/new/"' in page and "Новий лот" in page
    r = login(owner).post(f"/w/{workspace.slug}/tasks/new/", {
        "kind": "design", "title": "  Banner for the sale ", "assignee": editor.pk,
        "due": "2030-01-15T10:00"}, follow=True)
    task = Task.objects.get()
    assert (task.title, task.kind, task.assignee, task.post) == (
        "Banner for the sale", "design", editor, None)
    assert task.due_at.astimezone(workspace.tz).strftime("%Y-%m-%d %H:%M") == "2030-01-15 10:00"
    assert task.due_manual and "Task added." in r.content.decode()
    mine = login(editor).get(f"/w/{workspace.slug}/tasks/").content.decode()
    assert "Banner for the sale" in mine
    login(owner).post(f"/w/{workspace.slug}/tasks/new/", {"kind": "copy", "post": post.pk})
    assert Task.objects.get(post=post).kind == "copy"


def test_a_task_without_a_post_or_title_is_refused_and_the_form_kept(workspace, owner, editor):
    r = login(owner).post(f"/w/{workspace.slug}/tasks/new/", {
        "kind": "video", "title": " ", "assignee": editor.pk, "due": "2030-01-15T10:00"})
    page = r.content.decode()
    assert r.status_code == 400 and "a task without a post needs a title" in page
    assert 'value="2030-01-15T10:00"' in page and '<option value="video" selected>' in page
    r = login(owner).post(f"/w/{workspace.slug}/tasks/new/", {
        "kind": "video", "title": "Reel", "due": "someday"})
    assert r.status_code == 400 and "is not a date and time" in r.content.decode()
    assert not Task.objects.exists()


def test_an_analyst_sees_tasks_without_the_form(workspace, analyst):
    r = login(analyst).get(f"/w/{workspace.slug}/tasks/")
    assert r.status_code == 200 and "tasks/new/" not in r.content.decode()
    assert login(analyst).post(f"/w/{workspace.slug}/tasks/new/",
                               {"kind": "copy", "title": "x"}).status_code == 403


def test_tasks_and_comments_from_the_post_page(post, workspace, owner, editor):
    c = login(owner)
    c.post(f"/w/{workspace.slug}/posts/{post.pk}/tasks/",
           {"kind": "copy", "assignee": editor.pk, "title": "Hook"})
    assert post.tasks.get().assignee == editor
    c.post(f"/w/{workspace.slug}/posts/{post.pk}/comments/", {"text": "@editor ok?"})
    page = login(editor).get(f"/w/{workspace.slug}/posts/{post.pk}/").content.decode()
    assert "@editor ok?" in page and "Hook" in page
    notes = login(editor).get("/notifications/").content.decode()
    assert "mentioned you" in notes


def test_the_dashboard_lists_what_needs_attention(post, workspace, owner, editor):
    task_create(workspace=workspace, actor=owner, kind="video", post=post,
                due_at=timezone.now() - timedelta(days=1))
    comment_add(post=post, author=editor, text="draft ready")
    login(editor).post(f"/w/{workspace.slug}/posts/{post.pk}/approval/submit/")
    page = login(owner).get(f"/w/{workspace.slug}/").content.decode()
    assert "Overdue tasks" in page and "Новий лот" in page and "Video" in page

"""Notifications speak the recipient's language and the workspace's time, whoever acted.

A worker, or a teammate who reads the interface in another language, makes them: each
recipient still gets the text in their own language (else the workspace's), with times in
the workspace's time zone, in the app and by e-mail.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from smmdesk.accounts.models import ApprovalMode, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.inbox.alerts import alert_negative
from smmdesk.inbox.models import Message
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.models import Notification
from smmdesk.team.services import approval_mode_set, approval_submit, notify

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
AT = datetime(2031, 3, 14, 18, 30, tzinfo=KYIV)  # 16:30 UTC


def _speaking(member_factory, role, email, language):
    user = member_factory(role, email=email)
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_each_approver_reads_the_request_in_own_language_and_local_time(
        workspace, owner, member_factory, run_outbox):
    _speaking(member_factory, Role.MANAGER, "ru@example.com", "ru")
    _speaking(member_factory, Role.MANAGER, "en@example.com", "en")
    author = _speaking(member_factory, Role.EDITOR, "be@example.com", "be")
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=author, body="Зимовий бленд")
    publication_schedule(post=post, channel=channel, at=AT, actor=author)

    with translation.override("be"):  # the author's request, in the author's language
        approval_submit(post=post, actor=author)

    text = {n.user.email: n.text for n in Notification.objects.select_related("user")}
    assert "просит согласовать" in text["ru@example.com"]
    assert "14.03.2031 18:30" in text["ru@example.com"]  # Kyiv time, not UTC 16:30
    assert "asks you to approve" in text["en@example.com"]
    assert "03/14/2031 18:30" in text["en@example.com"]
    # The owner chose no language: the workspace's (English here).
    assert "asks you to approve" in text[owner.email]
    run_outbox()
    bodies = {tuple(m.to): m.body for m in mail.outbox}
    assert "просит согласовать" in bodies[("ru@example.com",)]
    assert "asks you to approve" in bodies[(owner.email, "en@example.com")] or \
        "asks you to approve" in bodies[("en@example.com", owner.email)]


def test_without_a_choice_the_workspace_language_is_used(workspace, owner):
    Workspace.objects.filter(pk=workspace.pk).update(language="uk")
    workspace.refresh_from_db()
    notify(users=[owner], workspace=workspace, email=False,
           text=lambda: translation.gettext("Approved: %(post)s") % {"post": "X"})
    assert Notification.objects.get(user=owner).text.startswith("Погоджено")


def test_an_alert_from_the_worker_is_in_the_recipient_language(workspace, owner):
    owner.language = "be"
    owner.save(update_fields=["language"])
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    m = Message.objects.create(workspace=workspace, channel=channel, external_id="c1",
                               text="Жахлива кава", created_at=AT)
    with translation.override("en"):  # the worker's own language
        alert_negative(m)
    assert Notification.objects.get(user=owner).text.startswith("Негатыўнае паведамленне")


def test_the_notifications_page_shows_the_workspace_time(workspace, owner):
    notify(users=[owner], workspace=workspace, email=False, text="Hello")
    n = Notification.objects.get(user=owner)
    client = Client()
    client.force_login(owner)
    page = client.get("/notifications/").content.decode()
    assert n.created_at.astimezone(KYIV).strftime("%m/%d/%Y %H:%M") in page


def test_a_request_the_system_made_names_no_person(workspace, owner, member_factory):
    _speaking(member_factory, Role.MANAGER, "ru@example.com", "ru")
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    post = post_create(workspace=workspace, actor=None, body="Імпарт")

    approval_submit(post=post, actor=None)

    text = {n.user.email: n.text for n in Notification.objects.select_related("user")}
    assert text[owner.email] == "A post is waiting for your approval: Імпарт"
    assert text["ru@example.com"].startswith("Пост ждёт вашего согласования")
    assert "None" not in text["ru@example.com"]

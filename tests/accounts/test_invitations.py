"""Owners add people only by invitation: membership starts when the invited person
accepts, by signing in as the invited address or by choosing a password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.models import Invitation, Membership
from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    user_create,
)
from smmdesk.lib.errors import Conflict, Forbidden

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(workspace, owner, email="taras@example.com", role=Role.EDITOR) -> str:
    _invitation, token = invitation_create(workspace=workspace, email=email, role=role,
                                           invited_by=owner)
    return f"/invite/{token}/"


def test_it_mails_a_link_after_commit_and_adds_nobody_yet(workspace, owner, run_outbox):
    link = invite(workspace, owner)
    assert Membership.objects.filter(workspace=workspace).count() == 1
    assert mail.outbox == []  # queued in the outbox, sent by a worker
    run_outbox()
    (message,) = mail.outbox
    assert message.to == ["taras@example.com"] and "Zerno Coffee" in message.body
    assert re.search(r"https?://[^/\s]+" + re.escape(link), message.body)
    assert Invitation.objects.get().digest not in message.body  # only the hash is stored


def test_someone_with_an_account_joins_by_signing_in_and_accepting(workspace, owner):
    taras = user_create(email="taras@example.com", password="x", check_password=False)
    link = invite(workspace, owner, role=Role.ANALYST)
    page = Client().get(link).content.decode()
    assert "Log in to accept" in page and "Create my account" not in page
    r = login(taras).post(link)
    assert r.status_code == 302 and r.url == f"/w/{workspace.slug}/"
    assert Membership.objects.get(workspace=workspace, user=taras).role == Role.ANALYST
    used = Client().get(link)
    assert used.status_code == 409 and "already accepted" in used.content.decode()


def test_someone_new_joins_by_choosing_a_password(workspace, owner):
    link = invite(workspace, owner)
    client = Client()
    assert "Create my account and join" in client.get(link).content.decode()
    weak = client.post(link, {"name": "Taras", "password": "123"})
    assert weak.status_code == 400 and not Membership.objects.filter(
        user__email="taras@example.com").exists()
    r = client.post(link, {"name": "Taras", "password": "roasted beans 2026"})
    assert r.status_code == 302
    member = Membership.objects.get(workspace=workspace, user__email="taras@example.com")
    assert member.role == Role.EDITOR and member.user.name == "Taras"
    assert client.get(f"/w/{workspace.slug}/").status_code == 200  # signed in


def test_nobody_else_can_accept_it(workspace, owner, outsider):
    link = invite(workspace, owner)
    r = login(outsider).post(link)
    assert r.status_code == 403 and "This invitation is for taras@example.com" in \
        r.content.decode()
    assert not Membership.objects.filter(workspace=workspace, user=outsider).exists()


def test_an_expired_or_withdrawn_invitation_is_refused(workspace, owner):
    taras = user_create(email="taras@example.com", password="x", check_password=False)
    invitation, token = invitation_create(workspace=workspace, email=taras.email,
                                          role=Role.EDITOR, invited_by=owner)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Forbidden, match="expired"):
        invitation_accept(token=token, user=taras)
    invitation, token = invitation_create(workspace=workspace, email=taras.email,
                                          role=Role.EDITOR, invited_by=owner)
    invitation_revoke(workspace=workspace, invitation_id=invitation.pk)
    r = login(taras).post(f"/invite/{token}/")
    assert r.status_code == 403 and "withdrawn" in r.content.decode()
    assert not Membership.objects.filter(workspace=workspace, user=taras).exists()


def test_a_new_invitation_replaces_the_pending_one(workspace, owner):
    taras = user_create(email="taras@example.com", password="x", check_password=False)
    _first, old = invitation_create(workspace=workspace, email=taras.email, role=Role.OWNER,
                                    invited_by=owner)
    invite(workspace, owner, role=Role.CLIENT)
    with pytest.raises(Forbidden):
        invitation_accept(token=old, user=taras)


def test_a_member_is_not_invited_again(workspace, owner, editor):
    with pytest.raises(Conflict, match="already a member"):
        invite(workspace, owner, email="Editor@Example.com")


def test_the_owner_withdraws_an_invitation_on_the_settings_page(workspace, owner):
    invite(workspace, owner)
    invitation = Invitation.objects.get()
    client = login(owner)
    assert "taras@example.com" in client.get(f"/w/{workspace.slug}/settings/").content.decode()
    r = client.post(f"/w/{workspace.slug}/settings/invitations/{invitation.pk}/revoke/")
    assert r.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.pending


def test_a_manager_invites_but_never_an_owner(workspace, owner, member_factory):
    manager = member_factory(Role.MANAGER)
    with pytest.raises(Forbidden, match="Only an owner can invite another owner"):
        invite(workspace, manager, role=Role.OWNER)
    assert not Invitation.objects.exists()
    invite(workspace, manager, role=Role.MANAGER)
    invite(workspace, owner, email="co-owner@example.com", role=Role.OWNER)
    assert set(Invitation.objects.values_list("email", "role")) == {
        ("taras@example.com", "manager"), ("co-owner@example.com", "owner")}

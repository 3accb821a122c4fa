"""The settings page: each section saves for the role that may change it, and only for it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from smmdesk.accounts.models import ApprovalMode, Invitation, Membership
from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import membership_remove, membership_role_change, user_create
from smmdesk.content.models import HashtagGroup, Snippet
from smmdesk.content.services import hashtag_group_save, snippet_save
from smmdesk.lib.errors import Conflict

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(workspace, tail: str = "") -> str:
    return f"/w/{workspace.slug}/settings/{tail}"


@pytest.fixture
def manager(member_factory):
    return member_factory(Role.MANAGER)


def role_of(workspace, user) -> str | None:
    m = Membership.objects.filter(workspace=workspace, user=user).first()
    return m.role if m else None


# ---------------------------------------------------------------- the page


def test_it_shows_every_form_to_the_owner(owner, workspace):
    page = login(owner).get(url(workspace)).content.decode()
    for tail in ("workspace/", "approvals/", "lead-times/", "hashtags/", "snippets/",
                 "members/"):
        assert f'action="{url(workspace, tail)}"' in page
    assert '<datalist id="timezones">' in page and '<option value="Europe/Kyiv">' in page
    assert "The team, then the client" in page


def test_it_shows_an_analyst_everything_read_only(analyst, workspace):
    hashtag_group_save(workspace=workspace, name="Coffee", tags="#coffee #latte")
    r = login(analyst).get(url(workspace))
    page = r.content.decode()
    assert r.status_code == 200
    assert "Zerno Coffee" in page and "Europe/Kyiv" in page and "#coffee #latte" in page
    assert "<form" not in page.split('id="main"')[1]  # the frame's log-out form comes before
    assert "Your role can see these settings but not change them." in page


def test_it_is_not_found_for_an_outsider(outsider, workspace):
    assert login(outsider).get(url(workspace)).status_code == 404
    assert login(outsider).post(url(workspace, "approvals/"),
                                {"mode": "internal"}).status_code == 404


# ---------------------------------------------------------------- workspace


def test_it_saves_the_workspace_for_the_owner(owner, workspace):
    r = login(owner).post(url(workspace, "workspace/"),
                          {"name": "Zerno Roasters", "timezone": "Europe/Minsk",
                           "language": "be"}, follow=True)
    workspace.refresh_from_db()
    assert (workspace.name, workspace.timezone, workspace.language) == (
        "Zerno Roasters", "Europe/Minsk", "be")
    assert "Saved." in r.content.decode()


def test_it_explains_an_unknown_time_zone_and_saves_nothing(owner, workspace):
    r = login(owner).post(url(workspace, "workspace/"),
                          {"name": "Renamed", "timezone": "Europe/Atlantis", "language": "en"})
    page = r.content.decode()
    assert r.status_code == 200 and "Unknown time zone: Europe/Atlantis." in page
    assert 'value="Europe/Atlantis"' in page  # what was typed stays in the form
    workspace.refresh_from_db()
    assert (workspace.name, workspace.timezone) == ("Zerno Coffee", "Europe/Kyiv")


def test_it_refuses_workspace_changes_to_a_manager(manager, workspace):
    client = login(manager)
    page = client.get(url(workspace)).content.decode()
    assert f'action="{url(workspace, "workspace/")}"' not in page
    r = client.post(url(workspace, "workspace/"),
                    {"name": "Mine now", "timezone": "UTC", "language": "en"})
    assert r.status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Zerno Coffee"


# ---------------------------------------------------------------- approvals, lead times


def test_it_saves_the_approval_mode_for_the_owner(owner, workspace):
    r = login(owner).post(url(workspace, "approvals/"), {"mode": "internal_client"})
    assert r.status_code == 302 and r.url == url(workspace) + "#approvals"
    workspace.refresh_from_db()
    assert workspace.approval_mode == ApprovalMode.INTERNAL_CLIENT


def test_an_editor_cannot_change_the_approval_mode(editor, workspace):
    client = login(editor)
    page = client.get(url(workspace)).content.decode()
    assert 'name="mode"' not in page and "No approval" in page
    assert client.post(url(workspace, "approvals/"), {"mode": "internal"}).status_code == 403
    workspace.refresh_from_db()
    assert workspace.approval_mode == ApprovalMode.NONE


def test_it_refuses_an_unknown_approval_mode(owner, workspace):
    r = login(owner).post(url(workspace, "approvals/"), {"mode": "whoever"})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()
    workspace.refresh_from_db()
    assert workspace.approval_mode == ApprovalMode.NONE


def test_it_saves_task_lead_times(owner, workspace):
    r = login(owner).post(url(workspace, "lead-times/"),
                          {"copy": "10", "design": "4", "video": "14", "approval": "2"})
    assert r.status_code == 302
    workspace.refresh_from_db()
    assert workspace.lead_days == {"copy": 10, "design": 4, "video": 14, "approval": 2}


def test_it_refuses_a_lead_time_out_of_range(owner, workspace):
    before = dict(workspace.lead_days)
    r = login(owner).post(url(workspace, "lead-times/"),
                          {"copy": "120", "design": "4", "video": "14", "approval": "2"})
    assert r.status_code == 200 and "less than or equal to 90" in r.content.decode()
    workspace.refresh_from_db()
    assert workspace.lead_days == before


def test_an_editor_cannot_change_lead_times(editor, workspace):
    before = dict(workspace.lead_days)
    r = login(editor).post(url(workspace, "lead-times/"),
                           {"copy": "0", "design": "0", "video": "0", "approval": "0"})
    assert r.status_code == 403
    workspace.refresh_from_db()
    assert workspace.lead_days == before


# ---------------------------------------------------------------- hashtags, snippets


def test_it_adds_a_hashtag_group_and_puts_a_hash_on_every_tag(editor, workspace):
    r = login(editor).post(url(workspace, "hashtags/"),
                           {"name": "Coffee", "tags": "coffee, #latte  kyiv"})
    assert r.status_code == 302 and r.url.endswith("#hashtags")
    group = HashtagGroup.objects.get(workspace=workspace)
    assert (group.name, group.tags) == ("Coffee", "#coffee #latte #kyiv")


def test_it_edits_and_deletes_a_hashtag_group(editor, workspace):
    group = hashtag_group_save(workspace=workspace, name="Coffee", tags="#coffee")
    client = login(editor)
    client.post(url(workspace, f"hashtags/{group.pk}/"), {"name": "Tea", "tags": "tea matcha"})
    group.refresh_from_db()
    assert (group.name, group.tags) == ("Tea", "#tea #matcha")
    client.post(url(workspace, f"hashtags/{group.pk}/delete/"))
    assert not HashtagGroup.objects.filter(pk=group.pk).exists()


def test_it_shows_why_an_edit_was_refused_on_that_row(editor, workspace):
    group = hashtag_group_save(workspace=workspace, name="Coffee", tags="#coffee")
    r = login(editor).post(url(workspace, f"hashtags/{group.pk}/"),
                           {"name": "Renamed", "tags": " "})
    page = r.content.decode()
    assert r.status_code == 200 and 'value="Renamed"' in page
    assert "This field is required." in page or "at least one hashtag" in page
    group.refresh_from_db()
    assert group.name == "Coffee"


def test_an_analyst_cannot_add_hashtags(analyst, workspace):
    client = login(analyst)
    page = client.get(url(workspace)).content.decode()
    assert f'action="{url(workspace, "hashtags/")}"' not in page
    r = client.post(url(workspace, "hashtags/"), {"name": "Mine", "tags": "#mine"})
    assert r.status_code == 403
    assert not HashtagGroup.objects.exists()


def test_another_workspaces_hashtag_group_is_not_found(owner, workspace, outsider):
    other = outsider.memberships.get().workspace
    theirs = hashtag_group_save(workspace=other, name="Secret", tags="#secret")
    client = login(owner)
    assert client.post(url(workspace, f"hashtags/{theirs.pk}/"),
                       {"name": "Mine", "tags": "#mine"}).status_code == 404
    assert client.post(url(workspace, f"hashtags/{theirs.pk}/delete/")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Secret"


def test_it_adds_edits_and_deletes_snippets(editor, workspace):
    client = login(editor)
    client.post(url(workspace, "snippets/"), {"name": "Address", "text": "Khreshchatyk 1"})
    snippet = Snippet.objects.get(workspace=workspace)
    assert snippet.text == "Khreshchatyk 1"
    client.post(url(workspace, f"snippets/{snippet.pk}/"),
                {"name": "Address", "text": "Podil, Sahaidachnoho 5"})
    snippet.refresh_from_db()
    assert snippet.text == "Podil, Sahaidachnoho 5"
    assert "Podil, Sahaidachnoho 5" in client.get(url(workspace)).content.decode()
    client.post(url(workspace, f"snippets/{snippet.pk}/delete/"))
    assert not Snippet.objects.exists()


def test_a_client_cannot_add_snippets(client_user, workspace):
    snippet_save(workspace=workspace, name="Sign-off", text="See you at Zerno!")
    r = login(client_user).post(url(workspace, "snippets/"), {"name": "x", "text": "y"})
    assert r.status_code == 403
    assert Snippet.objects.count() == 1


# ---------------------------------------------------------------- members


@pytest.fixture
def newcomer(db):
    return user_create(email="taras@example.com", password="x", name="Taras",
                       check_password=False)


def _accept(user, run_outbox) -> None:
    """The invited person opens the link from the e-mail, signed in, and accepts."""
    run_outbox()
    link = re.search(r"/invite/[\w-]+/", mail.outbox[-1].body)[0]
    assert login(user).post(link).status_code == 302


def test_the_owner_invites_an_existing_user_who_joins_on_accepting(owner, workspace, newcomer,
                                                                  run_outbox):
    r = login(owner).post(url(workspace, "members/"),
                          {"email": "Taras@Example.com", "role": "analyst"}, follow=True)
    page = r.content.decode()
    assert "An invitation was sent to taras@example.com" in page
    assert role_of(workspace, newcomer) is None  # not before they accept
    _accept(newcomer, run_outbox)
    assert role_of(workspace, newcomer) == Role.ANALYST
    page = login(owner).get(url(workspace)).content.decode()
    assert "taras@example.com" in page and "Invitations not yet accepted" not in page


def test_inviting_an_e_mail_without_an_account_lists_the_invitation(owner, workspace):
    r = login(owner).post(url(workspace, "members/"),
                          {"email": "nobody@example.com", "role": "editor"}, follow=True)
    page = r.content.decode()
    assert "Invitations not yet accepted" in page and "nobody@example.com" in page
    assert Membership.objects.filter(workspace=workspace).count() == 1


def test_adding_a_member_twice_keeps_their_role(owner, workspace, editor):
    r = login(owner).post(url(workspace, "members/"),
                          {"email": "editor@example.com", "role": "owner"})
    assert "already a member" in r.content.decode()
    assert role_of(workspace, editor) == Role.EDITOR


def test_the_owner_changes_a_role_and_removes_a_member(owner, workspace, editor):
    client = login(owner)
    assert client.post(url(workspace, f"members/{editor.pk}/role/"),
                       {"role": "manager"}).status_code == 302
    assert role_of(workspace, editor) == Role.MANAGER
    assert client.post(url(workspace, f"members/{editor.pk}/remove/")).status_code == 302
    assert role_of(workspace, editor) is None


def test_only_the_owner_manages_members(manager, workspace, editor, newcomer):
    client = login(manager)
    page = client.get(url(workspace)).content.decode()
    assert "editor@example.com" in page  # the list is visible...
    assert f'action="{url(workspace, f"members/{editor.pk}/role/")}"' not in page  # ...not forms
    r = client.post(url(workspace, "members/"), {"email": newcomer.email, "role": "owner"})
    assert r.status_code == 200 and "Select a valid choice" in r.content.decode()
    assert not Invitation.objects.exists()
    assert client.post(url(workspace, f"members/{editor.pk}/role/"),
                       {"role": "client"}).status_code == 403
    assert client.post(url(workspace, f"members/{editor.pk}/remove/")).status_code == 403
    assert role_of(workspace, editor) == Role.EDITOR and role_of(workspace, newcomer) is None


def test_a_manager_invites_and_withdraws_but_never_an_owner(manager, workspace, run_outbox):
    client = login(manager)
    page = client.get(url(workspace)).content.decode()
    form = page.split(f'action="{url(workspace, "members/")}"')[1].split("</form>")[0]
    assert 'value="editor"' in form and 'value="owner"' not in form
    r = client.post(url(workspace, "members/"),
                    {"email": "Nina@Example.com", "role": "editor"}, follow=True)
    page = r.content.decode()
    listed = page.split("Invitations not yet accepted")[1]
    assert "nina@example.com" in listed and "Editor" in listed
    invitation = Invitation.objects.get(email="nina@example.com")
    assert (invitation.role, invitation.invited_by) == ("editor", manager)
    run_outbox()
    assert mail.outbox[-1].to == ["nina@example.com"] and "/invite/" in mail.outbox[-1].body
    assert client.post(url(workspace, f"invitations/{invitation.pk}/revoke/")).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_an_editor_cannot_invite(editor, workspace):
    client = login(editor)
    page = client.get(url(workspace)).content.decode()
    assert f'action="{url(workspace, "members/")}"' not in page
    assert client.post(url(workspace, "members/"),
                       {"email": "x@example.com", "role": "editor"}).status_code == 403


def test_the_last_owner_cannot_be_demoted_or_removed(owner, workspace):
    client = login(owner)
    r = client.post(url(workspace, f"members/{owner.pk}/role/"), {"role": "editor"})
    assert "only owner of this workspace" in r.content.decode()
    r = client.post(url(workspace, f"members/{owner.pk}/remove/"))
    assert "only owner of this workspace" in r.content.decode()
    assert role_of(workspace, owner) == Role.OWNER


def test_an_owner_may_step_down_when_another_owner_remains(owner, workspace, newcomer,
                                                          run_outbox):
    client = login(owner)
    client.post(url(workspace, "members/"), {"email": newcomer.email, "role": "owner"})
    _accept(newcomer, run_outbox)
    r = client.post(url(workspace, f"members/{owner.pk}/role/"), {"role": "editor"})
    assert r.status_code == 302
    assert role_of(workspace, owner) == Role.EDITOR
    with pytest.raises(Conflict):
        membership_role_change(workspace=workspace, user=newcomer, role=Role.MANAGER)
    with pytest.raises(Conflict):
        membership_remove(workspace=workspace, user=newcomer)


def test_an_owner_who_leaves_goes_home(owner, workspace, newcomer, run_outbox):
    client = login(owner)
    client.post(url(workspace, "members/"), {"email": newcomer.email, "role": "owner"})
    _accept(newcomer, run_outbox)
    r = client.post(url(workspace, f"members/{owner.pk}/remove/"))
    assert r.status_code == 302 and r.url == "/"
    assert role_of(workspace, owner) is None


def test_a_member_of_another_workspace_is_not_found(owner, workspace, outsider):
    r = login(owner).post(url(workspace, f"members/{outsider.pk}/remove/"))
    assert r.status_code == 404
    assert role_of(outsider.memberships.get().workspace, outsider) == Role.OWNER

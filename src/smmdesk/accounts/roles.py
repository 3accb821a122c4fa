"""Roles and what each may do. One table, read by access checks everywhere.

Every web view and every API route names one ``Perm`` (``@requires(Perm.X)`` in
``web/decorators.py``, ``auth=requires(Perm.X)`` in ``api/auth.py``); the permission
walks in ``tests/web/test_permissions.py`` and ``tests/api/test_permissions.py`` fail for
a route that names none.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    EDITOR = "editor", _("Editor")
    ANALYST = "analyst", _("Analyst")
    CLIENT = "client", _("Client")


class Perm(StrEnum):
    # Not about a workspace: who may open the page at all.
    PUBLIC = "public"            # anyone, signed in or not (login, the client's link)
    SIGNED_IN = "signed_in"      # any signed-in user (profile, own tokens, new workspace)
    # About one workspace: the roles in PERMISSIONS below.
    WORKSPACE_VIEW = "workspace.view"
    WORKSPACE_MANAGE = "workspace.manage"
    SETTINGS_VIEW = "settings.view"
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_INVITE = "members.invite"  # a manager invites, but never an owner
    CHANNELS_VIEW = "channels.view"
    CHANNELS_MANAGE = "channels.manage"
    CONTENT_VIEW = "content.view"
    CONTENT_EDIT = "content.edit"
    LIBRARY_EDIT = "library.edit"
    POSTS_COMMENT = "posts.comment"
    APPROVALS_ACT = "approvals.act"
    CLIENT_LINKS_MANAGE = "client_links.manage"
    TASKS_VIEW = "tasks.view"
    TASKS_EDIT = "tasks.edit"
    PUBLICATIONS_VIEW = "publications.view"
    PUBLICATIONS_SCHEDULE = "publications.schedule"
    PUBLICATIONS_RESOLVE = "publications.resolve"
    INBOX_VIEW = "inbox.view"
    INBOX_ANSWER = "inbox.answer"
    MODERATION_MANAGE = "moderation.manage"
    LEADS_VIEW = "leads.view"
    LEADS_EDIT = "leads.edit"
    ANALYTICS_VIEW = "analytics.view"
    GOALS_EDIT = "goals.edit"
    MONEY_EDIT = "money.edit"      # conversions, costs, promo codes, attribution
    REPORTS_VIEW = "reports.view"
    REPORTS_EDIT = "reports.edit"
    LISTENING_VIEW = "listening.view"      # mentions, news and trends, the audience
    LISTENING_MANAGE = "listening.manage"  # queries and sources
    MENTIONS_ANSWER = "mentions.answer"    # status, assignee, labels, replies
    COMPETITORS_VIEW = "competitors.view"
    COMPETITORS_MANAGE = "competitors.manage"


_ALL = frozenset(Role)
_TEAM = frozenset({Role.OWNER, Role.MANAGER, Role.EDITOR})
# The people of the agency or brand: everyone but the client, who sees the plan, the
# posts and what waits for their approval, never messages, leads, channels or settings.
_STAFF = frozenset({Role.OWNER, Role.MANAGER, Role.EDITOR, Role.ANALYST})
_LEADS = frozenset({Role.OWNER, Role.MANAGER})

PERMISSIONS: dict[str, frozenset[str]] = {
    Perm.WORKSPACE_VIEW: _ALL,
    Perm.WORKSPACE_MANAGE: frozenset({Role.OWNER}),
    Perm.SETTINGS_VIEW: _STAFF,
    Perm.MEMBERS_VIEW: _STAFF,
    Perm.MEMBERS_MANAGE: frozenset({Role.OWNER}),
    Perm.MEMBERS_INVITE: _LEADS,
    Perm.CHANNELS_VIEW: _STAFF,
    Perm.CHANNELS_MANAGE: _LEADS,
    Perm.CONTENT_VIEW: _ALL,
    Perm.CONTENT_EDIT: _TEAM,
    Perm.LIBRARY_EDIT: _TEAM,
    # The service decides what each role's approval means; a client approves in-app too.
    Perm.POSTS_COMMENT: _ALL,
    Perm.APPROVALS_ACT: _ALL,
    Perm.CLIENT_LINKS_MANAGE: _LEADS,
    Perm.TASKS_VIEW: _STAFF,
    Perm.TASKS_EDIT: _TEAM,
    Perm.PUBLICATIONS_VIEW: _STAFF,
    Perm.PUBLICATIONS_SCHEDULE: _TEAM,
    Perm.PUBLICATIONS_RESOLVE: _LEADS,
    Perm.INBOX_VIEW: _STAFF,
    Perm.INBOX_ANSWER: _TEAM,
    Perm.MODERATION_MANAGE: _LEADS,
    Perm.LEADS_VIEW: _STAFF,
    Perm.LEADS_EDIT: _TEAM,
    Perm.ANALYTICS_VIEW: frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST, Role.CLIENT}),
    Perm.GOALS_EDIT: _LEADS,
    Perm.MONEY_EDIT: _LEADS,
    # The client opens past reports; the analyst builds them.
    Perm.REPORTS_VIEW: frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST, Role.CLIENT}),
    Perm.REPORTS_EDIT: frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST}),
    # Listening is staff work, like the inbox; the analyst reads it and writes queries.
    Perm.LISTENING_VIEW: _STAFF,
    Perm.LISTENING_MANAGE: frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST}),
    Perm.MENTIONS_ANSWER: _TEAM,
    Perm.COMPETITORS_VIEW: frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST, Role.CLIENT}),
    Perm.COMPETITORS_MANAGE: frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST}),
}

# Checked by the account (signed in or not), never by a workspace role.
ACCOUNT_PERMS = frozenset({Perm.PUBLIC, Perm.SIGNED_IN})


def role_can(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]

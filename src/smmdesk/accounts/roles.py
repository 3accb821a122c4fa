"""Roles and what each may do. One table, read by access checks everywhere."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    EDITOR = "editor", _("Editor")
    ANALYST = "analyst", _("Analyst")
    CLIENT = "client", _("Client")


_ALL = frozenset(Role)
_TEAM = frozenset({Role.OWNER, Role.MANAGER, Role.EDITOR})

PERMISSIONS: dict[str, frozenset[str]] = {
    "workspace.view": _ALL,
    "workspace.manage": frozenset({Role.OWNER}),
    "members.manage": frozenset({Role.OWNER}),
    "channels.view": frozenset({Role.OWNER, Role.MANAGER, Role.EDITOR, Role.ANALYST}),
    "channels.manage": frozenset({Role.OWNER, Role.MANAGER}),
    "content.view": _ALL,
    "content.edit": _TEAM,
    "publications.schedule": _TEAM,
    "publications.resolve": frozenset({Role.OWNER, Role.MANAGER}),
    "analytics.view": frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST, Role.CLIENT}),
}


def role_can(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]

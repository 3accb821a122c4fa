"""Fetch-with-permission-check. A workspace you are not a member of does not exist (404)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, User
from smmdesk.lib.errors import Forbidden, NotFound


def access_membership(*, user: User, workspace_id: int | None = None, slug: str | None = None,
                      permission: str = "workspace.view") -> Membership:
    qs = Membership.objects.select_related("workspace", "user")
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Workspace not found."))
    try:
        if slug is not None:
            membership = qs.get(user=user, workspace__slug=slug)
        else:
            membership = qs.get(user=user, workspace_id=workspace_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Workspace not found.")) from None
    if not membership.can(permission):
        raise Forbidden(_("Your role in this workspace (%(role)s) does not allow this.")
                        % {"role": membership.get_role_display()}, code="role_forbids")
    return membership


def require(membership: Membership, permission: str) -> None:
    if not membership.can(permission):
        raise Forbidden(_("Your role in this workspace (%(role)s) does not allow this.")
                        % {"role": membership.get_role_display()}, code="role_forbids")


def access_row(queryset, *, workspace, pk, message: str, code: str):
    """One row of ``workspace`` by id, or NotFound: another workspace's rows do not exist."""
    try:
        return queryset.get(workspace=workspace, pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError):
        raise NotFound(message, code=code) from None

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.timezone import now

from smmdesk.accounts.models import Invitation, Membership, User, Workspace


def workspace_list_for_user(*, user: User) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return workspace.memberships.select_related("user").order_by("user__email")


def invitation_list_pending(*, workspace: Workspace) -> QuerySet[Invitation]:
    return workspace.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                                        expires_at__gt=now()).order_by("email")

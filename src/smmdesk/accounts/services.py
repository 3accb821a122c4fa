"""Every write to users, workspaces, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from smmdesk.accounts.models import ApiToken, Membership, User, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.lib.errors import Conflict, InvalidInput, NotFound

TOKEN_PREFIX = "smm_"


def user_create(*, email: str, password: str, name: str = "", language: str = "",
                check_password: bool = True) -> User:
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise InvalidInput(_("Enter a valid e-mail address."), code="invalid_email")
    if User.objects.filter(email=email).exists():
        raise Conflict(_("A user with the e-mail %(email)s already exists.") % {"email": email},
                       code="user_exists")
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), code="weak_password") from exc
    return User.objects.create_user(email, password, name=name, language=language)


def _unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=False)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def workspace_create(*, name: str, owner: User, timezone_name: str = "UTC",
                     language: str = "en") -> Workspace:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A workspace needs a name."), code="name_required")
    workspace_check_timezone(timezone_name)
    ws = Workspace.objects.create(name=name, slug=_unique_slug(name),
                                  timezone=timezone_name, language=language)
    Membership.objects.create(workspace=ws, user=owner, role=Role.OWNER)
    return ws


def workspace_check_timezone(name: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(_("Unknown time zone: %(tz)s.") % {"tz": name},
                           code="invalid_timezone") from exc


def workspace_update(*, workspace: Workspace, name: str | None = None,
                     timezone_name: str | None = None, language: str | None = None) -> Workspace:
    fields = []
    if name is not None:
        if not name.strip():
            raise InvalidInput(_("A workspace needs a name."), code="name_required")
        workspace.name = name.strip()
        fields.append("name")
    if timezone_name is not None:
        workspace_check_timezone(timezone_name)
        workspace.timezone = timezone_name
        fields.append("timezone")
    if language is not None:
        workspace.language = language
        fields.append("language")
    if fields:
        workspace.save(update_fields=fields)
    return workspace


def membership_set(*, workspace: Workspace, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput(_("Unknown role: %(role)s.") % {"role": role}, code="invalid_role")
    membership, _created = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role})
    return membership


def _last_owner_guard(workspace: Workspace, user: User) -> None:
    """A workspace always keeps an owner: nobody else could manage its team."""
    owners = list(Membership.objects.select_for_update()
                  .filter(workspace=workspace, role=Role.OWNER).values_list("user_id", flat=True))
    if owners == [user.pk]:
        raise Conflict(_("%(user)s is the only owner of this workspace. Make someone else an "
                         "owner first.") % {"user": user}, code="last_owner")


def _membership(workspace: Workspace, user: User) -> Membership:
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None:
        raise NotFound(_("%(user)s is not a member of this workspace.") % {"user": user},
                       code="not_a_member")
    return membership


def membership_add(*, workspace: Workspace, email: str, role: str) -> Membership:
    """Add an existing user, found by e-mail. Accounts are made with ``smmdesk
    createuser``, never here: this is not an invitation system."""
    email = (email or "").strip().lower()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        raise InvalidInput(_("Nobody with the e-mail %(email)s has an account here yet. Ask "
                             "the administrator of this smmdesk to create one (“smmdesk "
                             "createuser”), then add them again.") % {"email": email},
                           code="user_not_found")
    existing = Membership.objects.filter(workspace=workspace, user=user).first()
    if existing is not None:
        raise Conflict(_("%(email)s is already a member (%(role)s). Change their role in the "
                         "list instead.") % {"email": email, "role": existing.get_role_display()},
                       code="already_member")
    return membership_set(workspace=workspace, user=user, role=role)


@transaction.atomic
def membership_role_change(*, workspace: Workspace, user: User, role: str) -> Membership:
    membership = _membership(workspace, user)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _last_owner_guard(workspace, user)
    return membership_set(workspace=workspace, user=user, role=role)


@transaction.atomic
def membership_remove(*, workspace: Workspace, user: User) -> None:
    membership = _membership(workspace, user)
    if membership.role == Role.OWNER:
        _last_owner_guard(workspace, user)
    membership.delete()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the plain token, which is never stored or shown again."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=(name or "API token")[:100],
                                    prefix=plain[:10], digest=_digest(plain))
    return token, plain


def api_token_authenticate(plain: str) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(digest=_digest(plain), user__is_active=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id).delete()

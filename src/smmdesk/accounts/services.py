"""Every write to users, workspaces, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from smmdesk.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.lib.errors import Conflict, Forbidden, InvalidInput, NotFound, SmmdeskError

TOKEN_PREFIX = "smm_"
MAX_TOKEN_DAYS = 3650
INVITATION_DAYS = 7


class TokenExpired(SmmdeskError):
    """A real token past its expiry: 401, with words that say so (not "invalid")."""

    status = 401
    code = "token_expired"


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

    # A name of 5,000 characters makes ZoneInfo raise OSError (file name too long): only
    # the names tzdata lists are time zones.
    if name not in zoneinfo.available_timezones():
        raise InvalidInput(_("Unknown time zone: %(tz)s.") % {"tz": name[:64]},
                           code="invalid_timezone")


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


def api_token_create(*, user: User, name: str,
                     expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Return the token row and the plain token, which is never stored or shown again.
    ``expires_in_days`` empty: the token works until it is revoked."""
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidInput(_("A token expires after 1 to %(n)d days, or never.")
                           % {"n": MAX_TOKEN_DAYS}, code="invalid_expiry")
    expires_at = (timezone.now() + timedelta(days=expires_in_days)
                  if expires_in_days is not None else None)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=(name or "API token")[:100],
                                    prefix=plain[:10], digest=_digest(plain),
                                    expires_at=expires_at)
    return token, plain


def api_token_authenticate(plain: str) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(digest=_digest(plain), user__is_active=True).first())
    if token is None:
        return None
    if token.expired:
        raise TokenExpired(_("This API token expired on %(date)s. Create a new one on your "
                             "profile page.") % {"date": token.expires_at.date().isoformat()},
                           code="token_expired")
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id).delete()


# ---------------------------------------------------------------- invitations


def _normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise InvalidInput(_("Enter a valid e-mail address."), code="invalid_email")
    return email


def invitation_url(token: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    # From SITE_URL, never the request's Host header, which the sender chooses.
    return settings.SITE_URL + reverse("web:invitation", kwargs={"token": token})


def _invitation_mail(invitation: Invitation, token: str) -> None:
    from smmdesk.core.outbox import mail_enqueue

    inviter = invitation.invited_by.display_name if invitation.invited_by else "smmdesk"
    body = _("%(inviter)s invites you to the workspace “%(workspace)s” on smmdesk as "
             "%(role)s.\n\nAccept within %(days)d days: %(url)s\n\nIf you did not expect "
             "this, ignore this e-mail: nothing happens until you accept.") % {
        "inviter": inviter, "workspace": invitation.workspace.name,
        "role": invitation.get_role_display(), "days": INVITATION_DAYS,
        "url": invitation_url(token)}
    # In the outbox, inside this transaction: sent after commit, retried if SMTP fails.
    mail_enqueue(subject=_("Invitation to %(workspace)s") % {
        "workspace": invitation.workspace.name}, body=body, recipients=[invitation.email],
        workspace=invitation.workspace, dedupe_key=f"invitation:{invitation.pk}")


@transaction.atomic
def invitation_create(*, workspace: Workspace, email: str, role: str,
                      invited_by: User | None) -> tuple[Invitation, str]:
    """Invite ``email`` (an account or not yet); the plain token goes only into the
    e-mail and the return value. A new invitation replaces a pending one."""
    email = _normal_email(email)
    if role not in Role.values:
        raise InvalidInput(_("Unknown role: %(role)s.") % {"role": role}, code="invalid_role")
    if role == Role.OWNER and invited_by is not None and not Membership.objects.filter(
            workspace=workspace, user=invited_by, role=Role.OWNER).exists():
        raise Forbidden(_("Only an owner can invite another owner."), code="role_forbids")
    existing = Membership.objects.filter(workspace=workspace, user__email=email).first()
    if existing is not None:
        raise Conflict(_("%(email)s is already a member (%(role)s). Change their role in the "
                         "list instead.") % {"email": email, "role": existing.get_role_display()},
                       code="already_member")
    now = timezone.now()
    Invitation.objects.filter(workspace=workspace, email=email, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        workspace=workspace, email=email, role=role, digest=_digest(token),
        invited_by=invited_by, expires_at=now + timedelta(days=INVITATION_DAYS))
    _invitation_mail(invitation, token)
    return invitation, token


def invitation_open(token: str) -> Invitation:
    """The pending invitation of ``token``, or an error that says why it cannot be used."""
    invitation = (Invitation.objects.select_related("workspace", "invited_by")
                  .filter(digest=_digest(token or "")).first())
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation was already accepted. Sign in to open the "
                         "workspace."), code="invitation_used")
    if invitation.revoked_at is not None:
        raise Forbidden(_("This invitation was withdrawn. Ask the workspace owner for a new "
                          "one."), code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise Forbidden(_("This invitation has expired. Ask the workspace owner for a new "
                          "one."), code="invitation_expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """``user`` joins: only the person the invitation was sent to (same e-mail)."""
    invitation = invitation_open(token)
    if user.email.lower() != invitation.email:
        raise Forbidden(_("This invitation is for %(email)s. Sign in with that e-mail "
                          "address to accept it.") % {"email": invitation.email},
                        code="invitation_other_user")
    membership, _created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role})
    # Claimed with a compare-and-swap, so one link makes one membership even when clicked
    # twice at once.
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_by=user)
    return membership


@transaction.atomic
def invitation_accept_new_user(*, token: str, name: str, password: str) -> User:
    """Somebody without an account accepts by choosing their password."""
    invitation = invitation_open(token)
    if User.objects.filter(email=invitation.email).exists():
        raise Conflict(_("An account with %(email)s already exists: sign in to accept.")
                       % {"email": invitation.email}, code="user_exists")
    user = user_create(email=invitation.email, password=password, name=(name or "")[:150])
    invitation_accept(token=token, user=user)
    return user


def invitation_revoke(*, workspace: Workspace, invitation_id: int) -> None:
    Invitation.objects.filter(workspace=workspace, pk=invitation_id, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=timezone.now())

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.roles import Role, role_can


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    # Empty means "follow the browser's Accept-Language".
    language = models.CharField(_("language"), max_length=8, blank=True,
                                choices=settings.LANGUAGES)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        return self.name or self.handle

    @property
    def handle(self) -> str:
        """How teammates mention this user: @handle (the e-mail's local part)."""
        return self.email.split("@")[0]


class ApprovalMode(models.TextChoices):
    NONE = "none", _("No approval: posts are scheduled as soon as they are ready")
    INTERNAL = "internal", _("The team approves")
    INTERNAL_CLIENT = "internal_client", _("The team, then the client approves")


# Days before the publish date each production task is due, by task kind.
DEFAULT_LEAD_DAYS = {"copy": 5, "design": 3, "video": 7, "approval": 1}


def default_lead_days() -> dict:
    return dict(DEFAULT_LEAD_DAYS)


class Workspace(models.Model):
    """A brand or a client: every tenant row hangs from one of these."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    # Validated against zoneinfo by the services; no ``choices`` so tzdata updates
    # never need a migration.
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("default language"), max_length=8, default="en",
                                choices=settings.LANGUAGES)
    approval_mode = models.CharField(_("approval"), max_length=20, choices=ApprovalMode.choices,
                                     default=ApprovalMode.NONE)
    lead_days = models.JSONField(_("task lead times, days"), default=default_lead_days)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_approval(self) -> bool:
        return self.approval_mode != ApprovalMode.NONE

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique"),
        ]

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Empty: the token works until it is revoked.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= now()


class Invitation(models.Model):
    """Someone asked to join a workspace. They become a member only when they accept, by
    signing in as ``email`` or by creating their account from the link. Only the token's
    SHA-256 is stored; the link is in the e-mail."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now()

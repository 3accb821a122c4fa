from __future__ import annotations

from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import ACCOUNT_PERMS, PERMISSIONS, Perm
from smmdesk.accounts.services import api_token_authenticate
from smmdesk.core.throttle import locked_error, throttle_failure, throttle_locked
from smmdesk.lib.badinput import parse_id


def _permitted(request, user, permission: Perm | None):
    """The role check of ``auth=requires(Perm.X)``. It runs before ninja reads the path,
    the query or the body, so a role that may not act gets 403 whatever it sends, and an
    outsider 404 for every id."""
    if user is None or permission is None or permission in ACCOUNT_PERMS:
        return user
    match = getattr(request, "resolver_match", None)
    ws = (match.kwargs if match else {}).get("ws")
    request.membership = access_membership(user=user, workspace_id=parse_id(ws),
                                           permission=permission)
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer smm_...`` — a personal token from the web UI or the API."""

    def __init__(self, permission: Perm | None = None):
        super().__init__()
        self.permission = permission

    def __call__(self, request):
        return _permitted(request, super().__call__(request), self.permission)

    def authenticate(self, request, token):
        # Wrong tokens count against the address like wrong passwords: once it is locked
        # out, even a right token gets 429 until the cool-off has passed.
        if throttle_locked(request):
            raise locked_error(request)
        user = api_token_authenticate(token)
        if user is None:
            throttle_failure(request)
            return None
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The session cookie (with CSRF) for the web UI's own calls; same name as ninja's, so
    the OpenAPI security scheme stays ``SessionAuth``."""

    def __init__(self, permission: Perm | None = None):
        super().__init__()
        self.permission = permission

    def __call__(self, request):
        return _permitted(request, super().__call__(request), self.permission)


def requires(permission: Perm) -> list:
    """``@router.get(..., auth=requires(Perm.X))``: every route names its permission
    (tests/api/test_permissions.py fails for one that does not)."""
    permission = Perm(permission)
    if permission not in ACCOUNT_PERMS and permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    if permission == Perm.PUBLIC:
        raise ValueError("the API has no public routes")
    return [TokenAuth(permission), SessionAuth(permission)]


# Tokens for scripts; the session cookie (with CSRF) for the web UI's own calls. A route
# without its own ``auth=requires(...)`` gets these, and fails the permission walk.
AUTH = [TokenAuth(), SessionAuth()]

"""Every web view names the permission it needs: ``@requires(Perm.X)``.

``tests/web/test_permissions.py`` walks the URLconf and fails for a view without a
``required_permission``, so a new page cannot forget its check.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils import timezone

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import PERMISSIONS, Perm
from smmdesk.lib.errors import Forbidden, NotFound


def _workspace_view(permission: Perm):
    """Resolve ``slug`` to the user's membership (404 for outsiders, 403 for a role that
    may not do this), activate the workspace's time zone, pass ``membership`` on."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            try:
                membership = access_membership(user=request.user, slug=slug,
                                               permission=permission)
            except NotFound:
                raise Http404 from None
            except Forbidden as exc:
                return HttpResponseForbidden(render_to_string(
                    "web/forbidden.html", {"message": exc.message}, request))
            request.membership = membership
            request.workspace = membership.workspace
            request.session["last_workspace"] = membership.workspace.slug
            timezone.activate(membership.workspace.tz)
            try:
                return view(request, membership, *args, **kwargs)
            finally:
                timezone.deactivate()
        return wrapped
    return decorator


def mark(view, permission: Perm):
    """Record the permission on ``view`` (also for class-based views in ``urls.py``)."""
    view.required_permission = Perm(permission)
    return view


def requires(permission: Perm):
    """``Perm.PUBLIC``: anyone; ``Perm.SIGNED_IN``: any signed-in user; any other
    permission: a member of the ``slug`` workspace whose role has it (see roles.py)."""
    permission = Perm(permission)

    def decorator(view):
        if permission == Perm.PUBLIC:
            return mark(view, permission)
        if permission == Perm.SIGNED_IN:
            return mark(login_required(view), permission)
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        return mark(_workspace_view(permission)(view), permission)
    return decorator


def public(view):
    return mark(view, Perm.PUBLIC)



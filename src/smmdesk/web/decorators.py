from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils import timezone

from smmdesk.accounts.access import access_membership
from smmdesk.lib.errors import Forbidden, NotFound


def workspace_view(permission: str = "workspace.view"):
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

"""Connecting a channel by signing in on the network (OAuth 2 with PKCE)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import Perm
from smmdesk.channels.connecting import oauth_finish, oauth_start, oauth_store
from smmdesk.connectors.base import ConnectResult
from smmdesk.connectors.registry import CONNECTORS, connector_class
from smmdesk.lib.crypto import decrypt_json, encrypt_json
from smmdesk.lib.errors import SmmdeskError
from smmdesk.web.decorators import requires

_PENDING = "oauth_pending"
_CHOICES = "oauth_choices"


def _redirect_uri(request, kind: str) -> str:
    # The address registered with the network: from SITE_URL, never from the Host header.
    return settings.SITE_URL + reverse("web:oauth_callback", kwargs={"kind": kind})


@requires(Perm.CHANNELS_MANAGE)
@require_POST
def start(request, membership, kind: str):
    """POST only, with the CSRF token: starting a sign-in calls the server the person
    named (Mastodon registers an app there), which another site must not trigger."""
    if kind not in CONNECTORS:
        raise Http404
    try:
        url, pending = oauth_start(kind=kind, redirect_uri=_redirect_uri(request, kind),
                                   instance=request.POST.get("instance", ""))
    except SmmdeskError as exc:
        messages.error(request, exc.message)
        return redirect("web:channels", slug=membership.workspace.slug)
    pending["workspace"] = membership.workspace.slug
    request.session[_PENDING] = encrypt_json(pending)
    return redirect(url)


@requires(Perm.SIGNED_IN)
def callback(request, kind: str):
    """The network sends the person back here with a code (or an error)."""
    try:
        pending = decrypt_json(request.session.pop(_PENDING, ""))
    except Exception:
        pending = {}
    if not pending or pending.get("kind") != kind or \
            request.GET.get("state") != pending.get("state"):
        messages.error(request, _("This sign-in did not start here or has expired. Start it "
                                  "again from the Channels page."))
        return redirect("web:home")
    slug = pending["workspace"]
    try:
        membership = access_membership(user=request.user, slug=slug,
                                       permission="channels.manage")
    except SmmdeskError:
        raise Http404 from None
    if request.GET.get("error"):
        messages.error(request, _("%(network)s did not give access: %(reason)s")
                       % {"network": connector_class(kind).label,
                          "reason": request.GET.get("error_description") or request.GET["error"]})
        return redirect("web:channels", slug=slug)
    try:
        spec = connector_class(kind).oauth
        accounts = oauth_finish(pending=pending, code=request.GET.get("code", ""),
                                redirect_uri=_redirect_uri(request, kind),
                                extra={p: request.GET.get(p, "") for p in spec.callback_params})
    except SmmdeskError as exc:
        messages.error(request, exc.message)
        return redirect("web:channels", slug=slug)
    if len(accounts) == 1:
        return _store(request, membership, kind, accounts)
    request.session[_CHOICES] = encrypt_json({"kind": kind, "workspace": slug, "accounts": [
        a.__dict__ | {"token_expires_at": a.token_expires_at.isoformat()
                      if a.token_expires_at else None} for a in accounts]})
    return redirect("web:oauth_choose", slug=slug)


@requires(Perm.CHANNELS_MANAGE)
def choose(request, membership):
    """A grant that reaches several accounts (pages, communities): pick which to connect."""
    try:
        data = decrypt_json(request.session.get(_CHOICES, ""))
    except Exception:
        data = {}
    if data.get("workspace") != membership.workspace.slug:
        return redirect("web:channels", slug=membership.workspace.slug)
    accounts = [_result(a) for a in data["accounts"]]
    if request.method == "POST":
        picked = [a for a in accounts if a.external_id in request.POST.getlist("account")]
        request.session.pop(_CHOICES, None)
        if picked:
            return _store(request, membership, data["kind"], picked)
        messages.error(request, _("No account was chosen; nothing was connected."))
        return redirect("web:channels", slug=membership.workspace.slug)
    return render(request, "web/channels_choose.html",
                  {"accounts": accounts, "network": connector_class(data["kind"]).label})


def _result(a: dict) -> ConnectResult:
    from django.utils.dateparse import parse_datetime

    expires = a.get("token_expires_at")
    return ConnectResult(**{**a, "token_expires_at": parse_datetime(expires) if expires
                            else None})


def _store(request, membership, kind, accounts):
    channels = oauth_store(workspace=membership.workspace, kind=kind, accounts=accounts,
                           actor=request.user)
    messages.success(request, ngettext("Connected %(names)s.", "Connected: %(names)s.",
                                       len(channels))
                     % {"names": ", ".join(c.name for c in channels)})
    return redirect("web:channels", slug=membership.workspace.slug)


urlpatterns = [
    path("w/<slug:slug>/channels/oauth/<str:kind>/", start, name="oauth_start"),
    path("w/<slug:slug>/channels/oauth-choose/", choose, name="oauth_choose"),
    path("oauth/callback/<str:kind>/", callback, name="oauth_callback"),
]

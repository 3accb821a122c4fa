"""Login throttling on top of django-axes: per account and address, and per address.

Three doors take a secret: the login form, API tokens and the client's approval link.
Each failure is one django-axes attempt. The login form goes through Django's
``authenticate`` (the Axes backend refuses a locked-out request before any password is
checked); API tokens and approval links call ``throttle_locked`` / ``throttle_failure``.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from smmdesk.lib.errors import SmmdeskError


class TooManyAttempts(SmmdeskError):
    status = 429
    code = "too_many_attempts"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or what the trusted proxy saw.

    X-Forwarded-For is believed only with SMMDESK_TRUSTED_PROXY = number of proxies; each
    appends the address it saw, so the entry that many places from the right is the one
    the outermost trusted proxy added; anything left of it the client could have forged.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "SMMDESK_TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def client_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The e-mail tried, normalised so that case variants count as one account."""
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    else:
        value = request.POST.get("username") if request is not None else None
    value = str(value or "").strip().lower()[:255]
    return value or None


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class ThrottleHandler(AxesDatabaseHandler):
    """Two limits, where axes has one: AXES_FAILURE_LIMIT for one account from one
    address, SMMDESK_LOGIN_ADDRESS_LIMIT for one address over all accounts."""

    def _recent(self, request):
        return AccessAttempt.objects.filter(ip_address=request.axes_ip_address,
                                            attempt_time__gte=get_cool_off_threshold(request))

    def _rules(self, request, credentials) -> list[tuple[object, int]]:
        """(attempts that count, limit) for each rule that applies to this request."""
        recent = self._recent(request)
        rules = [(recent, settings.SMMDESK_LOGIN_ADDRESS_LIMIT)]
        username = get_client_username(request, credentials)
        if username:
            rules.append((recent.filter(username=username), settings.AXES_FAILURE_LIMIT))
        return rules

    def get_failures(self, request, credentials=None) -> int:
        # Axes compares one number with AXES_FAILURE_LIMIT: rescale each rule's count to
        # that limit (n >= own limit exactly when the rescaled count reaches it).
        return max(_failures(attempts) * settings.AXES_FAILURE_LIMIT // limit
                   for attempts, limit in self._rules(request, credentials))

    def locked_until(self, request, credentials=None) -> datetime | None:
        ends = [attempts.aggregate(t=Max("attempt_time"))["t"] + get_cool_off(request)
                for attempts, limit in self._rules(request, credentials)
                if _failures(attempts) >= limit]
        return max(ends, default=None)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A success forgets that account's failures from this address only: one's own
        # account must not wipe the address's record of guesses at other accounts.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, username=username).delete()
        return count


def retry_after(request: HttpRequest, credentials: dict | None = None) -> int:
    """Seconds until this request may try again."""
    until = AxesProxyHandler.get_implementation().locked_until(request, credentials)
    return max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 60


def lockout_message(request: HttpRequest, credentials: dict | None = None) -> str:
    minutes = math.ceil(retry_after(request, credentials) / 60)
    return ngettext(
        "Too many failed attempts to sign in from your address. For your safety, "
        "signing in is paused: try again in %(n)d minute.",
        "Too many failed attempts to sign in from your address. For your safety, "
        "signing in is paused: try again in %(n)d minutes.", minutes) % {"n": minutes}


def throttle_locked(request: HttpRequest) -> bool:
    """True when this address may not try another token or link now."""
    return not AxesProxyHandler.is_allowed(request, {"username": None})


def throttle_failure(request: HttpRequest) -> None:
    """Count a wrong token or link against the address it came from."""
    user_login_failed.send(sender=__name__, credentials={"username": None}, request=request)


def locked_error(request: HttpRequest) -> TooManyAttempts:
    return TooManyAttempts(lockout_message(request, {"username": None}),
                           details={"retry_after": retry_after(request, {"username": None})})


def lockout_response(request: HttpRequest, original_response=None,
                     credentials: dict | None = None) -> HttpResponse:
    """What axes answers once a request is locked out (AXES_LOCKOUT_CALLABLE)."""
    message = lockout_message(request, credentials)
    wait = str(retry_after(request, credentials))
    view = getattr(request.resolver_match, "view_name", "")
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": TooManyAttempts.code, "message": message,
                                           "details": {"retry_after": int(wait)}}},
                                status=429)
    elif view == "web:client_page":
        response = render(request, "web/client.html", {"error": message, "client_view": True},
                          status=429)
    else:
        response = render(request, "web/login.html", {
            "form": AuthenticationForm(request), "error": message,
            "next": request.POST.get("next", "")}, status=429)
    response["Retry-After"] = wait
    return response

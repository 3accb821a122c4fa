"""Text no database column can hold, refused at the door for every request.

PostgreSQL refuses NUL (``\\x00``) in text, and a lone surrogate (``"\\ud800"`` in JSON)
cannot be encoded as UTF-8 by any driver: stored, either fails the request with a 500,
wherever the value goes. A model field, a form mixin or a ninja schema validator would each
cover only their own path (views that read ``request.POST`` directly, query parameters
used as filters, path segments, the API's form fields). One middleware sees every one of
them before any view runs, so it is the one place: it answers 400 and nothing is changed.

Row ids in URLs get the same treatment: Django's ``<int:...>`` converter takes any number
of digits, and one past 2**63 - 1 overflows SQLite and PostgreSQL's bigint (a 500). Checking
the converted arguments of every view here covers every URL pattern, present and future.

Webhooks (``/hooks/``) are left to their own validation: a network retries a refused
delivery, so a message with such a character must be cleaned there, not bounced here.
"""

from __future__ import annotations

import json
import re

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from smmdesk.lib.errors import SmmdeskError

MAX_ID = 2**63 - 1  # the largest row id a bigint column holds
_SURROGATE = re.compile("[\ud800-\udfff]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_EXEMPT_PREFIXES = ("/hooks/",)


def parse_id(value) -> int | None:
    """A row id typed into a form or a URL ("12"); None for anything else, including
    numbers too large for a bigint column, which would overflow the database driver."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def text_is_storable(value: str) -> bool:
    """False for text with NUL or a lone surrogate: no database column can hold it."""
    return "\x00" not in value and not _SURROGATE.search(value)


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _request_texts(request: HttpRequest):
    yield request.path
    for key, values in request.GET.lists():
        yield key
        yield from values
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH"):
        if content_type in _FORM_TYPES:
            for key, values in request.POST.lists():
                yield key
                yield from values
            for upload in request.FILES.values():
                yield upload.name or ""
        elif content_type == "application/json" or content_type.endswith("+json"):
            try:
                yield from _json_strings(json.loads(request.body))
            except ValueError:
                pass  # not JSON at all: the view answers that with its own 400


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error_response(request: HttpRequest, status: int, code: str, message: str):
    if _is_api(request):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    if request.headers.get("HX-Request") or request.content_type == "application/json":
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(render_to_string("web/bad_request.html", {"message": message},
                                         request), status=status)


class BadInputMiddleware:
    """Refuses unstorable text (see above); shows an error a web view let escape as its
    own 4xx page with the message, instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not request.path.startswith(_EXEMPT_PREFIXES):
            if not all(text_is_storable(text) for text in _request_texts(request)):
                return _error_response(
                    request, 400, "invalid_text",
                    _("The request holds a character that cannot be stored (a NUL byte or "
                      "a broken Unicode character). Remove it and try again."))
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        numbers = [v for v in (*view_args, *view_kwargs.values()) if isinstance(v, int)]
        if any(not 0 <= number <= MAX_ID for number in numbers):
            raise Http404("no such row")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, SmmdeskError) and not _is_api(request):
            return _error_response(request, exception.status, exception.code,
                                   str(exception.message))
        return None


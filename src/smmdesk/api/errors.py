"""Every API error is ``{"error": {"code": "...", "message": "...", "details": ...}}``."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from smmdesk.api.parser import BodyNotAnObject
from smmdesk.lib.errors import SmmdeskError


def _error(api: NinjaAPI, request, status: int, code: str, message: str, details=None):
    body = {"code": code, "message": str(message)}
    if details is not None:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form")]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(SmmdeskError)
    def smmdesk_error(request, exc: SmmdeskError):
        return _error(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields = [{"field": _field(e.get("loc", ())), "problem": e.get("msg", "")}
                  for e in exc.errors]
        summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields[:5])
        return _error(api, request, 422, "invalid_request",
                      _("The request is not valid: %(summary)s") % {"summary": summary},
                      {"fields": fields})

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return _error(api, request, 401, "unauthorized",
                      _("Sign in, or send a valid API token as 'Authorization: Bearer ...'."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, BodyNotAnObject):  # JSON, but an array or a value
            problem = _("must be a JSON object ({...})")
            return _error(api, request, 422, "invalid_request",
                          _("The request is not valid: %(summary)s")
                          % {"summary": f"body: {problem}"},
                          {"fields": [{"field": "body", "problem": problem}]})
        code = "malformed_body" if exc.status_code == 400 else f"http_{exc.status_code}"
        message = (_("The request body is not valid JSON.") if exc.status_code == 400
                   else str(exc))
        return _error(api, request, exc.status_code, code, message)

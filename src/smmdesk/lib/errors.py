"""Errors a person can act on.

Services raise these; the API turns them into JSON with a stable ``code`` and a
translated ``message``; web views show the message next to the form.
"""

from __future__ import annotations

from typing import Any


class SmmdeskError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(SmmdeskError):
    status = 400
    code = "invalid"


class NotFound(SmmdeskError):
    status = 404
    code = "not_found"


class Forbidden(SmmdeskError):
    status = 403
    code = "forbidden"


class Conflict(SmmdeskError):
    status = 409
    code = "conflict"

from __future__ import annotations

from ninja.security import HttpBearer, django_auth

from smmdesk.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer smm_...`` — a personal token from the web UI or the API."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# Tokens for scripts; the session cookie (with CSRF) for the web UI's own calls.
AUTH = [TokenAuth(), django_auth]

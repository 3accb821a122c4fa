"""Credentials at rest: Fernet (AES-128-CBC + HMAC) with key rotation via MultiFernet."""

from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CannotDecrypt(Exception):
    pass


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt_json(value: dict) -> str:
    return _current().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_current().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CannotDecrypt(
            "stored credentials cannot be decrypted with the current SMMDESK_ENCRYPTION_KEY"
        ) from exc


def reencrypt(token: str) -> str:
    """Re-encrypt under the newest key (after rotating SMMDESK_ENCRYPTION_KEY)."""
    return _current().rotate(token.encode()).decode() if token else token

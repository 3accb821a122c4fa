"""Tiny helpers for reading settings from the environment.

Every setting can also be read from a file named by ``<NAME>_FILE`` so that
secrets can live in Docker or systemd credential files.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def env(name: str, default: str | None = None) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


def envfloat(name: str, default: float) -> float:
    value = env(name)
    return float(value) if value not in (None, "") else default


def kept_secret(name: str, path: Path, make=lambda: secrets.token_urlsafe(50)) -> str:
    """Return the secret from the environment, else from ``path``, else create it there.

    A generated secret is written with mode 0600 so that restarts keep sessions
    and encrypted credentials readable.
    """
    value = env(name)
    if value:
        return value
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value

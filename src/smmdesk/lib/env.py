"""Tiny helpers for reading settings from the environment.

Every setting can also be read from a file named by ``<NAME>_FILE`` so that
secrets can live in Docker or systemd credential files.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


def env(name: str, default: str | None = None) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return envbool_value(value)


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
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            path.chmod(0o600)  # written by an older version with the umask's 0644
        return path.read_text(encoding="utf-8").strip()
    private_dir(path.parent)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


# The variables web_security() reads; settings passes their values in (also from *_FILE).
SECURITY_VARIABLES = ("SMMDESK_SITE_URL", "SMMDESK_HTTPS", "SMMDESK_ALLOWED_HOSTS",
                      "SMMDESK_CSRF_TRUSTED_ORIGINS", "SMMDESK_TRUSTED_PROXY")
HSTS_SECONDS = 365 * 24 * 60 * 60


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def trusted_proxies(value: str | None) -> int:
    """How many reverse proxies stand in front of smmdesk (0: clients connect directly)."""
    value = (value or "").strip().lower()
    if value in ("", "0", "no", "false", "off"):
        return 0
    if value in ("yes", "true", "on"):
        return 1
    if not value.isdigit():
        raise ValueError("SMMDESK_TRUSTED_PROXY must be the number of reverse proxies in "
                         f"front of smmdesk (usually 1), not {value!r}.")
    return int(value)


def web_security(environ: dict[str, str | None]) -> dict[str, object]:
    """Host, cookie, HSTS and proxy settings derived from the site address.

    The public address (SMMDESK_SITE_URL) decides everything: its host is the one host
    accepted besides loopback, and an https address turns on Secure cookies and HSTS.
    Proxy headers are believed only when SMMDESK_TRUSTED_PROXY says a proxy sets them;
    otherwise any client could claim to be on https or at another address.
    """
    site_url = (environ.get("SMMDESK_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SMMDESK_SITE_URL must be an http(s) address, not {site_url!r}.")
    https = parts.scheme == "https" or envbool_value(environ.get("SMMDESK_HTTPS"))
    proxies = trusted_proxies(environ.get("SMMDESK_TRUSTED_PROXY"))
    origin = f"{parts.scheme}://{parts.netloc}"
    return {
        "SITE_URL": site_url,
        "ALLOWED_HOSTS": [parts.hostname, "localhost", "127.0.0.1", "[::1]",
                          *_csv(environ.get("SMMDESK_ALLOWED_HOSTS"))],
        "CSRF_TRUSTED_ORIGINS": [origin, *_csv(environ.get("SMMDESK_CSRF_TRUSTED_ORIGINS"))],
        "SESSION_COOKIE_SECURE": https,
        "CSRF_COOKIE_SECURE": https,
        "SECURE_HSTS_SECONDS": HSTS_SECONDS if https else 0,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if proxies else None,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SMMDESK_TRUSTED_PROXIES": proxies,
    }


def envbool_value(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def data_dir(configured: str | None, *, package_dir: Path, cwd: Path,
             user_dir: Path) -> Path:
    """Where smmdesk keeps its database, keys and uploads: never inside the source tree.

    Keys and databases written under the package would be committed and shipped in the
    wheel. A folder named by SMMDESK_DATA_DIR inside it is refused; the default
    (``./data``) falls back to the user's data folder when run from inside the package.
    """
    forbidden = [package_dir.resolve()]
    if forbidden[0].parent.name == "src":  # a checkout: the whole src/ is source
        forbidden.append(forbidden[0].parent)
    path = Path(configured).expanduser().resolve() if configured else (cwd / "data").resolve()
    if not any(path == root or root in path.parents for root in forbidden):
        return path
    if configured:
        raise ValueError(f"SMMDESK_DATA_DIR={configured!r} is inside the source tree "
                         f"({forbidden[-1]}): keys and databases there would be committed "
                         "and packaged. Choose a folder outside it, e.g. ./data.")
    return user_dir.resolve()


def user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "smmdesk"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the service user."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)  # an older install made it with the umask's 0755
    return path

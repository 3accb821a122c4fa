"""Settings that guard a deployment: hosts, https, proxies, the data folder, file modes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

import smmdesk
from smmdesk.lib.env import (
    HSTS_SECONDS,
    data_dir,
    kept_secret,
    private_dir,
    trusted_proxies,
    web_security,
)

PACKAGE = Path(smmdesk.__file__).resolve().parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_it_accepts_only_the_site_host_and_loopback():
    web = web_security({"SMMDESK_SITE_URL": "https://desk.example.com/"})
    assert web["SITE_URL"] == "https://desk.example.com"
    assert web["ALLOWED_HOSTS"] == ["desk.example.com", "localhost", "127.0.0.1", "[::1]"]
    assert web["CSRF_TRUSTED_ORIGINS"] == ["https://desk.example.com"]
    assert web_security({})["ALLOWED_HOSTS"][0] == "127.0.0.1"
    more = web_security({"SMMDESK_SITE_URL": "https://desk.example.com",
                         "SMMDESK_ALLOWED_HOSTS": "a.example, b.example"})
    assert more["ALLOWED_HOSTS"][0] == "desk.example.com"
    assert more["ALLOWED_HOSTS"][-2:] == ["a.example", "b.example"]
    assert "*" not in web_security({})["ALLOWED_HOSTS"]


def test_https_turns_on_secure_cookies_and_hsts():
    web = web_security({"SMMDESK_SITE_URL": "https://desk.example.com"})
    assert web["SESSION_COOKIE_SECURE"] and web["CSRF_COOKIE_SECURE"]
    assert web["SECURE_HSTS_SECONDS"] == HSTS_SECONDS == 31536000
    assert web["SECURE_CONTENT_TYPE_NOSNIFF"] and web["SECURE_REFERRER_POLICY"] == "same-origin"
    forced = web_security({"SMMDESK_SITE_URL": "http://10.0.0.5:8000", "SMMDESK_HTTPS": "1"})
    assert forced["SESSION_COOKIE_SECURE"] and forced["SECURE_HSTS_SECONDS"]
    plain = web_security({"SMMDESK_SITE_URL": "http://127.0.0.1:8000"})
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["CSRF_COOKIE_SECURE"]
    assert plain["SECURE_HSTS_SECONDS"] == 0


def test_proxy_headers_are_believed_only_when_a_proxy_is_declared():
    https = {"SMMDESK_SITE_URL": "https://desk.example.com"}
    assert web_security(https)["SECURE_PROXY_SSL_HEADER"] is None
    behind = web_security({**https, "SMMDESK_TRUSTED_PROXY": "1"})
    assert behind["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert behind["SMMDESK_TRUSTED_PROXIES"] == 1
    assert trusted_proxies("yes") == 1 and trusted_proxies("2") == 2 and trusted_proxies("") == 0
    with pytest.raises(ValueError, match="number of reverse proxies"):
        trusted_proxies("nginx")
    with pytest.raises(ValueError, match="http"):
        web_security({"SMMDESK_SITE_URL": "desk.example.com"})


def test_the_data_folder_is_never_inside_the_source_tree(tmp_path):
    home = tmp_path / "home"
    assert data_dir(str(tmp_path / "d"), package_dir=PACKAGE, cwd=tmp_path,
                    user_dir=home) == tmp_path / "d"
    assert data_dir(None, package_dir=PACKAGE, cwd=tmp_path, user_dir=home) == tmp_path / "data"
    # `cd src/smmdesk && smmdesk makemessages` used to write the keys into the package.
    assert data_dir(None, package_dir=PACKAGE, cwd=PACKAGE, user_dir=home) == home
    with pytest.raises(ValueError, match="inside the source tree"):
        data_dir(str(PACKAGE / "data"), package_dir=PACKAGE, cwd=tmp_path, user_dir=home)
    assert not (PACKAGE / "data").exists()


def test_the_data_folder_and_keys_are_private(tmp_path):
    loose = tmp_path / "old"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    assert mode(private_dir(loose)) == 0o700
    assert mode(private_dir(tmp_path / "new" / "data")) == 0o700
    key = tmp_path / "new" / "data" / "secret_key"
    value = kept_secret("SMMDESK_TEST_NO_SUCH_SECRET", key)
    assert mode(key) == 0o600 and key.read_text().strip() == value
    key.chmod(0o644)  # as an older version left it
    assert kept_secret("SMMDESK_TEST_NO_SUCH_SECRET", key) == value and mode(key) == 0o600


def test_uploads_are_private(settings, tmp_path):
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("media/2026/12/photo.png", ContentFile(b"\x89PNG"))
    assert mode(Path(storage.path(name))) == 0o600
    assert mode(Path(storage.path(name)).parent) == 0o700


def test_the_command_creates_the_database_and_keys_for_its_user_only(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "SMMDESK_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE":
           "smmdesk.settings"}
    for name in ("SMMDESK_DATABASE_URL", "SMMDESK_SECRET_KEY", "SMMDESK_ENCRYPTION_KEY"):
        env.pop(name, None)
    code = ("import sys; from smmdesk.cli import main; "
            "main(['smmdesk', 'shell', '-c', 'from django.db import connection; "
            "connection.cursor().execute(\"create table t (x int)\")'])")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path,
                   capture_output=True, timeout=60)
    assert mode(data) == 0o700
    for name in ("smmdesk.sqlite3", "secret_key", "encryption_key"):
        assert mode(data / name) == 0o600, name

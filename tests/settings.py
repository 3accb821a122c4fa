"""Settings for the test suite: a throwaway data folder, fast password hashing."""

import os
import tempfile

_data = tempfile.mkdtemp(prefix="smmdesk-test-")
os.environ.setdefault("SMMDESK_DATA_DIR", _data)
os.environ.setdefault("SMMDESK_TEST_SQLITE_NAME", os.path.join(_data, "test.sqlite3"))

from smmdesk.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SMMDESK_EMAIL_ENABLED = True  # tests read Django's mail outbox
SMMDESK_LANGUAGE = "en"  # the demo in English, whatever the machine's locale

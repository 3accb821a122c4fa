"""The ru, uk and be catalogues are complete, consistent, compiled and current."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "src" / "smmdesk" / "locale"
TRANSLATED = ["ru", "uk", "be"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%\(\w+\)\.\d+f|\{\{\s*\w+\s*\}\}")


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    po = catalogue(lang)
    missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    assert missing == []
    assert len(po) > 100


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_survive_translation(lang):
    for entry in catalogue(lang):
        sources = {entry.msgid, entry.msgid_plural} - {""}
        wanted = set().union(*(set(PLACEHOLDER.findall(s)) for s in sources))
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= wanted, entry.msgid
            if not entry.msgid_plural:
                assert set(PLACEHOLDER.findall(form)) == wanted, entry.msgid


@pytest.mark.parametrize("lang", TRANSLATED + ["en"])
def test_the_compiled_catalogue_matches_the_source(lang):
    po = catalogue(lang)
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in mo}
    for entry in po.translated_entries():
        got = compiled.get((entry.msgctxt, entry.msgid))
        assert got is not None, f"{entry.msgid!r} missing from django.mo: run make messages"
        if entry.msgid_plural:
            assert {int(k): v for k, v in got[1].items()} == \
                {int(k): v for k, v in entry.msgstr_plural.items()}
        else:
            assert got[0] == entry.msgstr, entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed")
def test_the_catalogue_has_every_string_of_the_source(tmp_path):
    src = LOCALE.parent
    copy = tmp_path / "smmdesk"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smmdesk.settings",
           "SMMDESK_DATA_DIR": str(tmp_path / "data")}
    subprocess.run([sys.executable, "-m", "smmdesk", "makemessages", "-l", "ru",
                    "--no-location", "--no-obsolete", "-i", "migrations/*"],
                   cwd=copy, check=True, capture_output=True, env=env)
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(
        str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"))}
    ours = {(e.msgctxt, e.msgid) for e in catalogue("ru")}
    assert fresh - ours == set(), "new strings: run `make messages` and translate them"

"""``smmdesk help``: smmdesk's own commands first, each with its one-line help, and
Django's apart below them; ``smmdesk help run`` explains --host and --port."""

from __future__ import annotations

import re

import pytest

from smmdesk.cli import main


def listing(capsys, *args) -> str:
    main(["smmdesk", *args])
    return capsys.readouterr().out


@pytest.mark.parametrize("args", [(), ("help",), ("--help",)])
def test_help_lists_smmdesks_commands_first_and_djangos_apart(capsys, args):
    out = listing(capsys, *args)
    own, _sep, django = out.partition("Django's commands")
    assert "smmdesk's commands:" in own and django
    rows = dict(re.findall(r"^  (\w+) +(.+)$", own.split("smmdesk's commands:")[1], re.M))
    assert list(rows)[:3] == ["run", "web", "worker"]
    assert {"demo", "createuser", "connectors", "outbox", "nlp"} <= set(rows)
    assert rows["run"].startswith("Migrate, make sure the demo workspace exists")
    assert rows["worker"] == "Run the publishing worker"
    assert "migrate" not in rows and "runserver" not in rows
    assert re.search(r"\[django\] .*\bmigrate\b", django, re.S)
    assert "[staticfiles] collectstatic, findstatic, runserver" in django
    assert not re.search(r"\b(run|worker|createuser)\b,", django)


def test_help_for_one_command_shows_its_options(capsys):
    with pytest.raises(SystemExit):
        main(["smmdesk", "run", "--help"])
    out = capsys.readouterr().out
    assert "--port PORT" in out and "port to listen on (default 8000)" in out
    assert "--host HOST" in out

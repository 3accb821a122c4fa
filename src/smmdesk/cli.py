"""The ``smmdesk`` command.

Every subcommand is a Django management command (``run``, ``worker``, ``demo``,
``migrate``, ``createuser``, ...). ``smmdesk help`` lists smmdesk's own first, each with
its one-line help, then Django's apart; ``smmdesk help <command>`` shows its options.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap

# smmdesk's commands in the order a newcomer needs them; any others follow by name.
FIRST = ("run", "web", "worker", "demo", "createuser")
HELP_ARGS = (["help"], ["--help"], ["-h"])


def _first_sentence(text: str) -> str:
    text = " ".join(str(text).split())
    match = re.match(r"(.+?[.:;])(\s|$)", text)
    return match.group(1).rstrip(".:;") if match else text


def help_text() -> str:
    """The listing ``smmdesk help`` prints: smmdesk's commands, then Django's by app."""
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    own = sorted((n for n, app in commands.items() if app.startswith("smmdesk")),
                 key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))
    width = max(map(len, own)) + 2
    lines = ["Usage: smmdesk <command> [options]",
             "       smmdesk help <command>    (that command's options)", "",
             "smmdesk's commands:"]
    for name in own:
        about = _first_sentence(load_command_class(commands[name], name).help)
        lines.append(f"  {name.ljust(width)}{about}")
    lines += ["", "Django's commands (for administrators; smmdesk help <command> explains):"]
    by_app: dict[str, list[str]] = {}
    for name, app in commands.items():
        if not app.startswith("smmdesk"):
            by_app.setdefault("django" if app == "django.core" else app.rpartition(".")[2],
                              []).append(name)
    for app in sorted(by_app):
        lines += textwrap.wrap(", ".join(sorted(by_app[app])), 88,
                               initial_indent=f"  [{app}] ", subsequent_indent="    ")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    # Everything smmdesk writes (database, keys, uploads, logs) is the service user's only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smmdesk.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "smmdesk"
    if len(argv) == 1 or argv[1:] in HELP_ARGS:
        import django

        django.setup()
        sys.stdout.write(help_text())
        return
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

"""The ``smmdesk`` command.

Every subcommand is a Django management command (``run``, ``worker``, ``demo``,
``migrate``, ``createuser``, ...), so ``smmdesk help`` lists them all.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # Everything smmdesk writes (database, keys, uploads, logs) is the service user's only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smmdesk.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "smmdesk"
    if len(argv) == 1:
        argv.append("help")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

"""Write transactions that queue well on SQLite, and moments read fast in bulk.

SQLite has one writer at a time. Threads of one process that wait for its lock do so in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and wastes most of the
time it waits. Queueing this process's writers on a Python lock first hands the write
lock from one thread to the next at once; other processes (the web server) still wait
in the busy handler, as before. On PostgreSQL this is a plain ``transaction.atomic``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, connections, transaction
from django.db.models import CharField
from django.db.models.functions import Cast

_sqlite_writers = threading.RLock()


@contextmanager
def write_transaction(using: str = "default"):
    if connections[using].vendor == "sqlite":
        with _sqlite_writers, transaction.atomic(using=using):
            yield
    else:
        with transaction.atomic(using=using):
            yield


def moment_text(field: str) -> Cast:
    """A date-time column read as text, for ``moment_parser``: Django's own parsing of a
    moment (SQLite keeps them as text; psycopg's loader is Python too) costs more than
    the rest of a page that reads tens of thousands of them."""
    return Cast(field, output_field=CharField())


def moment_parser() -> Callable[[str], datetime]:
    """``moment_text``'s value → an aware datetime, by ``datetime.fromisoformat``.
    SQLite's text has no offset (it is UTC); PostgreSQL's is in the connection's zone,
    UTC, with "+00"."""
    if connection.vendor == "sqlite":
        return lambda text: datetime.fromisoformat(text + "+00:00")
    return datetime.fromisoformat

"""Write transactions that queue well on SQLite.

SQLite has one writer at a time. Threads of one process that wait for its lock do so in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and wastes most of the
time it waits. Queueing this process's writers on a Python lock first hands the write
lock from one thread to the next at once; other processes (the web server) still wait
in the busy handler, as before. On PostgreSQL this is a plain ``transaction.atomic``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connections, transaction

_sqlite_writers = threading.RLock()


@contextmanager
def write_transaction(using: str = "default"):
    if connections[using].vendor == "sqlite":
        with _sqlite_writers, transaction.atomic(using=using):
            yield
    else:
        with transaction.atomic(using=using):
            yield

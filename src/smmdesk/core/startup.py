"""What ``smmdesk run`` does before the web server and the worker start, step by step: each
step on its own line, saying what it does, then how long it took.

The slow part of a first start is the text model (a minute or two of training), so it is
not waited for: the worker trains it in a thread of its own while the server already
answers, and reads the demo audience's comments into the inbox once it is ready.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from smmdesk.core.demo import Login, demo_create, demo_exists, demo_language

LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian"}
STEPS = 4  # the database, the demo, the text model, the server (run.py)


class Steps:
    """``with steps.step("Preparing the database") as done: ...; done.say("31 applied")``
    writes ``Preparing the database (1/4)…`` before and ``  31 applied in 3.2 s`` after."""

    def __init__(self, write: Callable[[str], object], total: int = STEPS):
        self.write, self.total, self.n = write, total, 0

    @contextmanager
    def step(self, title: str) -> Iterator[_Done]:
        self.n += 1
        self.write(f"{title} ({self.n}/{self.total})…")
        started, done = time.perf_counter(), _Done()
        yield done
        self.write(f"  {done.text} in {time.perf_counter() - started:.1f} s")

    def note(self, title: str, text: str) -> None:
        """A step that takes no time here: ``Title (n/4): text``."""
        self.n += 1
        self.write(f"{title} ({self.n}/{self.total}): {text}")


class _Done:
    text = "done"

    def say(self, text: str) -> None:
        self.text = text


@dataclass(frozen=True)
class Started:
    login: Login | None
    model_ready: bool  # False: the worker trains the text model after the server starts
    steps: Steps


def startup_steps(write: Callable[[str], object], *, demo: bool = True,
                  language: str | None = None) -> Started:
    """Migrate, make the demo workspace (unless ``demo`` is False), and see whether the
    text model needs training. ``write`` takes one line."""
    from smmdesk.nlp.model import base_model_ready, training_set

    steps = Steps(write)
    with steps.step("Preparing the database") as done:
        done.say(_migrate())
    login = None
    if not demo:
        steps.note("Demo workspace", "skipped (--no-demo)")
    elif demo_exists():
        login = demo_create()
        steps.note("Demo workspace", "already there")
    else:
        language = demo_language(language)
        with steps.step(f"Building the demo workspace in {LANGUAGE_NAMES[language]}") as done:
            login = demo_create(language=language, read_inbox=False,
                                progress=lambda line: write(f"  · {line}"))
    ready = base_model_ready()
    if ready:
        steps.note("Text model", "trained before, the worker loads it")
    else:
        steps.note(f"Training the text model on {len(training_set())} examples",
                   "in the background after the server starts (a minute or two); the inbox "
                   "reads new comments once it is ready")
    return Started(login=login, model_ready=ready, steps=steps)


def _migrate() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    return f"{len(plan)} migrations applied" if plan else "up to date"

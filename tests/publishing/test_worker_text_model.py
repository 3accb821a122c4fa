"""A worker started with ``--warm-text-model`` (``smmdesk run``) makes the text model ready
in a thread of its own; its inbox loops, which read every message with the model, wait
for it, and run as soon as it is ready."""

from __future__ import annotations

import pytest

from smmdesk.inbox.ingest import IngestReport
from smmdesk.publishing.executors import LocalExecutor
from smmdesk.publishing.worker import Periodic, Worker

pytestmark = pytest.mark.django_db


def _round(worker: Worker, loops: list) -> None:
    """One pass of the background loop over ``loops`` (then it stops)."""
    worker.background = [Periodic(0, fn) for fn in loops] + [
        Periodic(0, worker.stop_event.set)]
    worker.stop_event.clear()
    worker.run_background()


def test_the_inbox_waits_for_the_text_model_and_the_rest_does_not(monkeypatch):
    read, sent = [], []
    monkeypatch.setattr("smmdesk.inbox.collect.collect_comments",
                        lambda **kw: read.append(1) or IngestReport())
    worker = Worker(executor=LocalExecutor(worker_id="bg", threads=1), worker_id="bg",
                    dispatch=False, warm_text_model=True)
    _round(worker, [worker.inbox_comments, lambda: sent.append(1)])
    assert (read, sent) == ([], [1])
    worker.text_model_ready.set()  # what warm_text_model does when the model is loaded
    _round(worker, [worker.inbox_comments])
    assert read == [1]


def test_warming_loads_the_model_and_opens_the_inbox(monkeypatch):
    loaded = []
    monkeypatch.setattr("smmdesk.nlp.model.get_model", lambda *a, **kw: loaded.append(1))
    worker = Worker(executor=LocalExecutor(worker_id="w", threads=1), worker_id="w",
                    dispatch=False, warm_text_model=True)
    assert not worker.text_model_ready.is_set()
    worker.warm_text_model()
    assert loaded == [1] and worker.text_model_ready.is_set()
    # without the option nothing waits (tests and plain `smmdesk worker` as before)
    assert Worker(executor=LocalExecutor(worker_id="x", threads=1), worker_id="x",
                  dispatch=False).text_model_ready.is_set()

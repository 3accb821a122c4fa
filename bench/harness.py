"""Shared set-up for the publishing benchmarks.

Each benchmark gets a fresh data folder with an embedded SQLite database (or the
database in SMMDESK_DATABASE_URL), a loopback HTTP sink that counts what it receives,
a webhook channel pointing at it, and real ``smmdesk worker`` processes it can start
and kill. Figures are printed, not asserted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent


def setup_django(**env: str) -> Path:
    data = Path(tempfile.mkdtemp(prefix="smmdesk-bench-"))
    os.environ.setdefault("SMMDESK_DATA_DIR", str(data))
    # The sinks are plain http on loopback, which the address guard refuses outside
    # development (lib/netguard.py); the workers inherit this.
    os.environ.setdefault("SMMDESK_ALLOW_PRIVATE_NETWORK", "1")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smmdesk.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return Path(os.environ["SMMDESK_DATA_DIR"])


class Sink:
    """A loopback HTTP server standing in for a network: records every POST it receives
    (marker and arrival time) and answers lookups by marker."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.received: list[tuple[str, float]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # A killed worker leaves half-sent requests behind: expected, not worth a traceback.
        self.server.handle_error = lambda request, address: None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def counts(self) -> Counter:
        with self.lock:
            return Counter(m for m, _t in self.received)

    def first_arrival(self) -> dict[str, float]:
        first: dict[str, float] = {}
        with self.lock:
            for marker, at in self.received:
                first.setdefault(marker, at)
        return first

    def _handler(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()  # answer without Nagle's 40 ms wait for the body segment
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker was killed mid-call: that is the point of the bench

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                marker = self.headers.get("Idempotency-Key", "")
                with sink.lock:
                    sink.received.append((marker, arrived))
                if sink.delay:
                    time.sleep(sink.delay)
                self._reply(200, {"id": marker, "url": f"{sink.url}/p/{marker}"})

            def do_GET(self):
                marker = parse_qs(urlparse(self.path).query).get("marker", [""])[0]
                if marker in sink.counts():
                    self._reply(200, {"id": marker, "url": f"{sink.url}/p/{marker}"})
                else:
                    self._reply(404, {"error": "not found"})

        return Handler

    def close(self):
        self.server.shutdown()


def make_channel(sink: Sink):
    from smmdesk.accounts.services import user_create, workspace_create
    from smmdesk.channels.services import channel_connect

    user = user_create(email="bench@example.com", password="x", check_password=False)
    ws = workspace_create(name="Bench", owner=user)
    channel = channel_connect(workspace=ws, kind="webhook", actor=user,
                              data={"name": "Sink", "url": f"{sink.url}/publish",
                                    "lookup_url": f"{sink.url}/lookup"})
    return ws, user, channel


def schedule(ws, user, channel, due_times: list[datetime], *, progress=True) -> list[int]:
    """Schedule one post per due time through the same services a person uses."""
    from django.db import transaction

    from smmdesk.content.services import post_create
    from smmdesk.publishing.services import publication_schedule

    ids = []
    started = time.monotonic()
    chunk = 500
    for start in range(0, len(due_times), chunk):
        with transaction.atomic():
            for i, due in enumerate(due_times[start:start + chunk], start):
                post = post_create(workspace=ws, actor=user, body=f"Bench post {i}")
                ids.append(publication_schedule(post=post, channel=channel, at=due,
                                                actor=user).pk)
        if progress:
            print(f"  scheduled {len(ids)}/{len(due_times)}", file=sys.stderr, flush=True)
    print(f"  scheduling took {time.monotonic() - started:.1f}s", file=sys.stderr)
    return ids


class WorkerProcess:
    """An ``smmdesk worker`` process (or, given ``args``, any command) to start and kill."""

    def __init__(self, env: dict[str, str] | None = None, threads: int | None = None,
                 args: list[str] | None = None):
        self.env = {**os.environ, **(env or {})}
        self.args = args or [sys.executable, "-m", "smmdesk", "worker"]
        self.label = "worker"  # how the benchmark names it in its log
        if threads:
            self.args += ["--threads", str(threads)]
        self.proc: subprocess.Popen | None = None

    def start(self):
        log = open(Path(self.env["SMMDESK_DATA_DIR"]) / "worker.log", "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=log, cwd=ROOT)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def celery_worker(env: dict[str, str], *, queues: list[str], name: str,
                  concurrency: int = 8) -> WorkerProcess:
    """A ``celery worker`` process of the Celery executor (threads, so that SIGKILL takes
    the whole worker at once, as a lost machine would)."""
    return WorkerProcess(env=env, args=[
        sys.executable, "-m", "celery", "-A", "smmdesk.publishing.celery_app", "worker",
        "-Q", ",".join(queues), "--pool", "threads", "-c", str(concurrency), "-n", name,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"])


class RedisServer:
    """A Redis of the benchmark's own (no persistence, like a broker that loses what it
    held when it restarts), on a port of its own so that a restart disturbs nobody."""

    def __init__(self, port: int = 6390):
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self._answers():
            raise SystemExit(f"something already listens on port {self.port}; choose "
                             f"another with --broker-port")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._answers():
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


def wait_for_workers(*, dispatchers: int, celery: int = 0, timeout: float = 120) -> None:
    """Wait until the worker processes are up (starting Django takes seconds on a busy
    machine), so that the measurement starts with every process running."""
    from smmdesk.publishing.models import WorkerHeartbeat

    deadline = time.monotonic() + timeout
    app = None
    if celery:
        from smmdesk.publishing.celery_app import app
    while time.monotonic() < deadline:
        beating = WorkerHeartbeat.objects.filter(stopped_at__isnull=True).count()
        answering = len(app.control.ping(timeout=0.5) or []) if app else 0
        if beating >= dispatchers and answering >= celery:
            return
        time.sleep(0.5)
    print("bench: WARNING: not every worker started in time", file=sys.stderr)


def shift_to_start(ids: list[int], *, start_in: float) -> None:
    """Move the whole plan so that its first publication is due ``start_in`` s from now.

    Scheduling thousands of rows takes a while; they are scheduled an hour ahead and then
    moved as one block, so the measured lateness is the dispatcher's alone."""
    from django.db.models import F, Min

    from smmdesk.publishing.models import Publication

    rows = Publication.objects.filter(pk__in=ids)
    first = rows.aggregate(first=Min("scheduled_at"))["first"]
    delta = in_seconds(start_in) - first
    rows.update(scheduled_at=F("scheduled_at") + delta, due_at=F("due_at") + delta)


def wait_until_settled(ids: list[int], *, timeout: float, done_statuses=("published", "failed")
                       ) -> bool:
    from django.db.models import Q

    from smmdesk.publishing.models import Publication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_rows = (Publication.objects.filter(pk__in=ids)
                     .exclude(Q(status__in=done_statuses) | Q(needs_attention=True)).count())
        if open_rows == 0:
            return True
        time.sleep(0.5)
    return False


def lateness(ids: list[int], sink: Sink) -> list[float]:
    """Seconds from each publication's due time to its first arrival at the sink."""
    from smmdesk.publishing.models import Publication

    first = sink.first_arrival()
    out = []
    for marker, due in Publication.objects.filter(pk__in=ids).values_list("marker",
                                                                           "scheduled_at"):
        if marker in first:
            out.append(first[marker] - due.timestamp())
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def in_seconds(seconds: float) -> datetime:
    from django.utils import timezone

    return timezone.now() + timedelta(seconds=seconds)

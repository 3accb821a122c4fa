"""Real servers on loopback for the ``live`` tests.

``bluesky_network`` starts ``tests/live/bluesky/network.js``: a did:plc directory, a PDS and
an AppView from @atproto/dev-env, on PostgreSQL and Redis. It needs Node 20+, the packages
of ``tests/live/bluesky`` (``npm ci --prefix tests/live/bluesky`` then
``npm rebuild better-sqlite3 --prefix tests/live/bluesky``), PostgreSQL and Redis. Without
them the live tests are skipped, except under CI (``CI=true``), where they fail instead.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import signal
import socket
import string
import subprocess
import threading
import time
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BLUESKY_DIR = Path(__file__).parent / "bluesky"
DB_URL = os.environ.get("BSKY_LIVE_DB_URL", "postgres://postgres@127.0.0.1:5432/bsky_live")
REDIS_HOST = os.environ.get("BSKY_LIVE_REDIS_HOST", "127.0.0.1:6379")
READY_TIMEOUT = 120.0
INSTALL = ("npm ci --prefix tests/live/bluesky && "
           "npm rebuild better-sqlite3 --prefix tests/live/bluesky")


def unavailable(reason: str) -> None:
    """Skip, or fail under CI: there the live tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"live tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"live tests skipped: {reason}")


def _check_node() -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (Node 20 or newer)")
    if not (BLUESKY_DIR / "node_modules" / "@atproto" / "dev-env").is_dir():
        unavailable(f"the local Bluesky network is not installed; run: {INSTALL}")
    addon = BLUESKY_DIR / "node_modules" / "better-sqlite3" / "build" / "Release"
    if not (addon / "better_sqlite3.node").is_file():
        unavailable("better-sqlite3 is not built; run: "
                    "npm rebuild better-sqlite3 --prefix tests/live/bluesky")
    return node


def _ensure_database(url: str) -> None:
    """Create the network's database when it is missing."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable at {admin}: {exc}")


def _check_redis(host_port: str) -> None:
    host, _sep, port = host_port.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as exc:
        unavailable(f"Redis is not reachable at {host_port}: {exc}")


def _read_lines(stream, lines: queue.Queue, tail: deque) -> None:
    for line in iter(stream.readline, ""):
        tail.append(line)
        lines.put(line)
    lines.put(None)


def _wait_ready(proc: subprocess.Popen, lines: queue.Queue, tail: deque, log: Path) -> dict:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if line.startswith("READY "):
            return json.loads(line.removeprefix("READY "))
    exited = proc.poll() is not None
    proc.kill()
    proc.wait(10)
    output = "".join(tail) + log.read_text(errors="replace")[-4000:]
    why = (f"exited with code {proc.returncode}" if exited
           else f"was not ready in {READY_TIMEOUT:.0f} s")
    pytest.fail(f"the local Bluesky network {why}:\n{output}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _drop_schemas(url: str, suffix: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
        for prefix in ("appview_", "ozone_"):
            conn.execute(f'DROP SCHEMA IF EXISTS "{prefix}{suffix}" CASCADE')


@pytest.fixture(scope="session")
def bluesky_network(tmp_path_factory):
    """URLs of a running local Bluesky network: {"plc", "pds", "appview", "ms"}.

    Each run takes free ports and schemas of its own (BSKY_LIVE_*_PORT and BSKY_LIVE_SCHEMA
    pin them), so two test runs on one machine do not meet."""
    node = _check_node()
    _check_redis(REDIS_HOST)
    _ensure_database(DB_URL)
    work = tmp_path_factory.mktemp("bluesky")  # the PDS keeps its data under TMPDIR
    log = work / "network.stderr.log"
    # the AppView takes schema names of letters and "_" only
    schema = os.environ.get("BSKY_LIVE_SCHEMA") or "run_" + "".join(
        secrets.choice(string.ascii_lowercase) for _ in range(8))
    ports = {f"BSKY_LIVE_{name}_PORT": os.environ.get(f"BSKY_LIVE_{name}_PORT")
             or str(_free_port()) for name in ("PLC", "PDS", "APPVIEW", "OZONE")}
    env = {**os.environ, **ports, "BSKY_LIVE_DB_URL": DB_URL, "BSKY_LIVE_SCHEMA": schema,
           "REDIS_HOST": REDIS_HOST, "TMPDIR": str(work), "NODE_NO_WARNINGS": "1"}
    with log.open("w") as stderr:
        proc = subprocess.Popen([node, "network.js"], cwd=BLUESKY_DIR, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=stderr)
    lines: queue.Queue = queue.Queue()
    tail: deque = deque(maxlen=40)
    threading.Thread(target=_read_lines, args=(proc.stdout, lines, tail), daemon=True).start()
    try:
        yield _wait_ready(proc, lines, tail, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # network.js closes every service, then exits
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        _drop_schemas(DB_URL, schema)

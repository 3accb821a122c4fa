"""How long a first ``smmdesk run`` takes, phase by phase, on a fresh data folder.

    python bench/first_run.py [--port 8765] [--no-wait-model]

Starts ``smmdesk run`` with an empty ``SMMDESK_DATA_DIR`` (a temporary folder), reads its
progress lines as they come, and notes when each step ends, when the login page first
answers and (unless ``--no-wait-model``) when the worker has trained the text model and
the demo audience's comments are in the inbox; then stops it with Ctrl-C.
Last line: ``first_run: database_s=X demo_s=Y server_s=Z login_page_s=L model_s=M``
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar (which urllib imports).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STEP_DONE = re.compile(r"^  (?!·).* in (\d+\.\d) s$")
PHASES = ("database", "demo", "model", "server")


def _lines(proc, out: queue.Queue) -> None:
    for line in proc.stdout:
        out.put((time.monotonic(), line.rstrip("\n")))
    out.put((time.monotonic(), None))


def _answers(port: int) -> bool:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        direct.open(f"http://127.0.0.1:{port}/login/", timeout=1).close()
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-wait-model", action="store_true")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    smmdesk = Path(sys.executable).with_name("smmdesk")
    with tempfile.TemporaryDirectory(prefix="smmdesk-first-run-") as data:
        env = {**os.environ, "SMMDESK_DATA_DIR": data, "PYTHONUNBUFFERED": "1"}
        started = time.monotonic()
        proc = subprocess.Popen([str(smmdesk), "run", "--port", str(args.port)], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(proc, lines), daemon=True).start()
        figures: dict[str, float] = {}
        step = 0
        try:
            while time.monotonic() - started < args.timeout:
                if "login_page" not in figures and _answers(args.port):
                    figures["login_page"] = time.monotonic() - started
                try:
                    at, line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if line is None:
                    break
                print(f"{at - started:7.1f}s | {line}")
                if re.search(r" \((\d)/4\)", line):
                    step = int(re.search(r" \((\d)/4\)", line).group(1))
                found = STEP_DONE.match(line)
                if found and step:
                    figures[PHASES[step - 1]] = float(found.group(1))
                if line.startswith("Text model trained in"):
                    figures["model"] = at - started
                done = "login_page" in figures and (args.no_wait_model or "model" in figures
                                                     or "trained before" in line)
                if done:
                    break
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    names = {"database": "database_s", "demo": "demo_s", "server": "server_s",
             "login_page": "login_page_s", "model": "model_s"}
    print("first_run: " + " ".join(f"{label}={figures[key]:.1f}" for key, label in names.items()
                                   if key in figures))


if __name__ == "__main__":
    main()

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from smmdesk.core.startup import startup_steps

ANSWER_WAIT_S = 60  # how long the start waits for the web server's first answer


class Command(BaseCommand):
    help = ("Migrate, make sure the demo workspace exists, then run the web server and the "
            "publishing worker together. Ctrl-C stops both.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1; 0.0.0.0 for "
                                 "every interface)")
        parser.add_argument("--port", type=int, default=8000,
                            help="port to listen on (default 8000)")
        parser.add_argument("--no-demo", action="store_true",
                            help="do not create the demo workspace")
        parser.add_argument("--language", choices=("en", "ru", "uk", "be"), default=None,
                            help="the demo workspace's own texts (default: SMMDESK_LANGUAGE, "
                                 "else the system locale, else en)")

    def handle(self, *args, host, port, no_demo, language=None, **options):
        self.stdout.write(f"smmdesk: data in {settings.DATA_DIR}")
        started = startup_steps(self.stdout.write, demo=not no_demo, language=language)
        login = started.login
        children = {
            "web": [sys.executable, "-m", "smmdesk", "web", "--host", host, "--port", str(port)],
            "worker": [sys.executable, "-m", "smmdesk", "worker", "--warm-text-model"],
        }
        self._stopping = []  # Ctrl-C from here on stops the children too
        signal.signal(signal.SIGINT, lambda *a: self._stopping.append(1))
        signal.signal(signal.SIGTERM, lambda *a: self._stopping.append(1))
        with started.steps.step("Starting the web server and the worker") as done:
            procs = {name: self._start(cmd) for name, cmd in children.items()}
            done.say("the web server answers" if self._answers(host, port, procs["web"])
                     else "the web server does not answer yet")
        self.stdout.write(self.style.SUCCESS(f"\nsmmdesk is running at http://{host}:{port}/"))
        if login:
            self.stdout.write(self.style.SUCCESS(
                f"log in as {login.email} with the password {login.password}"))
        self.stdout.write("health: /healthz · API: /api/docs · Ctrl-C stops both\n")
        self._supervise(procs, children, model_ready=started.model_ready)

    def _start(self, cmd):
        return subprocess.Popen(cmd, env=os.environ.copy(), start_new_session=True)

    def _answers(self, host: str, port: int, web) -> bool:
        """Wait until the login page answers (any HTTP status), the web process stops, or
        ``ANSWER_WAIT_S`` pass."""
        near = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
        url = f"http://{f'[{near}]' if ':' in near else near}:{port}/login/"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        deadline = time.monotonic() + ANSWER_WAIT_S
        while time.monotonic() < deadline and web.poll() is None and not self._stopping:
            try:
                direct.open(url, timeout=2).close()
                return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                time.sleep(0.2)
        return False

    def _model_watch(self, model_ready: bool):
        """Says once when the worker has trained the text model (a first start)."""
        if model_ready:
            return lambda: None
        from smmdesk.nlp.model import base_model_files

        files, since, said = base_model_files(), time.monotonic(), []

        def check():
            if not said and all(f.exists() for f in files):
                said.append(1)
                self.stdout.write(f"Text model trained in {time.monotonic() - since:.0f} s "
                                  "(by the worker): the inbox is reading the comments now")
        return check

    def _supervise(self, procs, children, model_ready: bool = True):
        stopping = self._stopping
        restarts = {name: [] for name in procs}
        model_watch = self._model_watch(model_ready)
        while not stopping:
            time.sleep(0.5)
            model_watch()
            for name, proc in list(procs.items()):
                if proc.poll() is None:
                    continue
                recent = [t for t in restarts[name] if time.monotonic() - t < 60]
                if len(recent) >= 5:
                    self.stderr.write(f"{name} keeps stopping (exit {proc.returncode}); "
                                      "stopping smmdesk")
                    stopping.append(1)
                    break
                self.stderr.write(f"{name} stopped (exit {proc.returncode}); starting it again")
                restarts[name] = recent + [time.monotonic()]
                procs[name] = self._start(children[name])
        self.stdout.write("\nsmmdesk: stopping…")
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 35
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("smmdesk: stopped")

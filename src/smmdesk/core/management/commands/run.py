from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from smmdesk.core.demo import demo_create


class Command(BaseCommand):
    help = ("Migrate, make sure the demo workspace exists, then run the web server and the "
            "publishing worker together. Ctrl-C stops both.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args, host, port, no_demo, **options):
        self.stdout.write(f"smmdesk: data in {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout)
        login = None if no_demo else demo_create(
            progress=lambda msg: self.stdout.write(f"demo: {msg}"))
        children = {
            "web": [sys.executable, "-m", "smmdesk", "web", "--host", host, "--port", str(port)],
            "worker": [sys.executable, "-m", "smmdesk", "worker"],
        }
        procs = {name: self._start(cmd) for name, cmd in children.items()}
        self.stdout.write(self.style.SUCCESS(f"\nsmmdesk is running at http://{host}:{port}/"))
        if login:
            self.stdout.write(self.style.SUCCESS(
                f"log in as {login.email} with the password {login.password}"))
        self.stdout.write("health: /healthz · API: /api/docs · Ctrl-C stops both\n")
        self._supervise(procs, children)

    def _start(self, cmd):
        return subprocess.Popen(cmd, env=os.environ.copy(), start_new_session=True)

    def _supervise(self, procs, children):
        stopping = []
        signal.signal(signal.SIGINT, lambda *a: stopping.append(1))
        signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
        restarts = {name: [] for name in procs}
        while not stopping:
            time.sleep(0.5)
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

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from smmdesk.publishing.worker import Worker, new_worker_id

ROLES = ("all", "dispatch", "background")


class Command(BaseCommand):
    help = ("Run the publishing worker: claims due publications and publishes them (with "
            "SMMDESK_EXECUTOR=celery: sends them to Celery workers), and runs the inbox, "
            "token refresh and outbox loops. Any number may run at once.")

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=None,
                            help="threads of the local executor (SMMDESK_WORKER_THREADS)")
        parser.add_argument("--poll", type=float, default=None,
                            help="seconds between looks for due work (SMMDESK_POLL_INTERVAL)")
        parser.add_argument("--role", choices=ROLES, default="all",
                            help="dispatch: claim and publish only; background: inbox, token "
                                 "refresh and outbox loops only; all: both (the default)")
        parser.add_argument("--warm-text-model", action="store_true",
                            help="load the text model at start (train it, the first time) in a "
                                 "thread of its own; the inbox loops wait for it, the rest "
                                 "runs meanwhile (smmdesk run does this)")

    def handle(self, *args, threads=None, poll=None, role="all", warm_text_model=False,
               **options):
        worker_id = new_worker_id()
        options = {"threads": threads} if threads else {}
        worker = Worker(worker_id=worker_id, poll_interval=poll, dispatch=role != "background",
                        warm_text_model=warm_text_model and role != "dispatch", **options)

        def stop(signum, frame):
            if worker.stop_event.is_set():
                self.stdout.write(f"worker: signal {signum} again, leaving running jobs to "
                                  f"recovery")
                worker.abandon()
                return
            self.stdout.write(f"worker: signal {signum}, finishing running jobs (send it "
                              f"again to stop at once)…")
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {worker_id}: {role}, publishing with the "
                          f"{worker.executor.name} executor; Ctrl-C to stop")
        worker.run(background=role != "dispatch")

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from smmdesk.publishing.worker import Worker, new_worker_id


class Command(BaseCommand):
    help = "Run the publishing worker: claims due publications and publishes them."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=None,
                            help="threads of the local executor (SMMDESK_WORKER_THREADS)")
        parser.add_argument("--poll", type=float, default=None,
                            help="seconds between looks for due work (SMMDESK_POLL_INTERVAL)")

    def handle(self, *args, threads=None, poll=None, **options):
        worker_id = new_worker_id()
        options = {"threads": threads} if threads else {}
        worker = Worker(worker_id=worker_id, poll_interval=poll, **options)

        def stop(signum, frame):
            self.stdout.write(f"worker: signal {signum}, finishing running jobs…")
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {worker_id}: publishing with the {worker.executor.name} "
                          f"executor; Ctrl-C to stop")
        worker.run()

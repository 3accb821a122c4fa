"""``smmdesk analytics collect [--once]``: the metrics collector outside the worker."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Read due post and channel metrics from the networks (the worker does this "
            "every SMMDESK_ANALYTICS_INTERVAL_SECONDS); --once: one round, then exit.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["collect"])
        parser.add_argument("--once", action="store_true",
                            help="one round of due readings, then exit (else: every "
                                 "SMMDESK_ANALYTICS_INTERVAL_SECONDS until stopped)")

    def handle(self, *args, action, once=False, **options):
        from smmdesk.analytics.collector import collect_run
        from smmdesk.publishing.worker import new_worker_id

        worker_id = f"cli:{new_worker_id()}"
        while True:
            report = collect_run(worker_id=worker_id)
            self.stdout.write(str(report))
            for error in report.errors[:20]:
                self.stdout.write(f"  {error}")
            if once:
                return
            try:
                time.sleep(settings.SMMDESK_ANALYTICS_INTERVAL_SECONDS)
            except KeyboardInterrupt:
                return

"""``smmdesk analytics collect [--once]``: the metrics collector outside the worker.
``smmdesk analytics rebuild-latest [--workspace SLUG]``: each post's latest reading
(``PostLatest``, what the dashboard reads) made again from the kept snapshots."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Read due post and channel metrics from the networks (collect, which the worker "
            "does every SMMDESK_ANALYTICS_INTERVAL_SECONDS, --once for one round), or make "
            "each post's latest reading again from its snapshots (rebuild-latest).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["collect", "rebuild-latest"])
        parser.add_argument("--workspace", metavar="SLUG",
                            help="rebuild-latest: only this workspace (else all)")
        parser.add_argument("--once", action="store_true",
                            help="one round of due readings, then exit (else: every "
                                 "SMMDESK_ANALYTICS_INTERVAL_SECONDS until stopped)")

    def handle(self, *args, action, once=False, workspace=None, **options):
        if action == "rebuild-latest":
            return self._rebuild(workspace)
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

    def _rebuild(self, slug: str | None) -> None:
        from smmdesk.accounts.models import Workspace
        from smmdesk.analytics.services import latest_rebuild

        ws = None
        if slug:
            ws = Workspace.objects.filter(slug=slug).first()
            if ws is None:
                raise CommandError(f"No workspace with the address name {slug!r}.")
        made = latest_rebuild(workspace=ws)
        self.stdout.write(f"analytics: the latest reading of {made} publications rebuilt")

from __future__ import annotations

from django.core.management.base import BaseCommand

from smmdesk.core.models import OutboxMessage, OutboxStatus
from smmdesk.core.outbox import outbox_counts, outbox_retry


class Command(BaseCommand):
    help = ("Show the e-mails, alerts and replies waiting to be sent and those given up, "
            "with their last error; --retry sends given-up ones again.")

    def add_arguments(self, parser):
        parser.add_argument("--retry", nargs="*", type=int, metavar="ID",
                            help="try these given-up messages again (no ID: all of them)")

    def handle(self, *args, retry=None, **options):
        if retry is not None:
            n = outbox_retry(ids=retry or None)
            self.stdout.write(f"outbox: {n} given-up messages will be tried again")
            return
        counts = outbox_counts()
        self.stdout.write(f"outbox: {counts['waiting']} waiting, {counts['dead']} given up")
        for m in (OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
                  .select_related("workspace").order_by("-created_at")[:50]):
            where = m.workspace.name if m.workspace_id else "-"
            self.stdout.write(f"{m.pk}  {m.kind}  {where}  {m.created_at:%Y-%m-%d %H:%M}  "
                              f"{m.attempts} tries  {m.last_error}")

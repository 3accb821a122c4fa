"""``smmdesk report --workspace SLUG --period 2026-11 --format pdf --out FILE``."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Make a report of a workspace for a period and write it as PDF or CSV "
            "(the report is also kept, for the workspace's Reports page).")

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--period", required=True,
                            help="a month (2026-11), an ISO week (2026-W47) or "
                                 "START..END (2026-11-01..2026-11-30)")
        parser.add_argument("--format", choices=["pdf", "csv"], default="pdf")
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--sections", default="",
                            help="comma-separated: summary,growth,top_posts,rubrics,inbox,"
                                 "sentiment,conversions,roi,plan (default: all)")
        parser.add_argument("--channels", default="", help="comma-separated channel ids "
                                                           "(default: all)")
        parser.add_argument("--language", default="",
                            help="en, ru, uk or be (default: the workspace's)")

    def handle(self, *args, workspace, period, format, out, sections, channels, language,
               **options):
        from smmdesk.accounts.models import Workspace
        from smmdesk.analytics.reports.figures import SECTIONS
        from smmdesk.analytics.reports.services import period_parse, report_build
        from smmdesk.lib.errors import SmmdeskError

        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with the slug {workspace!r}.")
        chosen = [s.strip() for s in sections.split(",") if s.strip()]
        unknown = sorted(set(chosen) - set(SECTIONS))
        if unknown:
            raise CommandError(f"Unknown section(s): {', '.join(unknown)}. "
                               f"Known: {', '.join(SECTIONS)}.")
        try:
            ids = [int(c) for c in channels.split(",") if c.strip()]
        except ValueError:
            raise CommandError("--channels takes channel ids, e.g. 3,5.") from None
        began = time.monotonic()
        try:
            start, end = period_parse(period)
            report = report_build(workspace=ws, start=start, end=end, channel_ids=ids,
                                  sections=chosen, language=language)
        except SmmdeskError as exc:
            raise CommandError(exc.message) from None
        if format == "pdf" and not report.pdf:
            raise CommandError(report.error or "The PDF could not be made.")
        data = bytes(report.pdf) if format == "pdf" else report.csv.encode("utf-8")
        Path(out).write_bytes(data)
        self.stdout.write(f"wrote {out}: {format.upper()}, {len(data)} bytes, report #{report.pk} "
                          f"of {ws.slug} for {start.isoformat()}..{end.isoformat()}, "
                          f"{len(report.sections)} sections, "
                          f"{time.monotonic() - began:.1f} s")

"""Analytics at scale: a year of snapshots for many channels, then the pages people open.

    python bench/analytics.py --channels 50 --days 365
    SMMDESK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/smmdesk_bench \\
        python bench/analytics.py --channels 50 --days 365

Fills ``--channels`` sandbox channels with a daily channel snapshot for each of ``--days``
days and ``--posts`` published posts a day per channel, each with its snapshot ladder
(1 h … 90 d, as far as its age allows), written in bulk as the demo's history is (with
each post's latest reading, ``PostLatest``). Then runs ``ANALYZE`` (SQLite and PostgreSQL
alike), as a real install's autovacuum / ``PRAGMA optimize`` would have gathered the
tables' statistics by then, so the planners choose as they would in use, and prepares the
process as ``smmdesk web`` does (``smmdesk.wsgi.prepare``: views loaded, ``gc.freeze``).
Then times,
``--runs`` times each after one warm-up:

- dashboard: the Analytics page for the last 30 days, all channels (the whole request:
  selectors, both periods, rendering);
- post table: the top/bottom posts of the last 30 days as CSV (the ranking by each
  publication's last snapshot);
- heatmap: the best-time heatmaps of every channel and of the workspace.

- report: a one-month report (the last complete month, every section, PDF with its
  charts, CSV and figures) for all channels, ``--report-runs`` times after one warm-up;
  the slowest run is printed.

Last line:
``analytics: channels=50 days=365 snapshots=N dashboard_p95_ms=X post_table_p95_ms=Y
heatmap_p95_ms=Z report_pdf_s=W``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # see bench/dispatch.py

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from datetime import time as dtime  # noqa: E402

from bench.harness import setup_django  # noqa: E402

LADDER_HOURS = (1, 6, 24, 72, 168, 720, 2160)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def fill(channels: int, days: int, per_day: int) -> tuple:
    from django.utils import timezone

    from smmdesk.accounts.services import user_create, workspace_create
    from smmdesk.analytics.models import ChannelSnapshot, PostSnapshot
    from smmdesk.analytics.services import snapshots_record
    from smmdesk.channels.services import channel_connect
    from smmdesk.content.models import Post
    from smmdesk.publishing.models import new_marker
    from smmdesk.publishing.services import Published, publications_record_published

    rng, now = random.Random(7), timezone.now()
    owner = user_create(email="bench@example.com", password="bench-bench-bench")
    ws = workspace_create(name="Bench", owner=owner, timezone_name="Europe/Kyiv")
    chans = [channel_connect(workspace=ws, kind="sandbox", actor=owner,
                             data={"name": f"Channel {i}"}) for i in range(channels)]
    today = timezone.localdate(now, ws.tz)
    post_rows = snap_rows = 0
    for channel in chans:
        followers = rng.randint(500, 50_000)
        daily = []
        for back in range(days, 0, -1):
            followers += rng.randint(-5, 25)
            daily.append(ChannelSnapshot(
                workspace=ws, channel=channel, day=today - timedelta(days=back),
                taken_at=now - timedelta(days=back), followers=followers,
                views=rng.randint(100, 9000), reach=rng.randint(80, 7000)))
        ChannelSnapshot.objects.bulk_create(daily, batch_size=2000)
        snap_rows += len(daily)
        drafts = [datetime.combine(today - timedelta(days=back),
                                   dtime(rng.randint(8, 22), rng.randint(0, 59)),
                                   tzinfo=ws.tz)
                  for back in range(days, 0, -1) for _ in range(per_day)]
        posts = Post.objects.bulk_create(
            [Post(workspace=ws, author=owner, body=f"Post {k} of {channel.name}")
             for k in range(len(drafts))], batch_size=2000)
        pubs = publications_record_published(items=[
            Published(post=post, channel=channel, at=at, published_at=at, external_id=str(k),
                      external_url="", marker=new_marker())
            for k, (post, at) in enumerate(zip(posts, drafts, strict=True))],
            actor=owner, worker_id="bench")
        rows = []
        for pub in pubs:
            reach = rng.randint(50, 5000)
            for hours in LADDER_HOURS:
                taken = pub.published_at + timedelta(hours=hours)
                if taken > now:
                    break
                grown = 1 - 0.5 ** (hours / 12)
                views = int(reach * 1.3 * grown)
                rows.append(PostSnapshot(
                    workspace=ws, publication=pub, channel=channel, taken_at=taken,
                    age_hours=hours, views=views, reach=int(reach * grown),
                    likes=views // 20, comments=views // 200, reposts=views // 400,
                    saves=views // 300, clicks=views // 150))
        snapshots_record(snapshots=rows, batch_size=2000)  # and each post's PostLatest
        post_rows += len(pubs)
        snap_rows += len(rows)
    return ws, owner, chans, post_rows, snap_rows


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up: caches, the first query plan
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--posts", type=int, default=5, help="posts a day per channel")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--report-runs", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from smmdesk.analytics.timing import heatmap_list

    started = time.perf_counter()
    ws, owner, chans, posts, snaps = fill(args.channels, args.days, args.posts)
    print(f"filled: posts={posts} snapshots={snaps} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would gather
        cursor.execute("ANALYZE")
    from smmdesk.wsgi import prepare

    prepare()  # as `smmdesk web` does before it serves
    setup_test_environment()
    client = Client()
    client.force_login(owner)

    def page(url: str):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return get

    dashboard = timed(page(f"/w/{ws.slug}/analytics/?days=30"), args.runs)
    table = timed(page(f"/w/{ws.slug}/analytics/export.csv?chart=top&days=30"), args.runs)
    heatmap = timed(lambda: heatmap_list(workspace=ws, channels=chans), args.runs)
    report = timed(lambda: report_pdf(ws), args.report_runs)
    print(f"analytics: channels={args.channels} days={args.days} snapshots={snaps} "
          f"dashboard_p95_ms={p95(dashboard):.0f} post_table_p95_ms={p95(table):.0f} "
          f"heatmap_p95_ms={p95(heatmap):.0f} report_pdf_s={max(report) / 1000:.1f}")


def report_pdf(ws) -> None:
    from django.utils import timezone

    from smmdesk.analytics.reports.services import previous_month, report_build

    start, end = previous_month(timezone.localdate(timezone.now(), ws.tz))
    report = report_build(workspace=ws, start=start, end=end, language="en")
    assert report.pdf and not report.error, report.error


if __name__ == "__main__":
    main()

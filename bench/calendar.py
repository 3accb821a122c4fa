"""Server-side render time of the calendar with a busy month.

    python bench/calendar.py --posts 5000

Builds one month with N posts spread over 20 channels (rubrics, campaigns, tasks, holidays
and plan slots included), then renders the month view and the week view 20 times each
through the whole Django stack (middleware, session, templates) on the embedded SQLite.
Last line: ``calendar: month_view_p95_ms=X week_view_p95_ms=Y``
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script shares its name with the standard library's ``calendar``: run from the
# repository root's point of view so that ``import calendar`` finds the real one.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402

from bench.harness import percentile, setup_django  # noqa: E402


def build(posts: int, channels_n: int):
    from smmdesk.accounts.services import user_create, workspace_create
    from smmdesk.channels.services import channel_connect
    from smmdesk.content.models import Post, Variant
    from smmdesk.content.services import campaign_create, rubric_create
    from smmdesk.publishing.models import Publication, Status
    from smmdesk.team.models import Task

    user = user_create(email="bench@example.com", password="x", check_password=False)
    ws = workspace_create(name="Busy agency", owner=user, timezone_name="Europe/Kyiv")
    channels = [channel_connect(workspace=ws, kind="sandbox", actor=user,
                                data={"name": f"Channel {i:02d}"}) for i in range(channels_n)]
    rubrics = [rubric_create(workspace=ws, name=n, target_share=s) for n, s in
               (("Useful", 40), ("Fun", 25), ("Selling", 20), ("Team", 15))]
    campaign = campaign_create(workspace=ws, name="Winter")
    rng = random.Random(5)
    month = date(2026, 12, 1)
    statuses = [Status.SCHEDULED] * 6 + [Status.PUBLISHED, Status.DRAFT, Status.PENDING_APPROVAL]
    started = time.monotonic()
    # Bulk inserts: the bench measures rendering, not creating.
    post_rows = Post.objects.bulk_create(
        Post(workspace=ws, author=user, body=f"Post {i}: " + "kava " * rng.randint(5, 40),
             rubric=rng.choice(rubrics), campaign=campaign if i % 3 == 0 else None)
        for i in range(posts))
    variants = Variant.objects.bulk_create(
        Variant(post=p, channel=rng.choice(channels)) for p in post_rows)
    pubs = []
    for v in variants:
        at = datetime(2026, 12, rng.randint(1, 31), rng.randint(7, 22), rng.choice((0, 30)),
                      tzinfo=ws.tz)
        pubs.append(Publication(workspace=ws, post=v.post, channel=v.channel, variant=v,
                                status=rng.choice(statuses), scheduled_at=at, due_at=at))
    Publication.objects.bulk_create(pubs)
    Task.objects.bulk_create(Task(workspace=ws, post=p, kind="design", assignee=user,
                                  due_at=datetime(2026, 11, 20, tzinfo=ws.tz))
                             for p in post_rows[::10])
    print(f"calendar: built {posts} posts on {channels_n} channels in "
          f"{time.monotonic() - started:.1f}s", file=sys.stderr)
    return ws, user, month


def measure(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    setup_django(SMMDESK_ALLOWED_HOSTS="*")
    from django.test import Client

    ws, user, month = build(args.posts, args.channels)
    client = Client()
    client.force_login(user)
    base = f"/w/{ws.slug}/calendar/"
    client.get(f"{base}?date={month}")  # warm up templates and connections
    month_ms = measure(client, f"{base}?view=month&date={month}", args.requests)
    week_ms = measure(client, f"{base}?view=week&date={month + timedelta(days=9)}",
                      args.requests)
    print(f"calendar: month p50={percentile(month_ms, 50):.0f} ms, week p50="
          f"{percentile(week_ms, 50):.0f} ms", file=sys.stderr)
    print(f"calendar: month_view_p95_ms={percentile(month_ms, 95):.0f} "
          f"week_view_p95_ms={percentile(week_ms, 95):.0f}")


if __name__ == "__main__":
    main()

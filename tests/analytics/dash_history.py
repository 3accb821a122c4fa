"""A hand-made fortnight for the dashboard tests (Europe/Kyiv; the period 1–7 December
2026 against 24–30 November). The expected figures are worked out in the comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from smmdesk.analytics.dashboard import Period
from smmdesk.analytics.models import ChannelSnapshot
from smmdesk.inbox.models import Lead, Message
from tests.analytics.history import connect, published, snapshot

KYIV = ZoneInfo("Europe/Kyiv")
PERIOD = Period(date(2026, 12, 1), date(2026, 12, 7))


def at(day: int, hour: int = 12, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=KYIV)


def day_snapshot(channel, day: date, followers, *, views=None, reach=None, hour=23):
    return ChannelSnapshot.objects.create(
        workspace=channel.workspace, channel=channel, day=day, followers=followers,
        views=views, reach=reach,
        taken_at=datetime.combine(day, datetime.min.time(), tzinfo=KYIV)
        + timedelta(hours=hour))


def make_history(workspace, owner):
    """Followers 900 (24 Nov) → 1000 (30 Nov, 1 Dec) → 1050 (3 Dec, second reading)
    → 1100 (7 Dec). Views per day: 500 on 1 Dec, 700 on 7 Dec (1200 in all).

    Posts (last snapshot counts):
    * 2 Dec "Big": likes 40 + comments 5 + reposts 3 + saves 2 = 50, views 1000;
      followers 1000 → ERpost 5 %; an earlier 1 h reading had likes 5.
    * 4 Dec "Small": likes 20, views 400; followers 1050 → ERpost 1.9048 %.
    Current: interactions 70, ERpost (mean) 3.4524 %, ERview 70/1400 = 5 %, growth
    +100 (10 %). Previous: one post on 28 Nov with likes 10, views 200, followers 900
    → ERpost 1.1111 %; growth +100 (11.11 %).
    Inbox: two messages on 2 Dec (one negative, answered after 30 min), one lead."""
    channel = connect(workspace, owner)
    day_snapshot(channel, date(2026, 11, 24), 900)
    day_snapshot(channel, date(2026, 11, 30), 1000)
    day_snapshot(channel, date(2026, 12, 1), 1000, views=500, reach=300)
    day_snapshot(channel, date(2026, 12, 3), 1040, hour=8)
    day_snapshot(channel, date(2026, 12, 3), 1050, hour=20)
    day_snapshot(channel, date(2026, 12, 7), 1100, views=700, reach=400)
    big = published(channel, owner, at(2), likes=5, views=100, age_hours=1, title="Big")
    snapshot(big, 24, likes=40, comments=5, reposts=3, saves=2, views=1000)
    published(channel, owner, at(4), likes=20, views=400, title="Small")
    published(channel, owner, at(28, month=11), likes=10, views=200, title="Before")
    negative = Message.objects.create(workspace=workspace, channel=channel,
                                      external_id="m1", text="cold coffee",
                                      created_at=at(2, 14), sentiment="negative",
                                      first_reply_at=at(2, 14) + timedelta(minutes=30))
    Message.objects.create(workspace=workspace, channel=channel, external_id="m2",
                           text="how much?", created_at=at(2, 15), sentiment="neutral")
    Lead.objects.create(workspace=workspace, message=negative, channel=channel,
                        created_at=at(2, 16))
    return channel

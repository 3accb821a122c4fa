"""ROI per channel, campaign and rubric, from hand-made conversions, costs and clicks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from smmdesk.analytics.models import (
    Attribution,
    Click,
    Conversion,
    ConversionSource,
    Cost,
    ShortLink,
)
from smmdesk.analytics.roi import conversions_summary, roi_get
from smmdesk.content.services import campaign_create, post_create, rubric_create
from tests.analytics.history import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(workspace, owner):
    kyiv, minsk = connect(workspace, owner, "Kyiv"), connect(workspace, owner, "Minsk")
    spring = campaign_create(workspace=workspace, name="Spring")
    useful = rubric_create(workspace=workspace, name="Useful")
    post = post_create(workspace=workspace, actor=owner, title="Beans", body="Beans",
                       rubric_id=useful.pk, campaign_id=spring.pk)
    return {"ws": workspace, "kyiv": kyiv, "minsk": minsk, "spring": spring,
            "useful": useful, "post": post}


def conv(ws, at, value, **kw):
    return Conversion.objects.create(workspace=ws, occurred_at=at, source=ConversionSource.API,
                                     value=None if value is None else Decimal(value), **kw)


def at(day: int, hour: int = 12, tz="Europe/Kyiv"):
    from zoneinfo import ZoneInfo
    return datetime(2026, 3, day, hour, tzinfo=ZoneInfo(tz))


def test_roi_by_channel_campaign_and_rubric(setup):
    s = setup
    ws = s["ws"]
    conv(ws, at(2), "300", channel=s["kyiv"], post=s["post"], campaign=s["spring"],
         attribution=Attribution.CLICK)
    conv(ws, at(3), "100", channel=s["kyiv"], attribution=Attribution.UTM)
    conv(ws, at(4), None, channel=s["minsk"])
    conv(ws, at(5), "50")  # not attributed
    conv(ws, at(20), "999", channel=s["kyiv"])  # outside the period
    Cost.objects.create(workspace=ws, amount=Decimal("200"), spent_on=date(2026, 3, 1),
                        channel=s["kyiv"], post=s["post"])  # campaign from the post
    Cost.objects.create(workspace=ws, amount=Decimal("40"), spent_on=date(2026, 3, 10),
                        channel=s["minsk"])
    Cost.objects.create(workspace=ws, amount=Decimal("77"), spent_on=date(2026, 2, 28))
    link = ShortLink.objects.create(workspace=ws, code="abcdefgh", target="https://x.by",
                                    channel=s["kyiv"], post=s["post"], campaign=s["spring"])
    for day in (1, 2, 3):
        Click.objects.create(link=link, at=at(day), visitor=f"v{day}")
    Click.objects.create(link=link, at=at(2), visitor="bot", bot=True)

    roi = roi_get(workspace=ws, start=date(2026, 3, 1), end=date(2026, 3, 10))
    t = roi.total
    assert (t.cost, t.revenue, t.conversions, t.clicks) == (Decimal("240"), Decimal("450"), 4, 3)
    assert t.roi == pytest.approx((450 - 240) / 240 * 100)
    assert t.cost_per_result == Decimal("60.00")
    assert roi.currency == "USD"

    by_channel = {r.label: r for r in roi.by_channel}
    kyiv = by_channel["Kyiv"]
    assert (kyiv.cost, kyiv.revenue, kyiv.conversions, kyiv.clicks) == (
        Decimal("200"), Decimal("400"), 2, 3)
    assert kyiv.roi == pytest.approx(100.0) and kyiv.cost_per_result == Decimal("100.00")
    minsk = by_channel["Minsk"]
    assert minsk.roi == pytest.approx(-100.0) and minsk.cost_per_result == Decimal("40.00")
    assert roi.by_channel[-1].key is None and roi.by_channel[-1].revenue == Decimal("50")
    assert roi.by_channel[-1].roi is None  # no cost: no ROI

    spring = next(r for r in roi.by_campaign if r.key == s["spring"].pk)
    assert (spring.cost, spring.revenue, spring.conversions) == (Decimal("200"),
                                                                Decimal("300"), 1)
    assert spring.roi == pytest.approx(50.0)
    useful = next(r for r in roi.by_rubric if r.key == s["useful"].pk)
    assert (useful.label, useful.revenue, useful.clicks) == ("Useful", Decimal("300"), 3)

    only_minsk = roi_get(workspace=ws, start=date(2026, 3, 1), end=date(2026, 3, 10),
                         channel_ids=[s["minsk"].pk])
    assert (only_minsk.total.cost, only_minsk.total.conversions,
            only_minsk.total.clicks) == (Decimal("40"), 1, 0)


def test_dates_are_inclusive_in_the_workspace_time_zone(setup):
    ws = setup["ws"]
    conv(ws, at(1, 0, "Europe/Kyiv"), "10")       # 1 March 00:00 in Kyiv: in
    conv(ws, at(10, 23, "Europe/Kyiv"), "20")     # 10 March 23:00 in Kyiv: in
    conv(ws, at(11, 0, "Europe/Kyiv"), "40")      # 11 March: out
    conv(ws, at(28, 23, "Europe/Kyiv").replace(month=2), "80")  # 28 Feb: out
    roi = roi_get(workspace=ws, start=date(2026, 3, 1), end=date(2026, 3, 10))
    assert roi.total.revenue == Decimal("30") and roi.total.conversions == 2
    assert roi.total.roi is None and roi.total.cost_per_result is None


def test_conversions_summary_by_kind_and_attribution(setup):
    ws = setup["ws"]
    conv(ws, at(2), "300", kind="order", attribution=Attribution.PROMO)
    conv(ws, at(2), "100", kind="order", attribution=Attribution.CLICK)
    conv(ws, at(3), None, kind="registration")
    summary = conversions_summary(workspace=ws, start=date(2026, 3, 1), end=date(2026, 3, 3))
    assert (summary.count, summary.value) == (3, Decimal("400"))
    kinds = {b.key: (b.count, b.value) for b in summary.by_kind}
    assert kinds["order"] == (2, Decimal("400")) and kinds["registration"][0] == 1
    assert kinds["call"] == (0, Decimal("0"))
    attrs = {b.key: b.count for b in summary.by_attribution}
    assert attrs == {"click": 1, "promo": 1, "utm": 0, "lead": 0, "none": 1}
    assert [(d.day, n) for d, n, _v in summary.per_day] == [(1, 0), (2, 2), (3, 1)]

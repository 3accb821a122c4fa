"""Costs: an amount, or hours at the hourly rate; the CSV import with errors per line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from smmdesk.analytics.conversions import analytics_settings_update
from smmdesk.analytics.costs import cost_create, cost_delete
from smmdesk.analytics.models import Cost
from smmdesk.analytics.money_csv import costs_import
from smmdesk.content.services import campaign_create, post_create
from smmdesk.lib.errors import InvalidInput, NotFound
from tests.analytics.history import connect

pytestmark = pytest.mark.django_db


def test_an_amount_is_kept_as_given(workspace, owner):
    cost = cost_create(workspace=workspace, kind="ads", amount="1 250,40",
                       spent_on="2026-03-02", actor=owner)
    assert (cost.amount, cost.hours, cost.spent_on, cost.created_by) == (
        Decimal("1250.40"), None, date(2026, 3, 2), owner)


def test_hours_are_priced_at_the_hourly_rate(workspace, owner):
    with pytest.raises(InvalidInput) as err:
        cost_create(workspace=workspace, kind="production", hours="3", spent_on="2026-03-02",
                    actor=owner)
    assert err.value.code == "hourly_rate_missing" and not Cost.objects.exists()
    analytics_settings_update(workspace=workspace, hourly_rate="12.50")
    cost = cost_create(workspace=workspace, kind="production", hours="2,5",
                       spent_on="2026-03-02", actor=owner)
    assert (cost.amount, cost.hours) == (Decimal("31.25"), Decimal("2.50"))


def test_a_posts_cost_takes_the_posts_campaign(workspace, owner):
    campaign = campaign_create(workspace=workspace, name="Spring")
    post = post_create(workspace=workspace, actor=owner, title="x", body="x",
                       campaign_id=campaign.pk)
    cost = cost_create(workspace=workspace, kind="influencer", amount=10, spent_on="2026-03-02",
                       post=post, actor=owner)
    assert cost.campaign == campaign


@pytest.mark.parametrize("kw,code", [
    ({"kind": "bribe", "amount": 1}, "invalid_cost_kind"),
    ({"amount": "-1"}, "negative_amount"), ({}, "amount_required"),
    ({"amount": 1, "spent_on": "32.01.2026"}, "invalid_date"),
    ({"hours": "0"}, "invalid_hours")])
def test_bad_costs_are_refused(workspace, owner, kw, code):
    kw = {"kind": "ads", "spent_on": "2026-03-02", **kw}
    with pytest.raises(InvalidInput) as err:
        cost_create(workspace=workspace, actor=owner, **kw)
    assert err.value.code == code and not Cost.objects.exists()


def test_another_workspaces_channel_is_refused_and_delete_stays_home(workspace, owner,
                                                                      outsider):
    theirs = outsider.memberships.first().workspace
    channel = connect(theirs, outsider)
    with pytest.raises(NotFound):
        cost_create(workspace=workspace, kind="ads", amount=1, spent_on="2026-03-02",
                    channel=channel, actor=owner)
    cost = cost_create(workspace=theirs, kind="ads", amount=1, spent_on="2026-03-02",
                       actor=outsider)
    with pytest.raises(NotFound):
        cost_delete(workspace=workspace, cost_id=cost.pk)
    cost_delete(workspace=theirs, cost_id=cost.pk)
    assert not Cost.objects.exists()


def test_csv_costs_by_channel_and_campaign_names(workspace, owner):
    channel = connect(workspace, owner, "Zerno · Kyiv")
    campaign = campaign_create(workspace=workspace, name="Spring")
    analytics_settings_update(workspace=workspace, hourly_rate="10")
    data = ("date,kind,amount,hours,channel,campaign,note\n"
            "2026-03-01,ads,300,,zerno · kyiv,Spring,Boost\n"
            "02.03.2026,production,,4,,,Video\n").encode()
    assert costs_import(workspace=workspace, data=data, actor=owner).imported == 2
    ads, video = Cost.objects.order_by("spent_on")
    assert (ads.amount, ads.channel, ads.campaign, ads.source) == (
        Decimal("300"), channel, campaign, "csv")
    assert (video.amount, video.hours, video.note) == (Decimal("40"), Decimal("4"), "Video")


def test_a_csv_with_bad_cost_rows_imports_nothing(workspace, owner):
    data = (b"date;kind;amount;hours;channel\n"
            b"2026-03-01;ads;300;;\n"
            b"2026-03-02;ads;;;\n"
            b"yesterday;ads;10;;Nowhere\n")
    with pytest.raises(InvalidInput) as err:
        costs_import(workspace=workspace, data=data, actor=owner)
    errors = [(e["line"], e["column"]) for e in err.value.details["errors"]]
    assert errors == [(3, "amount"), (4, "date"), (4, "channel")]
    assert "Nowhere" in err.value.details["errors"][-1]["problem"]
    assert not Cost.objects.exists()

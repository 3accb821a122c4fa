"""Conversions: attribution (promo, last click within the window, UTM, lead, none),
idempotency, bad input, the webhook's signature, the CSV import, and won inbox leads."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.analytics.conversions import (
    analytics_settings_get,
    analytics_settings_rotate_secret,
    analytics_settings_update,
    conversion_record,
    promo_code_create,
)
from smmdesk.analytics.links import link_create
from smmdesk.analytics.models import Attribution, Click, Conversion
from smmdesk.analytics.money_csv import conversions_import
from smmdesk.content.services import campaign_create, post_create
from smmdesk.inbox.models import Lead, LeadStatus, Message
from smmdesk.inbox.services import lead_set_status
from smmdesk.lib.errors import InvalidInput
from tests.analytics.history import connect

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def shop(workspace, owner):
    channel = connect(workspace, owner, "Zerno · Kyiv")
    campaign = campaign_create(workspace=workspace, name="Spring sale", utm_campaign="spring")
    post = post_create(workspace=workspace, actor=owner, title="Beans", body="Beans",
                       campaign_id=campaign.pk)
    link = link_create(workspace=workspace, target="https://zerno.by/shop", post=post,
                       channel=channel)
    return {"channel": channel, "campaign": campaign, "post": post, "link": link}


def record(workspace, **kw):
    kw.setdefault("kind", "order")
    kw.setdefault("source", "api")
    kw.setdefault("now", NOW)
    return conversion_record(workspace=workspace, **kw)


def click(link, *, days_ago: float, visitor="v1", bot=False):
    return Click.objects.create(link=link, at=NOW - timedelta(days=days_ago), visitor=visitor,
                                bot=bot)


# --- attribution ---------------------------------------------------------------------------

def test_a_promo_code_wins_over_everything_else(workspace, shop):
    promo_code_create(workspace=workspace, code="SMM10", post=shop["post"],
                      channel=shop["channel"])
    click(shop["link"], days_ago=1)
    c = record(workspace, promo_code="smm10", link=shop["link"].code, value="1 200,50",
               occurred_at=NOW)
    assert c.attribution == Attribution.PROMO and c.promo.code == "SMM10"
    assert (c.post, c.channel, c.campaign) == (shop["post"], shop["channel"], shop["campaign"])
    assert c.value == Decimal("1200.50") and c.created


def test_the_last_click_on_the_link_within_the_window_is_credited(workspace, shop):
    analytics_settings_update(workspace=workspace, attribution_days=7)
    click(shop["link"], days_ago=10)
    last = click(shop["link"], days_ago=2)
    click(shop["link"], days_ago=1, bot=True)  # a bot's click never counts
    c = record(workspace, utm={"utm_content": shop["link"].code}, occurred_at=NOW)
    assert c.attribution == Attribution.CLICK and c.click == last and c.link == shop["link"]
    assert (c.post, c.channel, c.campaign) == (shop["post"], shop["channel"], shop["campaign"])


def test_a_click_outside_the_window_is_not_credited(workspace, shop):
    analytics_settings_update(workspace=workspace, attribution_days=3)
    click(shop["link"], days_ago=4)
    c = record(workspace, link=shop["link"].code, occurred_at=NOW)
    assert c.attribution == Attribution.NONE and c.click is None and c.channel is None


def test_a_visitor_hash_finds_that_visitors_last_click(workspace, shop):
    other = link_create(workspace=workspace, target="https://zerno.by/other")
    click(shop["link"], days_ago=3, visitor="alice")
    mine = click(other, days_ago=1, visitor="alice")
    click(shop["link"], days_ago=0.5, visitor="bob")
    c = record(workspace, visitor="alice", occurred_at=NOW)
    assert c.click == mine and c.link == other
    assert record(workspace, occurred_at=NOW).attribution == Attribution.NONE  # no guess


def test_a_click_after_the_conversion_does_not_count(workspace, shop):
    click(shop["link"], days_ago=1)
    c = record(workspace, link=shop["link"].code, occurred_at=NOW - timedelta(days=2))
    assert c.attribution == Attribution.NONE


def test_another_workspaces_link_and_promo_are_not_credited(workspace, shop, outsider):
    theirs = outsider.memberships.first().workspace
    promo_code_create(workspace=theirs, code="THEIRS")
    c = record(workspace, promo_code="THEIRS", link="zzzzzzzz", occurred_at=NOW)
    assert c.attribution == Attribution.NONE


def test_utm_campaign_and_source_are_matched(workspace, shop):
    c = record(workspace, utm={"utm_campaign": "spring", "utm_source": "sandbox"})
    assert c.attribution == Attribution.UTM
    assert (c.campaign, c.channel) == (shop["campaign"], shop["channel"])
    by_name = record(workspace, utm={"utm_campaign": "Spring-Sale"})
    assert by_name.campaign == shop["campaign"]
    assert record(workspace, utm={"utm_campaign": "autumn"}).attribution == Attribution.NONE


def test_a_lead_is_credited_to_its_channel(workspace, shop):
    lead = _lead(workspace, shop["channel"])
    c = record(workspace, kind="lead", lead=lead)
    assert c.attribution == Attribution.LEAD and c.channel == shop["channel"] and c.lead == lead


# --- idempotency and bad input --------------------------------------------------------------

def test_the_same_external_id_is_stored_once(workspace, shop):
    first = record(workspace, external_id="order-1", value=10)
    again = record(workspace, external_id="order-1", value=99)
    assert again.pk == first.pk and not again.created
    assert Conversion.objects.count() == 1 and Conversion.objects.get().value == Decimal("10")


@pytest.mark.parametrize("kw,code", [
    ({"kind": "purchase"}, "invalid_kind"), ({"value": "-5"}, "negative_value"),
    ({"value": "abc"}, "invalid_value"), ({"occurred_at": "yesterday"}, "invalid_date"),
    ({"occurred_at": "2999-01-01"}, "future_date"), ({"value": "NaN"}, "invalid_value")])
def test_bad_input_is_refused_with_a_clear_error(workspace, kw, code):
    with pytest.raises(InvalidInput) as err:
        record(workspace, **kw)
    assert err.value.code == code and str(err.value.message)
    assert not Conversion.objects.exists()


def test_a_date_without_a_zone_is_the_workspaces_time(workspace):
    c = record(workspace, occurred_at="2026-03-02 14:05")
    local = timezone.localtime(c.occurred_at, workspace.tz)
    assert (local.day, local.hour, local.minute) == (2, 14, 5)


# --- settings -------------------------------------------------------------------------------

def test_settings_are_made_with_a_secret_that_rotates(workspace):
    s = analytics_settings_get(workspace=workspace)
    assert len(s.webhook_secret) == 64
    assert analytics_settings_get(workspace=workspace).webhook_secret == s.webhook_secret
    assert analytics_settings_rotate_secret(workspace=workspace).webhook_secret != \
        s.webhook_secret
    s = analytics_settings_update(workspace=workspace, attribution_days="14", currency="uah",
                                  hourly_rate="25,5")
    assert (s.attribution_days, s.currency, s.hourly_rate) == (14, "UAH", Decimal("25.50"))
    for bad in ({"attribution_days": 0}, {"currency": "hryvnia"}, {"hourly_rate": "-1"},
                {"brand_color": "blue"}):
        with pytest.raises(InvalidInput):
            analytics_settings_update(workspace=workspace, **bad)


# --- the signed webhook -----------------------------------------------------------------------

def _post(workspace, payload: dict, *, secret=None, timestamp=None, signature=None):
    body = json.dumps(payload).encode()
    secret = secret or analytics_settings_get(workspace=workspace).webhook_secret
    sig = signature or "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"HTTP_X_SMMDESK_SIGNATURE": sig}
    if timestamp is not None:
        headers["HTTP_X_SMMDESK_TIMESTAMP"] = str(timestamp)
    return Client().post(f"/hooks/conversions/{workspace.pk}/", body,
                         content_type="application/json", **headers)


def test_a_signed_conversion_is_stored_once(workspace, shop):
    payload = {"kind": "order", "value": 1500, "external_id": "o-77",
               "utm": {"utm_campaign": "spring"}}
    r = _post(workspace, payload, timestamp=int(time.time()))
    assert r.status_code == 201, r.content
    body = r.json()
    c = Conversion.objects.get(pk=body["id"])
    assert (c.source, c.value, c.attribution, body["created"]) == (
        "webhook", Decimal("1500.00"), "utm", True)
    again = _post(workspace, payload)
    assert again.status_code == 200 and again.json()["id"] == c.pk
    assert Conversion.objects.count() == 1


def test_a_bad_or_missing_signature_is_refused(workspace):
    r = _post(workspace, {"kind": "order"}, secret="not-the-secret")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_signature"
    r = _post(workspace, {"kind": "order"}, signature="sha256=" + "0" * 64)
    assert r.status_code == 401
    r = Client().post(f"/hooks/conversions/{workspace.pk}/", b"{}",
                      content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "signature_missing"
    assert not Conversion.objects.exists()


def test_another_workspaces_secret_does_not_sign_for_this_one(workspace, outsider):
    theirs = outsider.memberships.first().workspace
    secret = analytics_settings_get(workspace=theirs).webhook_secret
    analytics_settings_get(workspace=workspace)
    assert _post(workspace, {"kind": "order"}, secret=secret).status_code == 401


def test_a_stale_timestamp_is_refused(workspace):
    r = _post(workspace, {"kind": "order"}, timestamp=int(time.time()) - 6 * 60)
    assert r.status_code == 401 and r.json()["error"]["code"] == "stale"
    r = _post(workspace, {"kind": "order"}, timestamp="soon")
    assert r.status_code == 400
    assert not Conversion.objects.exists()


def test_bad_bodies_get_a_400_with_a_message(workspace):
    for payload, code in (({"kind": "hug"}, "invalid_kind"),
                          ({"kind": "order", "value": -1}, "negative_value"),
                          ({"kind": "order", "external_id": {"a": 1}}, "invalid_field")):
        r = _post(workspace, payload)
        assert r.status_code == 400 and r.json()["error"]["code"] == code, payload
        assert r.json()["error"]["message"]
    body = b"not json"
    secret = analytics_settings_get(workspace=workspace).webhook_secret
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    r = Client().post(f"/hooks/conversions/{workspace.pk}/", body,
                      content_type="application/json", HTTP_X_SMMDESK_SIGNATURE=sig)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    assert Client().post("/hooks/conversions/999999/", b"{}",
                         content_type="application/json").status_code == 404
    r = _post(workspace, {"kind": "order", "click": 10**30, "link": "x" * 5000})
    assert r.status_code == 201 and r.json()["attribution"] == "none"  # no such click: none


# --- CSV -------------------------------------------------------------------------------------

def test_csv_conversions_are_imported_with_semicolons(workspace, shop):
    promo_code_create(workspace=workspace, code="SMM10", channel=shop["channel"])
    data = (b"date;kind;value;promo_code;utm_campaign;external_id;note\n"
            b"2026-03-02;order;1 500,50;SMM10;;csv-1;first\n"
            b"02.03.2026;registration;;;spring;csv-2;\n"
            b";;;;;;\n")
    done = conversions_import(workspace=workspace, data=data)
    assert (done.imported, done.skipped) == (2, 0)
    promo = Conversion.objects.get(external_id="csv-1")
    assert (promo.attribution, promo.value, promo.source) == ("promo", Decimal("1500.50"), "csv")
    assert Conversion.objects.get(external_id="csv-2").campaign == shop["campaign"]
    again = conversions_import(workspace=workspace, data=data)
    assert (again.imported, again.skipped) == (0, 2)


def test_a_csv_with_bad_rows_imports_nothing_and_names_each_line(workspace):
    data = (b"date,kind,value,external_id\n"
            b"2026-03-02,order,100,ok-1\n"
            b"2026-13-45,order,100,bad-date\n"
            b"2026-03-03,gift,-5,bad-kind-and-value\n")
    with pytest.raises(InvalidInput) as err:
        conversions_import(workspace=workspace, data=data)
    errors = err.value.details["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(3, "date"), (4, "kind"),
                                                         (4, "value")]
    assert not Conversion.objects.exists()
    with pytest.raises(InvalidInput) as err:
        conversions_import(workspace=workspace, data=b"kind,value\norder,1\n")
    assert err.value.code == "csv_header"


# --- inbox leads -----------------------------------------------------------------------------

def _lead(workspace, channel, value=None):
    message = Message.objects.create(workspace=workspace, channel=channel, external_id="m1",
                                     text="How much is the blend?", intent="purchase",
                                     created_at=NOW)
    return Lead.objects.create(workspace=workspace, message=message, channel=channel,
                               value=value)


def test_a_won_lead_is_a_conversion_and_marking_it_back_removes_it(
        workspace, shop, django_capture_on_commit_callbacks):
    lead = _lead(workspace, shop["channel"])
    with django_capture_on_commit_callbacks(execute=True):
        lead_set_status(lead=lead, status=LeadStatus.WON, value="750")
    c = Conversion.objects.get(lead=lead)
    assert (c.kind, c.source, c.attribution, c.value, c.channel) == (
        "lead", "inbox", "lead", Decimal("750.00"), shop["channel"])
    with django_capture_on_commit_callbacks(execute=True):
        lead_set_status(lead=lead, status=LeadStatus.WON, value="900")
    assert Conversion.objects.get().value == Decimal("900.00")  # one, with the new value
    with django_capture_on_commit_callbacks(execute=True):
        lead_set_status(lead=lead, status=LeadStatus.LOST)
    assert not Conversion.objects.exists()


def test_nothing_is_recorded_before_the_lead_change_commits(
        workspace, shop, django_capture_on_commit_callbacks):
    lead = _lead(workspace, shop["channel"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead_set_status(lead=lead, status=LeadStatus.WON, value="10")
    assert len(callbacks) == 1 and not Conversion.objects.exists()

"""The "Conversions and ROI" page: KPIs, ROI tables, chart with table and CSV, the forms
(owners and managers only), the CSV import's errors, and the webhook's address."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from smmdesk.analytics.conversions import analytics_settings_get
from smmdesk.analytics.models import AnalyticsSettings, Conversion, Cost, PromoCode
from tests.analytics.history import connect

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def url(workspace):
    return f"/w/{workspace.slug}/analytics/money/"


@pytest.fixture
def today(workspace):
    return timezone.localdate(timezone.now(), workspace.tz)


def test_an_empty_page_says_what_to_do(owner, url):
    page = login(owner).get(url).content.decode()
    assert "No conversions in this period" in page and "webhook below" in page
    assert "ROI needs the period" in page and "No promo codes yet" in page
    assert 'id="conversion-form"' in page and "openssl dgst -sha256 -hmac" in page


def test_the_owner_adds_costs_and_conversions_and_sees_roi(workspace, owner, url, today):
    channel = connect(workspace, owner)
    c = login(owner)
    r = c.post(url + "costs/add/", {"kind": "ads", "amount": "100", "channel": channel.pk,
                                    "spent_on": today.isoformat()})
    assert r.status_code == 302 and Cost.objects.get().channel == channel
    r = c.post(url + "promo/add/", {"code": "SMM10", "channel": channel.pk})
    assert r.status_code == 302 and PromoCode.objects.get().channel == channel
    r = c.post(url + "conversions/add/", {"kind": "order", "value": "250",
                                          "promo_code": "SMM10"})
    assert r.status_code == 302
    conv = Conversion.objects.get()
    assert (conv.source, conv.attribution, conv.channel) == ("manual", "promo", channel)
    page = c.get(url).content.decode()
    assert 'data-kpi="roi"' in page and "150" in page  # (250 − 100) / 100 × 100
    assert 'data-roi="channel"' in page and channel.name in page
    assert 'data-chart="conversions"' in page and 'data-chart-table="conversions"' in page
    csv = c.get(url + "export.csv?table=days").content.decode("utf-8-sig")
    assert f"{today.isoformat()},1,250.00" in csv
    by_channel = c.get(url + "export.csv?table=channel").content.decode("utf-8-sig")
    assert f"{channel.name},100.00,250.00,1" in by_channel
    assert c.get(url + "export.csv?table=nope").status_code == 404


def test_a_bad_form_keeps_what_was_typed_and_says_why(owner, url):
    r = login(owner).post(url + "conversions/add/", {"kind": "order", "value": "-3",
                                                     "note": "typed note"})
    page = r.content.decode()
    assert r.status_code == 400 and "cannot be negative" in page and "typed note" in page
    assert not Conversion.objects.exists()


def test_csv_import_errors_name_the_rows(owner, url):
    data = b"date,kind,value\n2026-03-01,order,10\n2026-03-02,gift,10\n"
    r = login(owner).post(url + "conversions/import/",
                          {"file": SimpleUploadedFile("c.csv", data, "text/csv")})
    page = r.content.decode()
    assert r.status_code == 400 and 'id="import-error"' in page and "Row 3" in page
    assert not Conversion.objects.exists()


def test_costs_import_and_delete(workspace, owner, url, today):
    c = login(owner)
    data = f"date;kind;amount\n{today.isoformat()};ads;70\n".encode()
    r = c.post(url + "costs/import/", {"file": SimpleUploadedFile("c.csv", data)})
    assert r.status_code == 302 and Cost.objects.get().amount == Decimal("70")
    c.post(url + "costs/delete/", {"id": Cost.objects.get().pk})
    assert not Cost.objects.exists()


def test_settings_and_a_new_secret(workspace, owner, url):
    c = login(owner)
    old = analytics_settings_get(workspace=workspace).webhook_secret
    c.post(url + "settings/", {"attribution_days": "14", "currency": "eur",
                               "hourly_rate": "20"})
    s = AnalyticsSettings.objects.get()
    assert (s.attribution_days, s.currency, s.hourly_rate) == (14, "EUR", Decimal("20"))
    c.post(url + "settings/rotate/")
    assert AnalyticsSettings.objects.get().webhook_secret != old
    r = c.post(url + "settings/", {"currency": "euro"})
    assert r.status_code == 400 and AnalyticsSettings.objects.get().currency == "EUR"


def test_an_analyst_reads_but_sees_no_forms_or_secret(workspace, owner, analyst, url):
    secret = analytics_settings_get(workspace=workspace).webhook_secret
    page = login(analyst).get(url).content.decode()
    assert "Conversions and ROI" in page and f"/hooks/conversions/{workspace.pk}/" in page
    assert secret not in page and 'id="conversion-form"' not in page
    assert login(analyst).post(url + "costs/add/", {}).status_code == 403


def test_the_period_and_channel_filter(workspace, owner, url, today):
    channel = connect(workspace, owner)
    old = timezone.now() - timedelta(days=40)
    Conversion.objects.create(workspace=workspace, source="api", occurred_at=old,
                              value=Decimal("77"), note="long ago")
    c = login(owner)
    assert "long ago" not in c.get(url).content.decode()
    assert "long ago" in c.get(url + "?days=90").content.decode()
    assert c.get(url + f"?channel={channel.pk}").status_code == 200
    assert c.get(url + "?channel=999999").status_code == 404


def test_the_analytics_page_links_here(owner, workspace, url):
    page = login(owner).get(f"/w/{workspace.slug}/analytics/").content.decode()
    assert url in page


@pytest.mark.parametrize("language", ["ru", "uk", "be"])
def test_the_page_opens_in_each_language(workspace, owner, analyst, url, language):
    Conversion.objects.create(workspace=workspace, source="api", value=Decimal("5"))
    for user in (owner, analyst):
        user.language = language
        user.save(update_fields=["language"])
        r = login(user).get(url)
        assert r.status_code == 200 and f'lang="{language}"' in r.content.decode()

"""Each language writes dates and times its own way (``smmdesk/formats``), everywhere.

Django has no Belarusian formats: without ours, Belarusian showed US dates and 12-hour
times («12/08/2026 9 папоўначы»).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.services import publication_schedule

AT = datetime(2026, 12, 8, 21, 5)

EXPECTED = {
    "en": ("Dec. 8, 2026", "12/08/2026 21:05", "21:05", "Dec. 8", "December 2026"),
    "ru": ("8 декабря 2026", "08.12.2026 21:05", "21:05", "8 дек.", "Декабрь 2026"),
    "uk": ("8 грудня 2026", "08.12.2026 21:05", "21:05", "8 груд.", "Грудень 2026"),
    "be": ("8 снежня 2026", "08.12.2026 21:05", "21:05", "8 снеж.", "Снежань 2026"),
}


@pytest.mark.parametrize("lang", EXPECTED)
def test_each_language_has_its_own_date_and_time(lang):
    page = Template('{% load desk %}{{ d|short_day }}|{{ d|date:"YEAR_MONTH_FORMAT" }}')
    with translation.override(lang):
        got = (date_format(AT, "DATE_FORMAT"), date_format(AT, "SHORT_DATETIME_FORMAT"),
               date_format(AT, "TIME_FORMAT"), *page.render(Context({"d": AT})).split("|"))
    assert got == EXPECTED[lang]


@pytest.mark.parametrize("lang,may", [("ru", "5 мая"), ("uk", "5 трав."), ("be", "5 мая")])
def test_short_months_are_lower_case_as_each_language_writes_them(lang, may):
    with translation.override(lang):
        assert Template("{% load desk %}{{ d|short_day }}").render(
            Context({"d": datetime(2027, 5, 5)})) == may


@pytest.mark.django_db
def test_a_belarusian_reader_sees_belarusian_dates_and_statuses(workspace, owner):
    owner.language = "be"
    owner.save(update_fields=["language"])
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=owner, body="Зімовы бленд")
    at = (datetime.now(ZoneInfo("Europe/Kyiv")) + timedelta(days=2)).replace(
        hour=21, minute=5, second=0, microsecond=0)
    publication_schedule(post=post, channel=channel, at=at, actor=owner)
    client = Client()
    client.force_login(owner)
    home = client.get(f"/w/{workspace.slug}/").content.decode()
    assert at.strftime("%d.%m.%Y 21:05") in home and "p.m." not in home
    day = client.get(f"/w/{workspace.slug}/calendar/?view=list&date={at:%Y-%m-%d}")
    text = day.content.decode()
    assert "Запланавана" in text and ">scheduled<" not in text
    assert "Sandbox (імітацыя сацсеткі)" in client.get(
        f"/w/{workspace.slug}/channels/").content.decode()

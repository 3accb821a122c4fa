"""The audience page (/w/<slug>/analytics/audience/) for the owner and the client, its
CSV downloads and its empty states, on the hand-made messages of
tests/analytics/test_audience.py (1–7 Dec 2026 vs 24–30 Nov)."""

from __future__ import annotations

import csv
import io
import re

from django.test import Client

from tests.analytics.dash_history import at
from tests.analytics.history import connect
from tests.analytics.test_audience import (
    channel,  # noqa: F401  (the fixture)
    write,
)

PERIOD = "from=2026-12-01&to=2026-12-07"


def _get(user, workspace, query: str = PERIOD):
    client = Client()
    client.force_login(user)
    return client.get(f"/w/{workspace.slug}/analytics/audience/?{query}")


def _page(user, workspace, query: str = PERIOD) -> str:
    response = _get(user, workspace, query)
    assert response.status_code == 200
    return response.content.decode()


def _kpi(html: str, name: str) -> str:
    card = re.search(rf'data-kpi="{name}">(.*?)</div>', html, re.S).group(1)
    return re.sub(r"<[^>]+>|\s+", "", card.split("data-value>", 1)[1])


def test_the_owner_sees_counts_names_and_grouped_questions(owner, workspace, channel):  # noqa: F811
    html = _page(owner, workspace)
    assert _kpi(html, "new") == "1" and _kpi(html, "returning") == "2"
    assert _kpi(html, "growth") == "100"
    assert "Bohdan" in html and "The coffee was cold" in html
    assert 'id="top-questions"' in html and "доставка" in html
    assert "intent=question" in html and "q=%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0" \
        in html  # the inbox, filtered to the group's word
    for chart in ("followers", "languages", "sentiment", "weeks"):
        assert f'data-chart="{chart}"' in html and f'id="chart-data-{chart}"' in html
    client = Client()
    client.force_login(owner)
    dashboard = client.get(f"/w/{workspace.slug}/analytics/").content.decode()
    assert f'href="/w/{workspace.slug}/analytics/audience/"' in dashboard


def test_the_client_sees_shares_and_no_texts_or_names(client_user, workspace, channel):  # noqa: F811
    html = _page(client_user, workspace)
    assert _kpi(html, "returning") == "2"
    for private in ("Bohdan", "Anna", "cold", "доставка", "Дуже смачно", 'id="top-commenters"'):
        assert private not in html
    assert 'id="audience-counts"' in html and 'data-chart="languages"' in html
    assert _get(client_user, workspace, PERIOD + "&format=csv&table=commenters") \
        .status_code == 404
    assert _get(client_user, workspace, PERIOD + "&format=csv&table=languages") \
        .status_code == 200


def test_the_editor_may_not_open_it(editor, workspace, channel):  # noqa: F811
    assert _get(editor, workspace).status_code == 403


def _csv(user, workspace, table: str) -> list[list[str]]:
    response = _get(user, workspace, f"{PERIOD}&format=csv&table={table}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_each_table_downloads_as_csv(owner, workspace, channel):  # noqa: F811
    rows = _csv(owner, workspace, "commenters")
    assert rows[0][:3] == ["Name", "Network", "Messages"]
    assert [r[0] for r in rows[1:]] == ["Anna", "Bohdan", "Vira"]
    assert _csv(owner, workspace, "languages")[1:] == [["English", "2"], ["Ukrainian", "2"],
                                                       ["Russian", "1"]]
    weeks = _csv(owner, workspace, "weeks")
    assert weeks[0] == ["Week from", "New", "Returning"] and weeks[1][1:] == ["1", "2"]
    questions = _csv(owner, workspace, "questions")
    assert questions[1][0] == "2" and "inbox" in questions[1][4]
    assert _get(owner, workspace, PERIOD + "&format=csv&table=nope").status_code == 404


def test_empty_states_say_what_to_do(owner, workspace):
    html = _page(owner, workspace)
    assert "Connect a channel" in html
    connect(workspace, owner)
    html = _page(owner, workspace)
    assert 'id="audience-no-messages"' in html and "Choose a longer period" in html
    assert "No questions in this period" in html


def test_a_foreign_channel_is_not_found(owner, workspace, channel, outsider):  # noqa: F811
    from smmdesk.accounts.models import Workspace

    theirs = connect(Workspace.objects.exclude(pk=workspace.pk).get(), outsider)
    assert _get(owner, workspace, f"{PERIOD}&channel={theirs.pk}").status_code == 404
    write(channel, "dmytro", at(2))
    assert _kpi(_page(owner, workspace, f"{PERIOD}&channel={channel.pk}"), "new") == "2"

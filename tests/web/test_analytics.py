"""The analytics dashboard page, its CSV export and the per-post curve, against the
hand-made fortnight of tests/analytics/dash_history.py (1–7 Dec 2026 vs 24–30 Nov)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from smmdesk.analytics.models import PostSnapshot
from smmdesk.analytics.services import latest_rebuild
from smmdesk.publishing.models import Publication
from tests.analytics.dash_history import make_history
from tests.analytics.history import connect

PERIOD = "from=2026-12-01&to=2026-12-07"


@pytest.fixture
def channel(workspace, owner):
    return make_history(workspace, owner)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user, workspace, query: str = PERIOD) -> str:
    response = _client(user).get(f"/w/{workspace.slug}/analytics/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def _kpi(html: str, name: str) -> tuple[str, str]:
    """(value, change line) of one KPI card, tags stripped."""
    card = re.search(rf'data-kpi="{name}">(.*?)</div>\s*</div>', html, re.S).group(1)
    value = re.search(r"data-value>(.*?)</div>", card, re.S).group(1)
    change = card.split("data-change>", 1)[1]
    strip = lambda s: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", s)).strip()
    return strip(value), strip(change)


def _csv(user, workspace, chart: str) -> list[list[str]]:
    response = _client(user).get(
        f"/w/{workspace.slug}/analytics/export.csv?{PERIOD}&chart={chart}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_shows_the_kpis_of_the_hand_made_snapshots(owner, workspace, channel):
    html = _page(owner, workspace)
    assert _kpi(html, "followers")[0] == "1,100"
    assert _kpi(html, "follower_growth") == ("100", "= 0.0 % before: 100")
    assert _kpi(html, "views")[0] == "1,200"
    assert _kpi(html, "interactions") == ("70", "▲ 600.0 % before: 10")
    assert _kpi(html, "er_post")[0] == "3.45 %"  # (5 % + 1.90 %) / 2
    assert _kpi(html, "er_view")[0] == "5.00 %"
    assert _kpi(html, "posts") == ("2", "▲ 100.0 % before: 1")
    assert _kpi(html, "leads")[0] == "1"
    assert _kpi(html, "first_reply")[0] == "30 min"
    assert _kpi(html, "negative_share")[0] == "50.00 %"


def test_metric_names_carry_their_formula(owner, workspace, channel):
    html = _page(owner, workspace)
    assert 'title="ER by followers (ERpost): (likes + comments + reposts + saves) / ' \
           'followers × 100, per post, averaged over posts"' in html
    assert 'title="ER by views (ERview): interactions / views × 100"' in html


def test_a_counter_the_network_does_not_give_is_not_a_zero(owner, workspace, channel):
    PostSnapshot.objects.update(views=None)
    latest_rebuild()  # snapshots are never changed in place: make the latest rows again
    html = _page(owner, workspace)
    value = _kpi(html, "er_view")[0]
    assert value == "—"
    assert "not available from" in html


def test_the_er_switch_changes_the_definition(owner, workspace, channel):
    html = _page(owner, workspace, PERIOD + "&er=day&avg=sum")
    # ERday by ratio of sums: (50 + 20) / (1000 + 1050) followers on the two posting days.
    assert _kpi(html, "er_day")[0] == "3.41 %"
    assert 'value="day" selected' in html


def test_every_chart_has_a_canvas_a_data_island_and_a_table(owner, workspace, channel):
    html = _page(owner, workspace)
    for chart in ("followers", "views", "er", "posts"):
        assert f'data-chart="{chart}"' in html
        assert f'<script id="chart-data-{chart}" type="application/json">' in html
        assert f'data-chart-table="{chart}"' in html
        assert f"export.csv?from=2026-12-01&amp;to=2026-12-07&amp;chart={chart}" in html
    table = re.search(r'data-chart-table="followers">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)<', table) == [
        "1,000", "1,000", "1,050", "1,050", "1,050", "1,050", "1,100"]


def test_the_top_posts_table_uses_each_posts_last_reading(owner, workspace, channel):
    html = _page(owner, workspace)
    rows = re.findall(r'data-post-row="\d+">.*?<a [^>]+>([^<]+)</a>.*?data-interactions>'
                      r'([^<]+)<.*?data-er-post>([^<]+)<', html, re.S)
    assert rows == [("Big", "50", "5.00 %"), ("Small", "20", "1.90 %")]


def test_the_csv_gives_one_row_per_day_with_gaps_left_empty(owner, workspace, channel):
    rows = _csv(owner, workspace, "views")
    assert rows[0] == ["Day", "Views", "Reach"]
    assert rows[1] == ["2026-12-01", "500", "300"]
    assert rows[2] == ["2026-12-02", "", ""]  # no reading: empty, never 0
    assert rows[7] == ["2026-12-07", "700", "400"]
    er = _csv(owner, workspace, "er")
    assert er[2][0] == "2026-12-02" and float(er[2][1]) == 5.0
    followers = _csv(owner, workspace, "followers")
    assert [r[1] for r in followers[1:]] == ["1000", "1000", "1050", "1050", "1050", "1050",
                                             "1100"]


def test_the_csv_of_top_posts(owner, workspace, channel):
    rows = _csv(owner, workspace, "top")
    assert rows[1][:3] == ["top", "Big", "Zerno · Kyiv"]
    assert rows[1][6:8] == ["50", "5.0"]


def test_an_unknown_chart_is_not_found(owner, workspace, channel):
    response = _client(owner).get(f"/w/{workspace.slug}/analytics/export.csv?chart=passwords")
    assert response.status_code == 404


def test_the_client_sees_analytics_and_the_editor_does_not(workspace, channel, client_user,
                                                           editor):
    assert _kpi(_page(client_user, workspace), "followers")[0] == "1,100"
    response = _client(editor).get(f"/w/{workspace.slug}/analytics/")
    assert response.status_code == 403


def test_a_channel_of_another_workspace_is_not_found(owner, workspace, outsider, channel):
    theirs = connect(outsider.memberships.get().workspace, outsider, name="Theirs")
    response = _client(owner).get(f"/w/{workspace.slug}/analytics/?channel={theirs.pk}")
    assert response.status_code == 404


def test_a_channel_filter_shows_that_channel_only(owner, workspace, channel):
    other = connect(workspace, owner, name="Quiet")
    html = _page(owner, workspace, f"{PERIOD}&channel={other.pk}")
    assert "No figures yet" in html and "smmdesk worker" in html
    assert "data-kpi" not in html


def test_without_channels_it_says_to_connect_one(owner, workspace):
    html = _page(owner, workspace)
    assert "Connect a channel" in html
    assert f'href="/w/{workspace.slug}/channels/"' in html


def test_a_bad_custom_period_falls_back_and_says_why(owner, workspace, channel):
    html = _page(owner, workspace, "from=2026-12-09&to=2026-12-01")
    assert "the first one no later than the second" in html
    assert 'value="30" selected' in html


def test_the_publication_page_draws_the_post_beside_the_channel_median(owner, workspace,
                                                                       channel, editor):
    big = Publication.objects.get(post__title="Big")
    url = f"/w/{workspace.slug}/publications/{big.pk}/"
    html = _client(owner).get(url).content.decode()
    assert 'data-chart="post-curve"' in html
    table = re.search(r'data-chart-table="post-curve">(.*?)</table>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]
    assert cells == ["1 h", "100", "—", "24 h", "1,000", "300"]
    assert "other 2 posts" in html
    assert 'data-chart="post-curve"' not in _client(editor).get(url).content.decode()

"""Analytics in the API: the dashboard's figures, raw snapshots, the post table, goals and
short links, each scoped to its workspace and behind its permission."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from smmdesk.analytics.goals import goal_save
from smmdesk.analytics.links import link_create, visitor_key
from smmdesk.analytics.models import Click, Goal, PostSnapshot, ShortLink
from smmdesk.analytics.services import post_snapshot_record
from smmdesk.content.services import campaign_create, post_create
from tests.analytics.dash_history import KYIV, PERIOD, day_snapshot, make_history
from tests.analytics.history import connect, published

pytestmark = pytest.mark.django_db

Q = "start=2026-12-01&end=2026-12-07"


@pytest.fixture
def channel(workspace, owner):
    return make_history(workspace, owner)


@pytest.fixture
def ws(workspace):
    return f"/workspaces/{workspace.pk}"


@pytest.fixture
def foreign(outsider):
    """A channel, goal and link of the outsider's own workspace."""
    other = outsider.memberships.get().workspace
    ch = connect(other, outsider, "Mallory")
    goal = goal_save(workspace=other, name="Theirs", metric="views", target=10,
                     starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31))
    link = link_create(workspace=other, target="https://mallory.example/")
    return {"channel": ch, "goal": goal, "link": link}


def _record(channel, owner, at, **counters):
    """A publication with one snapshot written as the collector writes it (and its
    latest reading kept beside it)."""
    pub = published(channel, owner, at, age_hours=1)
    PostSnapshot.objects.filter(publication=pub).delete()
    post_snapshot_record(publication=pub, metrics=counters, taken_at=at + timedelta(hours=2))
    return pub


# --- metrics ---------------------------------------------------------------------------


def test_metrics_give_the_dashboards_figures_with_formulas(api, ws, channel):
    r = api.get(f"{ws}/metrics?{Q}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["period"] == {"start": "2026-12-01", "end": "2026-12-07", "days": 7}
    assert body["previous_period"] == {"start": "2026-11-24", "end": "2026-11-30", "days": 7}
    kpi = {k["name"]: k for k in body["kpis"]}
    assert kpi["followers"]["value"] == 1100 and kpi["followers"]["previous"] == 1000
    assert kpi["follower_growth"]["value"] == 100
    assert kpi["interactions"]["value"] == 70 and kpi["interactions"]["previous"] == 10
    assert kpi["interactions"]["change"] == pytest.approx(600.0)
    assert kpi["er_post"]["value"] == pytest.approx((5.0 + 20 / 1050 * 100) / 2)
    assert "followers × 100" in kpi["er_post"]["formula"]
    assert kpi["views"]["formula"] == "views per day, added up"
    assert kpi["first_reply"]["higher_is_better"] is False
    series = {s["name"]: s for s in body["series"]}
    followers = {p["day"]: p["value"] for p in series["followers"]["points"]}
    assert followers["2026-12-02"] == 1000 and followers["2026-12-03"] == 1050
    views = {p["day"]: p["value"] for p in series["views"]["points"]}
    assert views["2026-12-01"] == 500 and views["2026-12-02"] is None
    assert sum(p["value"] for p in series["posts"]["points"]) == 2


def test_metrics_switch_the_er_definition(api, ws, channel):
    kpis = api.get(f"{ws}/metrics?{Q}&er_basis=day&averaging=sum").json()["kpis"]
    er = next(k for k in kpis if k["name"] == "er_day")
    assert er["value"] == pytest.approx(70 / 2050 * 100)


def test_a_counter_a_network_does_not_give_is_null_and_named(api, ws, workspace, owner):
    ch = connect(workspace, owner)
    day_snapshot(ch, date(2026, 12, 1), 500)  # followers, but no views or reach
    _record(ch, owner, datetime(2026, 12, 2, 12, tzinfo=KYIV), reposts=3, views=40)
    kpi = {k["name"]: k for k in api.get(f"{ws}/metrics?{Q}").json()["kpis"]}
    assert kpi["views"]["value"] is None and kpi["views"]["not_available_from"] == ["sandbox"]
    assert kpi["reach"]["value"] is None
    assert kpi["interactions"]["value"] == 3 and kpi["interactions"]["not_available_from"] == []
    assert kpi["followers"]["value"] == 500 and kpi["followers"]["not_available_from"] == []


def test_metrics_refuse_bad_periods_in_the_error_shape(api, ws, channel):
    for query, status in (("start=2026-12-07&end=2026-12-01", 400),
                          ("start=2024-01-01&end=2026-12-01", 400),
                          ("start=2026-02-30", 422), ("start=1700000000", 422),
                          ("start=1900-01-01&end=1900-01-02", 422),
                          ("er_basis=views", 422)):
        r = api.get(f"{ws}/metrics?{query}")
        assert r.status_code == status, (query, r.content)
        assert set(r.json()["error"]) >= {"code", "message"}, query
    r = api.get(f"{ws}/metrics?start=2026-12-07&end=2026-12-01")
    assert r.json()["error"]["code"] == "invalid_period"
    assert r.json()["error"]["details"]["fields"][0]["field"] == "end"
    assert api.get(f"{ws}/metrics?start=2025-01-01&end=2026-12-31").status_code == 200


def test_another_workspaces_channel_is_not_found(api, ws, channel, foreign):
    other = foreign["channel"].pk
    for path in (f"metrics?channel={other}", f"metrics/posts?channel={other}",
                 f"snapshots?channel={other}", f"channels/{other}/snapshots"):
        r = api.get(f"{ws}/{path}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "channel_not_found", path


def test_editor_reads_no_analytics_and_client_does(api_as, ws, channel, editor, client_user):
    for path in ("metrics", "metrics/posts", "snapshots", "goals", "links",
                 f"channels/{channel.pk}/snapshots"):
        r = api_as(editor).get(f"{ws}/{path}")
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbids", path
        assert api_as(client_user).get(f"{ws}/{path}").status_code == 200, path


# --- raw snapshots ------------------------------------------------------------------------


def test_channel_snapshots_are_every_reading_with_nulls_kept(api, ws, channel):
    r = api.get(f"{ws}/channels/{channel.pk}/snapshots?{Q}")
    assert r.status_code == 200
    rows = r.json()["items"]
    assert r.json()["count"] == 4  # 1, 3 (twice) and 7 December
    assert [(s["day"], s["followers"]) for s in rows] == [
        ("2026-12-01", 1000), ("2026-12-03", 1040), ("2026-12-03", 1050), ("2026-12-07", 1100)]
    assert rows[1]["views"] is None and rows[1]["following"] is None
    assert rows[0]["views"] == 500 and rows[0]["reach"] == 300


def test_a_publications_ladder_is_complete_and_exact(api, ws, channel):
    big = PostSnapshot.objects.filter(age_hours=1).get().publication
    r = api.get(f"{ws}/publications/{big.pk}/snapshots")
    assert r.status_code == 200
    rows = r.json()["items"]
    assert [(s["age_hours"], s["likes"], s["views"]) for s in rows] == [(1, 5, 100),
                                                                         (24, 40, 1000)]
    assert rows[0]["comments"] is None and rows[1]["saves"] == 2
    assert rows[0]["published_at"].startswith("2026-12-02T10:00:00")  # 12:00 in Kyiv


def test_period_snapshots_by_taken_or_published(api, ws, channel):
    taken = api.get(f"{ws}/snapshots?{Q}").json()
    assert taken["count"] == 3  # Big at 1 h and 24 h, Small; not November's
    assert [s["taken_at"] for s in taken["items"]] == sorted(s["taken_at"]
                                                             for s in taken["items"])
    early = api.get(f"{ws}/snapshots?start=2026-12-02&end=2026-12-02").json()
    assert early["count"] == 1 and early["items"][0]["age_hours"] == 1
    by_pub = api.get(f"{ws}/snapshots?start=2026-12-02&end=2026-12-02&by=published").json()
    assert by_pub["count"] == 2
    assert api.get(f"{ws}/snapshots?{Q}&limit=1&offset=2").json()["items"][0]["likes"] == 20


def test_snapshots_of_another_workspaces_publication_are_not_found(api, ws, outsider, foreign):
    pub = published(foreign["channel"], outsider, timezone.now(), likes=1)
    r = api.get(f"{ws}/publications/{pub.pk}/snapshots")
    assert r.status_code == 404


# --- the post table ---------------------------------------------------------------------------


def test_post_metrics_rank_the_latest_readings(api, ws, workspace, owner):
    ch = connect(workspace, owner)
    day_snapshot(ch, date(2026, 12, 1), 1000)
    _record(ch, owner, datetime(2026, 12, 2, 12, tzinfo=KYIV), likes=30, views=100,
            reach=60, clicks=5)
    _record(ch, owner, datetime(2026, 12, 3, 12, tzinfo=KYIV), likes=50, views=1000)
    _record(ch, owner, datetime(2026, 12, 4, 12, tzinfo=KYIV), likes=None)
    r = api.get(f"{ws}/metrics/posts?{Q}&order=er_view")
    assert r.status_code == 200, r.content
    rows = r.json()["items"]
    assert [row["er_view"] for row in rows] == [pytest.approx(30.0), pytest.approx(5.0), None]
    first = rows[0]
    assert first["followers"] == 1000 and first["er_post"] == pytest.approx(3.0)
    assert first["err"] == pytest.approx(50.0) and first["ctr"] == pytest.approx(5.0)
    assert rows[2]["interactions"] is None and rows[2]["likes"] is None
    by_er = api.get(f"{ws}/metrics/posts?{Q}&order=er").json()["items"]
    assert [row["likes"] for row in by_er] == [50, 30, None]


# --- goals ---------------------------------------------------------------------------------------


def test_goals_are_created_read_patched_and_deleted(api, ws, workspace, channel):
    r = api.post(f"{ws}/goals", {"name": "Views", "metric": "views", "target": "1500",
                                 "starts_on": "2026-12-01", "ends_on": "2026-12-31",
                                 "channel_ids": [channel.pk]})
    assert r.status_code == 201, r.content
    goal = r.json()
    assert goal["target"] == 1500.0 and goal["channel_ids"] == [channel.pk]
    progress = goal["progress"]
    assert set(progress) >= {"current", "pace_per_day", "forecast", "status", "series"}
    assert progress["status"] in ("on_track", "at_risk", "off_track", "too_early", "no_data")
    url = f"{ws}/goals/{goal['id']}"
    assert api.get(url).json()["name"] == "Views"
    assert [g["id"] for g in api.get(f"{ws}/goals").json()] == [goal["id"]]
    r = api.patch(url, {"target": 2000.5, "channel_ids": []})
    assert r.status_code == 200, r.content
    assert r.json()["target"] == 2000.5 and r.json()["channel_ids"] == []
    assert r.json()["name"] == "Views" and r.json()["ends_on"] == "2026-12-31"
    assert api.patch(url, {"name": None}).status_code == 422
    assert api.delete(url).status_code == 204
    assert not Goal.objects.exists()


def test_a_goal_shows_progress_pace_and_forecast(api, ws, workspace, channel):
    goal = goal_save(workspace=workspace, name="Followers", metric="followers", target=1200,
                     starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31))
    from unittest import mock

    with mock.patch("smmdesk.analytics.goals.timezone.localdate", return_value=PERIOD.end):
        p = api.get(f"{ws}/goals/{goal.pk}").json()["progress"]
    assert p["current"] == 1100
    assert p["pace_per_day"] == pytest.approx(100 / 24)
    assert p["forecast"]["low"] <= p["forecast"]["value"] <= p["forecast"]["high"]
    assert p["status"] in ("on_track", "at_risk", "off_track") and p["status_label"]
    assert p["series"][0] == {"day": "2026-12-01", "value": 1000}


def test_goal_input_is_checked(api, ws, foreign):
    base = {"name": "x", "metric": "views", "target": 10, "starts_on": "2026-12-01",
            "ends_on": "2026-12-31"}
    cases = [({"ends_on": "2026-11-01"}, 400), ({"ends_on": "2029-01-01"}, 400),
             ({"target": 0}, 422), ({"target": "1.234"}, 422), ({"metric": "likes"}, 422),
             ({"channel_ids": [foreign["channel"].pk]}, 404)]
    for change, status in cases:
        r = api.post(f"{ws}/goals", {**base, **change})
        assert r.status_code == status, (change, r.content)
    assert not Goal.objects.filter(name="x").exists()


def test_goals_of_another_workspace_are_not_found(api, ws, foreign):
    url = f"{ws}/goals/{foreign['goal'].pk}"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"name": "mine"}).status_code == 404
    assert api.delete(url).status_code == 404
    assert Goal.objects.get(pk=foreign["goal"].pk).name == "Theirs"


def test_only_owners_and_managers_change_goals(api_as, ws, workspace, analyst, client_user):
    goal = goal_save(workspace=workspace, name="G", metric="views", target=5,
                     starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31))
    for user in (analyst, client_user):
        assert api_as(user).get(f"{ws}/goals/{goal.pk}").status_code == 200
        assert api_as(user).delete(f"{ws}/goals/{goal.pk}").status_code == 403
    assert Goal.objects.filter(pk=goal.pk).exists()


# --- links ------------------------------------------------------------------------------------


def test_a_link_is_created_with_utm_tags(api, ws, workspace, owner, channel):
    campaign = campaign_create(workspace=workspace, name="Winter", utm_campaign="winter-26")
    post = post_create(workspace=workspace, actor=owner, body="x", campaign_id=campaign.pk)
    r = api.post(f"{ws}/links", {"target": "https://zerno.example/menu?utm_medium=bio#top",
                                 "post_id": post.pk, "channel_id": channel.pk})
    assert r.status_code == 201, r.content
    link = r.json()
    parts = urlsplit(link["target"])
    assert parse_qs(parts.query) == {"utm_medium": ["bio"], "utm_source": ["sandbox"],
                                     "utm_campaign": ["winter-26"]}
    assert parts.fragment == "top" and link["url"].endswith(f"/l/{link['code']}")
    assert link["campaign_id"] == campaign.pk and link["clicks"] == {"total": 0, "unique": 0,
                                                                     "bots": 0}
    plain = api.post(f"{ws}/links", {"target": "https://zerno.example/",
                                     "utm_enabled": False}).json()
    assert plain["target"] == "https://zerno.example/"


def test_link_input_is_checked(api, ws, foreign):
    for body, status in (({"target": "javascript:alert(1)"}, 400),
                         ({"target": "https://x.example/", "channel_id": foreign["channel"].pk},
                          404),
                         ({"target": "https://x.example/" + "a" * 1970}, 400),
                         ({"target": ""}, 422)):
        r = api.post(f"{ws}/links", body)
        assert r.status_code == status, (body, r.content)
    assert not ShortLink.objects.exclude(pk=foreign["link"].pk).exists()


def test_an_editor_creates_links_like_the_composer(api_as, ws, editor, analyst):
    assert api_as(editor).post(f"{ws}/links", {"target": "https://a.example/"}).status_code \
        == 201
    assert api_as(analyst).post(f"{ws}/links", {"target": "https://a.example/"}).status_code \
        == 403


def _click(link, at, *, visitor="a", bot=False):
    return Click.objects.create(link=link, at=at, bot=bot,
                                visitor=visitor_key(ip=visitor, user_agent="x", day=at.date()))


def test_link_totals_and_clicks_per_day_leave_bots_out(api, ws, workspace):
    link = link_create(workspace=workspace, target="https://zerno.example/")
    day1 = datetime(2026, 12, 1, 10, tzinfo=KYIV)
    _click(link, day1)
    _click(link, day1 + timedelta(minutes=5))  # the same visitor again
    _click(link, day1, visitor="b")
    _click(link, day1, visitor="bot", bot=True)
    _click(link, day1 + timedelta(days=2), visitor="c")
    got = api.get(f"{ws}/links/{link.pk}").json()
    assert got["clicks"] == {"total": 4, "unique": 3, "bots": 1}
    assert api.get(f"{ws}/links").json()["items"][0]["clicks"]["total"] == 4
    r = api.get(f"{ws}/links/{link.pk}/clicks?start=2026-12-01&end=2026-12-04")
    assert r.status_code == 200
    body = r.json()
    assert body["totals"] == {"total": 4, "unique": 3, "bots": 1}
    assert [(d["day"], d["clicks"], d["unique"], d["bots"]) for d in body["days"]] == [
        ("2026-12-01", 3, 2, 1), ("2026-12-02", 0, 0, 0), ("2026-12-03", 1, 1, 0),
        ("2026-12-04", 0, 0, 0)]
    assert "visitor" not in r.content.decode() and link.clicks.first().visitor not in \
        r.content.decode()


def test_links_of_another_workspace_are_not_found(api, ws, foreign):
    for tail in ("", "/clicks"):
        r = api.get(f"{ws}/links/{foreign['link'].pk}{tail}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "link_not_found"

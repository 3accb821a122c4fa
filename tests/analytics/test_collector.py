"""The metrics collector: ladder, claims, missing counters, rate limits, backfill."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from smmdesk.analytics.collector import collect_claim, collect_run
from smmdesk.analytics.models import ChannelSnapshot, CollectPlan, PostSnapshot
from smmdesk.analytics.services import (
    LADDER,
    channel_snapshot_record,
    collect_plan_publication,
    ladder_next,
)
from smmdesk.channels.models import Channel, ChannelStatus
from smmdesk.channels.services import channel_connect, channel_set_status
from smmdesk.connectors import registry
from smmdesk.connectors.base import (
    Capabilities,
    Connector,
    ConnectResult,
    Limits,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    TransientError,
)
from smmdesk.content.services import post_create
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_record_published, publication_schedule
from smmdesk.sandbox.models import SandboxPost
from tests.fakes import scripted  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


class Network:
    """What the fake network answers next: counters (dicts) or exceptions, and the ids
    it was asked about."""

    def __init__(self):
        self.posts: deque = deque()
        self.account: deque = deque()
        self.asked: list[str] = []


NET = Network()


class MetricsConnector(Connector):
    kind = "metricsfake"
    label = "Metrics Fake"
    limits = Limits(text_max=500, media_max=1, media_kinds=frozenset(MediaKind))
    capabilities = Capabilities(post_metrics=True, account_metrics=True)

    @classmethod
    def connect(cls, data: dict, http) -> ConnectResult:
        return ConnectResult(external_id=data.get("id", "acct"), name="Fake metrics",
                             credentials={"token": "t0ken-abc"})

    def publish(self, req: PublishRequest) -> PublishResult:
        return PublishResult("ext-new", "https://fake.example/new")

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        NET.asked.append(external_id)
        answer = NET.posts.popleft() if NET.posts else {"views": 100, "likes": 5}
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def fetch_account_metrics(self) -> dict[str, int]:
        NET.asked.append("account")
        answer = NET.account.popleft() if NET.account else {"followers": 1000}
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def net(monkeypatch):
    network = Network()
    monkeypatch.setattr("tests.analytics.test_collector.NET", network)
    monkeypatch.setitem(registry.CONNECTORS, "metricsfake",
                        ("tests.analytics.test_collector.MetricsConnector", "Metrics Fake"))
    registry.connector_class.cache_clear()
    yield network
    registry.connector_class.cache_clear()


@pytest.fixture
def channel(workspace, owner, net):
    return channel_connect(workspace=workspace, kind="metricsfake", data={}, actor=owner)


def published(workspace, owner, channel, *, ago: timedelta, external_id="p1") -> Publication:
    post = post_create(workspace=workspace, actor=owner, body="Hello")
    when = timezone.now() - ago
    return publication_record_published(post=post, channel=channel, at=when,
                                        published_at=when, external_id=external_id,
                                        external_url="", actor=owner)


def plan_of(pub) -> CollectPlan:
    return CollectPlan.objects.get(publication=pub)


def channel_plan(channel) -> CollectPlan:
    return CollectPlan.objects.get(channel=channel, publication__isnull=True)


def settle_channel(channel, now=None):
    """Read the channel's first (backfill) reading so tests look at post plans only."""
    collect_run(worker_id="setup", now=now)


# ---------------------------------------------------------------- the ladder


def test_the_ladder_is_1h_6h_24h_3d_7d_30d_90d_then_stops():
    assert LADDER == (H, 6 * H, 24 * H, timedelta(days=3), timedelta(days=7),
                      timedelta(days=30), timedelta(days=90))
    t0 = timezone.now()
    assert ladder_next(published_at=t0, now=t0) == (0, t0 + H)
    assert ladder_next(published_at=t0, now=t0 + H) == (1, t0 + 6 * H)
    # a stopped worker: missed rungs are skipped, not read one after another
    assert ladder_next(published_at=t0, now=t0 + timedelta(days=8)) == (
        5, t0 + timedelta(days=30))
    assert ladder_next(published_at=t0, now=t0 + timedelta(days=90)) == (len(LADDER), None)


def test_a_post_is_read_on_each_rung_and_then_never_again(workspace, owner, channel, net):
    settle_channel(channel)
    pub = published(workspace, owner, channel, ago=timedelta(minutes=1))
    plan = plan_of(pub)
    t0 = pub.published_at
    assert plan.step == 0 and plan.next_at == t0 + H
    assert collect_run(worker_id="w", now=t0 + 30 * timedelta(minutes=1)).posts == 0
    readings = []
    for after in LADDER:
        report = collect_run(worker_id="w", now=t0 + after + timedelta(minutes=1))
        readings.append(report.posts)
    assert readings == [1] * len(LADDER)
    plan = plan_of(pub)
    assert plan.next_at is None and plan.step == len(LADDER)
    ages = list(PostSnapshot.objects.filter(publication=pub).order_by("taken_at")
                .values_list("age_hours", flat=True))
    assert ages == [1, 6, 24, 72, 168, 720, 2160]
    assert collect_run(worker_id="w", now=t0 + timedelta(days=400)).posts == 0


# ---------------------------------------------------------------- claims


def test_two_workers_never_read_the_same_plan(workspace, owner, channel, net):
    settle_channel(channel)
    pub = published(workspace, owner, channel, ago=2 * H)  # read now, as a late plan
    now = timezone.now()
    first = collect_claim(token="worker-a:1", now=now)
    second = collect_claim(token="worker-b:1", now=now)
    assert [p.publication_id for p in first] == [pub.pk]
    assert second == []
    # worker b's whole run finds nothing while a's claim holds
    assert collect_run(worker_id="worker-b", now=now).posts == 0
    assert net.asked == ["account"]  # only the setup's channel reading
    assert plan_of(pub).claimed_by == "worker-a:1"


def test_an_expired_claim_is_taken_back(workspace, owner, channel, net, settings):
    settings.SMMDESK_ANALYTICS_LEASE_SECONDS = 300
    settle_channel(channel)
    pub = published(workspace, owner, channel, ago=2 * H)
    now = timezone.now()
    collect_claim(token="killed-worker:1", now=now)  # claimed, then the worker died
    assert collect_run(worker_id="w2", now=now + timedelta(seconds=299)).posts == 0
    report = collect_run(worker_id="w2", now=now + timedelta(seconds=301))
    assert report.posts == 1
    plan = plan_of(pub)
    assert plan.claimed_by == "" and plan.next_at == pub.published_at + 6 * H


def test_a_late_result_of_a_lost_claim_is_not_stored(workspace, owner, channel, net):
    settle_channel(channel)
    pub = published(workspace, owner, channel, ago=2 * H)
    now = timezone.now()
    [plan] = collect_claim(token="slow:1", now=now)
    CollectPlan.objects.filter(pk=plan.pk).update(claimed_by="other:1")  # taken over
    from smmdesk.analytics.collector import CollectReport, _store

    report = CollectReport()
    _store(plan, "slow:1", {"views": 1}, report, now=now)
    assert report.posts == 0 and not PostSnapshot.objects.filter(publication=pub).exists()


# ---------------------------------------------------------------- what is stored


def test_a_counter_the_network_does_not_give_is_stored_as_null(workspace, owner, channel, net):
    settle_channel(channel)
    pub = published(workspace, owner, channel, ago=2 * H)
    net.posts.append({"views": 320, "likes": 0, "quotes": 4})
    collect_run(worker_id="w")
    snap = PostSnapshot.objects.get(publication=pub)
    assert snap.views == 320 and snap.likes == 0  # a real zero stays zero
    assert snap.reach is None and snap.saves is None and snap.clicks is None
    assert snap.extra == {"quotes": 4}
    assert snap.channel_id == channel.pk and snap.workspace_id == channel.workspace_id
    day = ChannelSnapshot.objects.get(channel=channel)
    assert day.followers == 1000 and day.following is None and day.views is None


def test_channel_readings_of_one_day_are_all_kept(channel):
    # 23:30 UTC is already the next day in Kyiv, the workspace's zone
    now = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0)
    channel_snapshot_record(channel=channel, metrics={"followers": 10}, taken_at=now)
    channel_snapshot_record(channel=channel, metrics={"followers": 12},
                            taken_at=now + timedelta(minutes=5))
    rows = list(ChannelSnapshot.objects.filter(channel=channel).order_by("taken_at")
                .values_list("day", "followers"))
    local = (now + timedelta(days=1)).date()
    assert rows == [(local, 10), (local, 12)]


def test_channels_are_read_daily_in_the_evening_of_the_workspace(channel, net):
    now = timezone.now()
    collect_run(worker_id="w", now=now)
    plan = channel_plan(channel)
    local = plan.next_at.astimezone(channel.workspace.tz)
    assert local.hour == 23 and plan.next_at >= now + H
    assert plan.next_at - now <= timedelta(days=1, hours=2)
    assert collect_run(worker_id="w", now=now + timedelta(minutes=30)).channels == 0
    assert collect_run(worker_id="w", now=plan.next_at).channels == 1
    assert ChannelSnapshot.objects.filter(channel=channel).count() == 2


# ---------------------------------------------------------------- rate limits and errors


def test_a_rate_limit_keeps_the_step_and_waits_as_asked(workspace, owner, channel, net):
    pub = published(workspace, owner, channel, ago=timedelta(minutes=1))
    now = pub.published_at + 6 * H + timedelta(minutes=1)
    settle_channel(channel, now=now - timedelta(hours=5))
    CollectPlan.objects.filter(pk=plan_of(pub).pk).update(step=1)
    net.posts.append(TransientError("slow down", code="rate_limited", retry_after=900))
    report = collect_run(worker_id="w", now=now)
    assert report.posts == 0 and report.deferred == 1
    plan = plan_of(pub)
    assert plan.step == 1 and plan.attempts == 1 and "slow down" in plan.last_error
    assert plan.next_at == now + timedelta(seconds=900)
    assert Channel.objects.get(pk=channel.pk).rate_limited_until is not None
    # nothing is read before the wait is over; then the same rung is read
    assert collect_run(worker_id="w", now=now + timedelta(seconds=600)).posts == 0
    Channel.objects.filter(pk=channel.pk).update(rate_limited_until=None)
    assert collect_run(worker_id="w", now=now + timedelta(seconds=901)).posts == 1
    plan = plan_of(pub)
    assert plan.attempts == 0 and plan.step == 2
    assert plan.next_at == pub.published_at + 24 * H


def test_a_run_reads_no_more_than_the_networks_budget(workspace, owner, channel, net,
                                                      monkeypatch):
    monkeypatch.setattr(MetricsConnector, "metrics_reads_per_run", 3)
    settle_channel(channel)
    for n in range(5):
        published(workspace, owner, channel, ago=2 * H, external_id=f"p{n}")
    first = collect_run(worker_id="w")
    assert first.posts == 3 and first.deferred == 2
    assert CollectPlan.objects.filter(claimed_by__gt="").count() == 0  # handed back
    assert collect_run(worker_id="w").posts == 2


def test_a_deleted_post_stops_its_ladder(workspace, owner, channel, net):
    settle_channel(channel)
    pub = published(workspace, owner, channel, ago=2 * H)
    net.posts.append(PermanentError("gone", code="not_found"))
    collect_run(worker_id="w")
    plan = plan_of(pub)
    assert plan.next_at is None and plan.last_error == "gone"


def test_a_broken_channel_is_marked_and_its_reading_waits(workspace, owner, channel, net):
    net.account.append(PermanentError("token revoked", code="token_invalid",
                                      channel_broken=True))
    collect_run(worker_id="w")
    assert Channel.objects.get(pk=channel.pk).status == ChannelStatus.NEEDS_RECONNECT
    plan = channel_plan(channel)
    assert not plan.backfilled and plan.next_at <= timezone.now()
    assert collect_run(worker_id="w").channels == 0  # not read while broken
    channel_connect(workspace=workspace, kind="metricsfake", data={}, actor=owner)
    assert collect_run(worker_id="w").channels == 1


# ---------------------------------------------------------------- plans are made


def test_publishing_a_post_makes_its_plan(workspace, owner, channel, net):
    post = post_create(workspace=workspace, actor=owner, body="Fresh")
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    assert not CollectPlan.objects.filter(publication=pub).exists()
    for job in claim_due(worker_id="w", limit=10):
        run_job(job, worker_id="w")
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED
    plan = plan_of(pub)
    assert plan.step == 0 and plan.next_at == pub.published_at + H
    assert plan.channel_id == channel.pk


def test_a_publication_found_on_the_network_after_a_timeout_gets_its_plan(
        workspace, owner, scripted):  # noqa: F811
    from smmdesk.connectors.base import AmbiguousError, FindResult, Found
    from smmdesk.publishing.dispatcher import claim_checks

    channel = channel_connect(workspace=workspace, kind="scripted", data={}, actor=owner)
    post = post_create(workspace=workspace, actor=owner, body="Maybe sent")
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    scripted.publish.append(AmbiguousError("no answer"))
    scripted.find.append(FindResult(Found.FOUND, PublishResult("ext-9", "")))
    for job in claim_due(worker_id="w", limit=10):
        run_job(job, worker_id="w")
    assert not CollectPlan.objects.filter(publication=pub).exists()  # unconfirmed
    for job in claim_checks(worker_id="w", limit=10, now=timezone.now() + H):
        run_job(job, worker_id="w")
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED and plan_of(pub).next_at == pub.published_at + H


def test_a_plan_is_made_once(workspace, owner, channel, net):
    pub = published(workspace, owner, channel, ago=timedelta(minutes=5))
    assert collect_plan_publication(publication=pub).pk == plan_of(pub).pk
    assert CollectPlan.objects.filter(publication=pub).count() == 1


def test_connecting_a_channel_reads_it_and_backfills_its_posts(workspace, owner, net):
    other = channel_connect(workspace=workspace, kind="metricsfake", data={"id": "x"},
                            actor=owner)
    old = published(workspace, owner, other, ago=timedelta(days=200), external_id="old")
    recent = published(workspace, owner, other, ago=timedelta(days=10), external_id="new")
    CollectPlan.objects.filter(publication__in=[old, recent]).delete()  # before analytics
    channel_set_status(channel=other, status=ChannelStatus.DISABLED)
    channel_set_status(channel=other, status=ChannelStatus.ACTIVE)  # enabled again
    plan = channel_plan(other)
    assert not plan.backfilled and plan.next_at <= timezone.now()
    report = collect_run(worker_id="w")
    assert report.channels == 1 and report.backfilled == 2 and report.posts == 2
    assert channel_plan(other).backfilled
    assert set(net.asked) == {"account", "old", "new"}
    assert plan_of(old).next_at is None  # past the ladder: read once
    assert plan_of(recent).next_at == recent.published_at + timedelta(days=30)


def test_a_channel_connected_before_analytics_gets_its_plan(channel, net):
    CollectPlan.objects.filter(channel=channel).delete()
    report = collect_run(worker_id="w")
    assert report.channels == 1 and channel_plan(channel).backfilled


def test_a_network_without_metrics_is_not_asked(workspace, owner, channel, net, monkeypatch):
    monkeypatch.setattr(MetricsConnector, "capabilities", Capabilities())
    pub = published(workspace, owner, channel, ago=2 * H)
    report = collect_run(worker_id="w")
    assert net.asked == [] and report.posts == 0 and report.channels == 0
    assert plan_of(pub).next_at == pub.published_at + 6 * H  # the ladder goes on


# ---------------------------------------------------------------- the sandbox, end to end


def test_the_sandbox_end_to_end(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno", "audience": "en"})
    post = post_create(workspace=workspace, actor=owner, body="Our new espresso blend")
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    for job in claim_due(worker_id="w", limit=10):
        run_job(job, worker_id="w")
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED and pub.external_id
    call_command("analytics", "collect", "--once", stdout=__import__("io").StringIO())
    day = ChannelSnapshot.objects.get(channel=channel)
    assert day.followers and day.followers >= 1 and day.posts == 1
    # seven hours later (the sandbox reads its own clock: its post is moved back)
    SandboxPost.objects.filter(pk=pub.external_id).update(
        created_at=F("created_at") - 7 * H)
    Publication.objects.filter(pk=pub.pk).update(published_at=F("published_at") - 7 * H)
    CollectPlan.objects.filter(publication=pub).update(next_at=F("next_at") - 7 * H)
    pub.refresh_from_db()
    report = collect_run(worker_id="w")
    assert report.posts == 1
    snap = PostSnapshot.objects.get(publication=pub)
    assert snap.age_hours == 7 and snap.views is not None and snap.views > 0
    assert snap.likes is not None and snap.comments is not None
    assert plan_of(pub).next_at == pub.published_at + 24 * H


def test_the_worker_runs_the_collector(workspace, owner, channel, net):
    from smmdesk.publishing.worker import Worker

    worker = Worker(worker_id="w-loop", dispatch=False)
    assert any(p.fn == worker.analytics_collect for p in worker.background)
    worker.analytics_collect()
    assert ChannelSnapshot.objects.filter(channel=channel).count() == 1

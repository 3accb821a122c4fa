"""The publishing engine: claim, publish, retry by error class, reconcile, recover."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.models import ChannelStatus
from smmdesk.connectors.base import (
    AmbiguousError,
    FindResult,
    Found,
    PermanentError,
    PublishResult,
    RateLimit,
    TransientError,
)
from smmdesk.publishing.dispatcher import (
    claim_checks,
    claim_due,
    extend_leases,
    recover_expired,
)
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Outcome, Publication, PublishAttempt, Status
from smmdesk.publishing.retry import MAX_CHECKS, MAX_PUBLISH_ATTEMPTS
from smmdesk.publishing.services import publication_schedule
from tests.fakes import ScriptedConnector

pytestmark = pytest.mark.django_db


_real_now = timezone.now


def later(seconds: float):
    return _real_now() + timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """``run_due(now=...)`` moves the whole engine's clock; monkeypatch restores it."""
    monkeypatch.setattr(timezone, "now", _real_now)


def run_due(*, now=None, worker="w1") -> int:
    if now is not None:
        offset = now - _real_now()
        timezone.now = lambda: _real_now() + offset
    jobs = claim_due(worker_id=worker, limit=100)
    jobs += claim_checks(worker_id=worker, limit=100)
    for job in jobs:
        run_job(job, worker_id=worker)
    return len(jobs)


@pytest.fixture
def pub(make_post, channel, owner):
    return publication_schedule(post=make_post(), channel=channel, at=None, actor=owner)


def reload(pub) -> Publication:
    return Publication.objects.get(pk=pub.pk)


def test_it_publishes_a_due_publication(pub, scripted):
    assert run_due() == 1
    pub = reload(pub)
    assert pub.status == Status.PUBLISHED
    assert pub.external_id == "ext-1" and pub.external_url == "https://fake.example/1"
    assert pub.published_at is not None and pub.claim_token == ""
    attempt = pub.attempts.get()
    assert attempt.outcome == Outcome.SUCCESS and attempt.finished_at is not None
    assert scripted.published[0].marker == pub.marker
    assert scripted.published[0].text == "Hello from smmdesk"


def test_it_does_not_publish_before_the_time(make_post, channel, owner, scripted):
    pub = publication_schedule(post=make_post(), channel=channel, at=later(3600), actor=owner)
    assert run_due() == 0
    assert reload(pub).status == Status.SCHEDULED
    assert run_due(now=later(3601)) == 1
    assert reload(pub).status == Status.PUBLISHED


def test_it_claims_each_row_once(pub):
    first = claim_due(worker_id="a", limit=10)
    second = claim_due(worker_id="b", limit=10)
    assert [j.publication_id for j in first] == [pub.pk]
    assert second == []
    assert reload(pub).claimed_by == "a"


def test_it_retries_a_transient_error_after_the_backoff_and_retry_after(pub, scripted):
    scripted.publish.append(TransientError("busy", code="http_429", retry_after=120))
    run_due()
    pub = reload(pub)
    assert pub.status == Status.SCHEDULED and pub.attempt_count == 1
    assert pub.due_at >= later(119)  # Retry-After wins over the 15 s backoff
    assert pub.channel.rate_limited_until >= later(119)
    assert run_due(now=later(60)) == 0  # the channel is throttled
    assert run_due(now=later(200)) == 1
    assert reload(pub).status == Status.PUBLISHED


def test_it_gives_up_after_the_last_transient_attempt(pub, scripted):
    for _ in range(MAX_PUBLISH_ATTEMPTS):
        scripted.publish.append(TransientError("network down", code="unreachable"))
    for n in range(MAX_PUBLISH_ATTEMPTS):
        assert run_due(now=later(10_000 * n)) == 1
    pub = reload(pub)
    assert pub.status == Status.FAILED
    assert f"{MAX_PUBLISH_ATTEMPTS} attempts" in pub.error_message
    assert pub.attempts.count() == MAX_PUBLISH_ATTEMPTS


def test_a_permanent_error_fails_it_and_a_broken_channel_stops_the_others(
        make_post, channel, owner, scripted):
    first = publication_schedule(post=make_post("one"), channel=channel, at=None, actor=owner)
    second = publication_schedule(post=make_post("two"), channel=channel, at=later(1),
                                  actor=owner)
    scripted.publish.append(PermanentError("Fake: the bot was removed; add it again.",
                                           code="forbidden", channel_broken=True))
    run_due()
    first = reload(first)
    assert first.status == Status.FAILED
    assert first.error_message == "Fake: the bot was removed; add it again."
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert run_due(now=later(5)) == 0  # waits for the channel instead of failing too
    assert reload(second).status == Status.SCHEDULED


def test_an_ambiguous_error_is_checked_and_settled_as_published(pub, scripted):
    scripted.publish.append(AmbiguousError("timeout", code="no_answer"))
    run_due()
    pub = reload(pub)
    assert pub.status == Status.UNCONFIRMED
    scripted.find.append(FindResult(Found.FOUND, PublishResult("ext-9", "https://fake/9")))
    assert run_due(now=later(10)) == 1
    pub = reload(pub)
    assert pub.status == Status.PUBLISHED and pub.external_id == "ext-9"
    assert len(scripted.published) == 1  # never sent twice
    assert [a.outcome for a in pub.attempts.all()] == [Outcome.AMBIGUOUS, Outcome.FOUND]


def test_an_unconfirmed_post_not_on_the_network_is_sent_again(pub, scripted):
    scripted.publish.append(AmbiguousError("timeout"))
    run_due()
    scripted.find.append(FindResult(Found.NOT_FOUND))
    run_due(now=later(10))
    assert reload(pub).status == Status.SCHEDULED
    run_due(now=later(11))
    assert reload(pub).status == Status.PUBLISHED
    assert len(scripted.published) == 2


def test_a_broken_off_thread_goes_on_from_the_next_part(pub, scripted):
    """The ids a thread's first parts got come back to the next try in ``req.resume``,
    so those parts are not posted again."""
    scripted.publish.append(TransientError(
        "Fake: 1 of 3 posts out, then a rate limit.", code="thread_incomplete",
        raw={"thread_posted": ["part-1"], "parts": 3}, retry_after=60))
    run_due()
    assert reload(pub).status == Status.SCHEDULED
    run_due(now=later(120))
    assert reload(pub).status == Status.PUBLISHED
    assert [r.resume for r in scripted.published] == [(), ("part-1",)]


def test_a_lagging_listing_never_produces_a_second_post(pub, scripted, monkeypatch):
    """A network whose listing can lag (no declared ``listing_lag``) answers "not found"
    for a post it did create: smmdesk keeps looking, finds it later, and sends once."""
    monkeypatch.setattr(ScriptedConnector, "listing_lag", None)
    scripted.publish.append(AmbiguousError("timeout"))
    run_due()
    for n in range(2):
        scripted.find.append(FindResult(Found.NOT_FOUND))
        assert run_due(now=later(10_000 * (n + 1))) == 1
        pub = reload(pub)
        assert pub.status == Status.UNCONFIRMED and "keeps looking" in pub.attempts.latest(
            "started_at").error_message
    scripted.find.append(FindResult(Found.FOUND, PublishResult("ext-1", "https://fake/1")))
    run_due(now=later(40_000))
    assert reload(pub).status == Status.PUBLISHED
    assert len(scripted.published) == 1


def test_a_listing_that_never_shows_the_post_ends_with_a_person(pub, scripted, monkeypatch):
    monkeypatch.setattr(ScriptedConnector, "listing_lag", timedelta(days=1))
    scripted.publish.append(AmbiguousError("timeout"))
    run_due()
    for n in range(MAX_CHECKS):  # all within a day of the send: not trusted yet
        scripted.find.append(FindResult(Found.NOT_FOUND))
        assert run_due(now=later(10_000 * (n + 1))) == 1
    pub = reload(pub)
    assert pub.status == Status.UNCONFIRMED and pub.needs_attention
    assert len(scripted.published) == 1


def test_it_asks_a_person_when_it_cannot_tell(pub, scripted, monkeypatch):
    scripted.publish.append(AmbiguousError("timeout"))
    run_due()
    for n in range(MAX_CHECKS):
        scripted.find.append(FindResult(Found.UNKNOWN, note="listing unavailable"))
        assert run_due(now=later(10_000 * (n + 1))) == 1
    pub = reload(pub)
    assert pub.status == Status.UNCONFIRMED and pub.needs_attention
    assert pub.due_at is None and "mark it published" in pub.error_message
    assert run_due(now=later(99999)) == 0
    assert len(scripted.published) == 1


def test_without_find_published_it_asks_a_person_at_once(pub, scripted, monkeypatch):
    monkeypatch.setattr(ScriptedConnector, "capabilities",
                        ScriptedConnector.capabilities.__class__())
    scripted.publish.append(AmbiguousError("timeout"))
    run_due()
    run_due(now=later(10))
    pub = reload(pub)
    assert pub.needs_attention and "does not let smmdesk list" in pub.error_message


def test_a_crash_before_sending_puts_it_back_in_the_queue(pub, scripted):
    [job] = claim_due(worker_id="dead", limit=10)  # claimed, then the worker died
    assert recover_expired(now=later(1)) == (0, 0)  # lease still running
    assert recover_expired(now=later(10_000)) == (1, 0)
    assert reload(pub).status == Status.SCHEDULED
    run_due()
    assert reload(pub).status == Status.PUBLISHED
    assert len(scripted.published) == 1


def test_a_crash_mid_call_makes_it_unconfirmed_then_checks(pub, scripted):
    [job] = claim_due(worker_id="dead", limit=10)
    PublishAttempt.objects.create(publication=pub, channel=pub.channel, number=1,
                                  worker_id="dead")  # the call was under way
    assert recover_expired(now=later(10_000)) == (0, 1)
    pub = reload(pub)
    assert pub.status == Status.UNCONFIRMED and pub.error_code == "worker_stopped"
    assert pub.attempts.get().outcome == Outcome.CRASHED
    scripted.find.append(FindResult(Found.FOUND, PublishResult("ext-7")))
    run_due(now=later(10_010))
    assert reload(pub).status == Status.PUBLISHED
    assert scripted.published == []  # found, never resent


def test_a_late_answer_after_recovery_settles_it(pub, scripted):
    [job] = claim_due(worker_id="slow", limit=10)

    def publish_slowly(req):
        recover_expired(now=later(10_000))  # lease ran out while the network answered
        return PublishResult("ext-late", "https://fake/late")

    scripted.publish.append(None)
    ScriptedConnector.publish, original = (
        lambda self, req: publish_slowly(req)), ScriptedConnector.publish
    try:
        run_job(job, worker_id="slow")
    finally:
        ScriptedConnector.publish = original
    pub = reload(pub)
    assert pub.status == Status.PUBLISHED and pub.external_id == "ext-late"


def test_heartbeats_keep_the_lease_of_a_live_worker(pub):
    [job] = claim_due(worker_id="alive", limit=10)
    first = reload(pub).lease_expires_at
    assert extend_leases(worker_id="alive", now=later(100)) == 1
    assert reload(pub).lease_expires_at > first
    assert recover_expired(now=first + timedelta(seconds=1)) == (0, 0)


def test_declared_rate_limits_defer_without_counting_an_attempt(
        make_post, channel, owner, scripted, monkeypatch):
    monkeypatch.setattr(ScriptedConnector, "rate_limits", (RateLimit(2, 60),))
    pubs = [publication_schedule(post=make_post(f"p{i}"), channel=channel, at=None, actor=owner)
            for i in range(3)]
    for _ in pubs:  # one at a time, as a single worker thread would
        run_job(claim_due(worker_id="w", limit=1)[0], worker_id="w")
    states = sorted(reload(p).status for p in pubs)
    assert states == [Status.PUBLISHED, Status.PUBLISHED, Status.SCHEDULED]
    waiting = next(reload(p) for p in pubs if reload(p).status == Status.SCHEDULED)
    assert waiting.attempt_count == 0 and waiting.due_at > later(50)


def test_a_post_that_no_longer_fits_fails_before_sending(pub, scripted):
    pub.variant.customized, pub.variant.text = True, "x" * 281
    pub.variant.save()
    run_due()
    pub = reload(pub)
    assert pub.status == Status.FAILED and pub.error_code == "text_too_long"
    assert "at most 280 characters" in pub.error_message
    assert scripted.published == []


def test_a_connector_bug_is_treated_as_maybe_sent(pub, scripted):
    scripted.publish.append(ZeroDivisionError())
    run_due()
    pub = reload(pub)
    assert pub.status == Status.UNCONFIRMED and pub.error_code == "internal_error"


def test_the_token_is_masked_in_the_attempt_log(pub, scripted):
    scripted.publish.append(PermanentError("refused", raw="token secret-token-123 bad"))
    run_due()
    attempt = reload(pub).attempts.get()
    assert "secret-token-123" not in str(attempt.response)
    assert "***" in attempt.response["raw"]


def test_an_expired_token_fails_with_what_to_do(pub, scripted):
    from smmdesk.channels.models import Channel

    Channel.objects.filter(pk=pub.channel_id).update(token_expires_at=later(-3600))
    run_due()
    pub = reload(pub)
    assert pub.status == Status.FAILED and pub.error_code == "token_expired"
    assert "Reconnect the channel" in pub.error_message
    assert Channel.objects.get(pk=pub.channel_id).status == ChannelStatus.NEEDS_RECONNECT
    assert scripted.published == []


def test_tokens_renewed_during_a_call_are_kept(pub, scripted, monkeypatch):
    from smmdesk.channels.services import channel_context
    from smmdesk.connectors.base import ConnectResult

    def publish(self, req):
        self.rotated = ConnectResult(external_id="acct", name="Fake",
                                     credentials={"token": "renewed-token-789"})
        return PublishResult("ext-r")

    monkeypatch.setattr(ScriptedConnector, "publish", publish)
    run_due()
    assert reload(pub).status == Status.PUBLISHED
    assert channel_context(reload(pub).channel).credentials["token"] == "renewed-token-789"


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)", "data:text/html,<b>x",
                                  " JavaScript:alert(1)", "//evil.example/p", "java\tscript:x"])
def test_a_link_from_the_network_that_is_not_http_is_not_stored(pub, scripted, link):
    scripted.publish.append(PublishResult("ext-9", link))
    run_due()
    pub = reload(pub)
    assert pub.status == Status.PUBLISHED and pub.external_url == ""


def test_a_person_cannot_settle_with_a_link_that_is_not_http(pub, scripted, owner):
    from smmdesk.lib.errors import InvalidInput
    from smmdesk.publishing.services import publication_settle

    scripted.publish.append(AmbiguousError("timeout", code="no_answer"))
    run_due()
    pub = reload(pub)
    assert pub.status == Status.UNCONFIRMED
    with pytest.raises(InvalidInput):
        publication_settle(publication=pub, actor=owner, outcome="published",
                           url="javascript:alert(1)")
    assert reload(pub).status == Status.UNCONFIRMED

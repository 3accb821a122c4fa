"""Many workers at once: a job delivered twice sends once, rate limits hold across workers,
a task keeps its own lease and a job that never started is given back."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from smmdesk.connectors.base import PublishResult, RateLimit
from smmdesk.publishing.dispatcher import (
    Job,
    LeaseHeartbeat,
    claim_due,
    claim_take_over,
    recover_expired,
    release_claim,
)
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Publication, PublishAttempt, Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.publishing.tasks import run_publication_jobs
from tests.fakes import ScriptedConnector


@pytest.fixture
def pub(make_post, channel, owner):
    return publication_schedule(post=make_post(), channel=channel, at=None, actor=owner)


def reload(pub) -> Publication:
    return Publication.objects.get(pk=pub.pk)


def in_threads(fns) -> None:
    """Run each function in a thread of its own (each with its own connection)."""
    errors = []

    def run(fn):
        try:
            fn()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def meet_before_sending(monkeypatch, parties: int) -> None:
    """Hold every worker at the same point before its network call (where the old
    check-then-act gap was), then let them all go at once."""
    barrier = threading.Barrier(parties)
    validate = ScriptedConnector.validate.__func__

    def validate_together(cls, req, *, settings=None):
        barrier.wait(10)
        return validate(cls, req, settings=settings)

    monkeypatch.setattr(ScriptedConnector, "validate", classmethod(validate_together))


@pytest.mark.django_db
def test_a_job_delivered_again_after_its_send_began_does_not_send(pub, scripted):
    [job] = claim_due(worker_id="w1", limit=10)
    # The first delivery started its call and its worker died: the attempt is open.
    PublishAttempt.objects.create(publication=pub, channel=pub.channel, number=1,
                                  worker_id="w1", claim_token=job.token)
    run_job(Job(job.kind, job.publication_id, job.token), worker_id="w2")
    assert scripted.published == []
    assert PublishAttempt.objects.filter(publication=pub).count() == 1
    run_publication_jobs(job.kind, [job.publication_id], job.token)  # the Celery task, too
    assert scripted.published == []
    assert reload(pub).claimed_by == "w1"  # left to recovery, which checks the network
    assert recover_expired(now=timezone.now() + timedelta(days=1)) == (0, 1)


@pytest.mark.django_db
def test_a_second_delivery_never_reschedules_a_job_being_sent(pub, scripted, monkeypatch):
    monkeypatch.setattr(ScriptedConnector, "rate_limits", (RateLimit(1, 60),))
    [job] = claim_due(worker_id="w1", limit=10)
    PublishAttempt.objects.create(publication=pub, channel=pub.channel, number=1,
                                  worker_id="w1", claim_token=job.token)  # sending now
    run_job(Job(job.kind, job.publication_id, job.token), worker_id="w2")
    pub = reload(pub)
    assert pub.status == Status.PUBLISHING and pub.claim_token == job.token


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_job_at_the_same_time_send_once(pub, scripted, monkeypatch):
    [job] = claim_due(worker_id="w", limit=10)
    meet_before_sending(monkeypatch, 2)
    in_threads([lambda: run_job(Job(job.kind, job.publication_id, job.token),
                                worker_id="w")] * 2)
    assert len(scripted.published) == 1
    assert reload(pub).status == Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_workers_never_both_take_the_last_call_a_rate_limit_allows(
        make_post, channel, owner, scripted, monkeypatch):
    monkeypatch.setattr(ScriptedConnector, "rate_limits", (RateLimit(1, 60),))
    pubs = [publication_schedule(post=make_post(f"p{i}"), channel=channel, at=None,
                                 actor=owner) for i in range(4)]
    jobs = [claim_due(worker_id=f"w{i}", limit=1)[0] for i in range(len(pubs))]
    meet_before_sending(monkeypatch, len(jobs))
    in_threads([lambda job=job: run_job(job, worker_id="w") for job in jobs])
    assert len(scripted.published) == 1
    states = sorted(reload(p).status for p in pubs)
    assert states == [Status.PUBLISHED] + [Status.SCHEDULED] * 3
    assert all(reload(p).due_at > timezone.now() + timedelta(seconds=50)
               for p in pubs if reload(p).status == Status.SCHEDULED)


@pytest.mark.django_db(transaction=True)
def test_a_task_keeps_its_lease_while_it_runs_and_stops_when_taken_back(pub, settings):
    settings.SMMDESK_LEASE_SECONDS = 1
    [job] = claim_due(worker_id="dispatcher", limit=10)
    assert claim_take_over([job], worker_id="celery:1") == [pub.pk]
    assert reload(pub).claimed_by == "celery:1"
    with LeaseHeartbeat([job], every=0.1) as beat:
        time.sleep(1.5)  # longer than the lease
        assert recover_expired() == (0, 0)
        assert reload(pub).lease_expires_at > timezone.now()
        Publication.objects.filter(pk=pub.pk).update(claim_token="someone-else")
        time.sleep(0.3)
        beats = beat.beats
        time.sleep(0.3)
    assert beats >= 5 and beat.beats == beats  # it stopped once the token changed


@pytest.mark.django_db
def test_a_job_taken_back_meanwhile_is_not_taken_over(pub, scripted):
    [job] = claim_due(worker_id="dispatcher", limit=10)
    assert recover_expired(now=timezone.now() + timedelta(days=1)) == (1, 0)
    assert claim_take_over([job], worker_id="celery:1") == []
    run_publication_jobs(job.kind, [job.publication_id], job.token)
    assert scripted.published == [] and reload(pub).status == Status.SCHEDULED


@pytest.mark.django_db
def test_a_job_that_never_started_is_given_back_at_once(pub, scripted):
    [job] = claim_due(worker_id="w", limit=10)
    assert release_claim(job)
    pub = reload(pub)
    assert pub.status == Status.SCHEDULED and pub.claim_token == ""
    [again] = claim_due(worker_id="w", limit=10)
    PublishAttempt.objects.create(publication=pub, channel=pub.channel, number=1,
                                  worker_id="w", claim_token=again.token)
    assert not release_claim(again)  # maybe sent: only recovery may decide
    assert reload(pub).status == Status.PUBLISHING


@pytest.mark.django_db
def test_a_late_answer_settles_a_row_taken_over_by_a_task(pub, scripted):
    [job] = claim_due(worker_id="dispatcher", limit=10)
    assert claim_take_over([job], worker_id="celery:1") == [pub.pk]
    scripted.publish.append(PublishResult("ext-1"))
    run_job(Job(job.kind, job.publication_id, job.token), worker_id="celery:1")
    pub = reload(pub)
    assert pub.status == Status.PUBLISHED and pub.attempts.get().worker_id == "celery:1"


@pytest.mark.django_db
def test_a_background_only_worker_claims_nothing(pub):
    from smmdesk.publishing.executors import LocalExecutor
    from smmdesk.publishing.worker import Worker

    worker = Worker(executor=LocalExecutor(worker_id="bg", threads=1), worker_id="bg",
                    dispatch=False)
    assert worker.tick() == 0
    assert reload(pub).status == Status.SCHEDULED


@pytest.mark.django_db
def test_a_look_ahead_claims_only_what_is_due_within_it(make_post, channel, owner):
    now = timezone.now()
    soon = publication_schedule(post=make_post(), channel=channel,
                                at=now + timedelta(seconds=1.5), actor=owner)
    later = publication_schedule(post=make_post(), channel=channel,
                                 at=now + timedelta(seconds=30), actor=owner)
    assert claim_due(worker_id="d", limit=10, now=now) == []
    jobs = claim_due(worker_id="d", limit=10, now=now, ahead=2.0)
    assert [j.publication_id for j in jobs] == [soon.pk]
    assert reload(later).status == Status.SCHEDULED


@pytest.mark.django_db
def test_a_job_claimed_ahead_waits_for_its_time_and_no_longer_than_the_look_ahead(
        pub, settings):
    from smmdesk.publishing.tasks import wait_for_due

    settings.SMMDESK_CELERY_LOOKAHEAD = 2.0
    slept = []
    pub.due_at = timezone.now() + timedelta(seconds=1)
    assert 0.9 < wait_for_due(Job("publish", pub.pk, "t", pub), sleep=slept.append) <= 1.0
    pub.due_at = timezone.now() + timedelta(hours=1)  # never held for longer than asked
    assert wait_for_due(Job("publish", pub.pk, "t", pub), sleep=slept.append) == 2.0
    pub.due_at = timezone.now() - timedelta(seconds=5)  # already late: no wait at all
    assert wait_for_due(Job("publish", pub.pk, "t", pub), sleep=slept.append) == 0.0
    assert len(slept) == 2

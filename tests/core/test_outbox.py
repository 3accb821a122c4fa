"""The outbox: side effects leave after commit, are retried, and are sent once by any
number of workers."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from smmdesk.core import outbox
from smmdesk.core.models import OutboxMessage, OutboxStatus
from smmdesk.core.outbox import (
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    OutboxPermanentError,
    backoff,
    mail_enqueue,
    outbox_enqueue,
    outbox_handler,
    outbox_process,
)
from smmdesk.inbox.services import inbox_settings_save
from smmdesk.lib import http as http_lib
from smmdesk.publishing.worker import Worker
from smmdesk.team.services import notify


@pytest.fixture
def handled(monkeypatch):
    """Registers test handlers; ``handled.calls`` lists (kind, dedupe_key, in_transaction)."""
    calls: list[tuple[str, str, bool]] = []
    lock = threading.Lock()

    def record(message):
        with lock:
            calls.append((message.kind, message.dedupe_key, connection.in_atomic_block))

    def broken(message):
        raise ConnectionError("smtp.example.com refused the connection")

    def refused(message):
        raise OutboxPermanentError("the address does not exist")

    monkeypatch.setattr(outbox, "_registered", {})
    outbox_handler("test_record")(record)
    outbox_handler("test_broken")(broken)
    outbox_handler("test_refused")(refused)
    return SimpleNamespace(calls=calls)


@pytest.mark.django_db
def test_it_sends_nothing_for_rolled_back_work(workspace, owner, run_outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(users=[owner], workspace=workspace, text="Post approved")
        raise RuntimeError("the business transaction failed")
    assert not OutboxMessage.objects.exists()
    assert run_outbox() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_it_sends_mail_only_after_the_transaction_and_only_once(workspace, owner, run_outbox):
    with transaction.atomic():
        notify(users=[owner], workspace=workspace, text="Post approved", url="/w/x/")
        assert mail.outbox == []  # no SMTP call inside the business transaction
    assert mail.outbox == []
    assert run_outbox() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Post approved" in mail.outbox[0].body and "/w/x/" in mail.outbox[0].body
    assert run_outbox() == 0 and len(mail.outbox) == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.workspace) == (OutboxStatus.SENT, 1, workspace)
    assert row.sent_at and not row.claim_token and not row.claimed_by


@pytest.mark.django_db
def test_it_enqueues_a_dedupe_key_once(handled, run_outbox):
    first = outbox_enqueue(kind="test_record", payload={"n": 1}, dedupe_key="reply:42")
    second = outbox_enqueue(kind="test_record", payload={"n": 2}, dedupe_key="reply:42")
    assert first.pk == second.pk and second.payload == {"n": 1}
    assert run_outbox() == 1
    assert [key for _kind, key, _tx in handled.calls] == ["reply:42"]


@pytest.mark.django_db
def test_it_refuses_an_unknown_kind_in_the_caller():
    with pytest.raises(LookupError):
        outbox_enqueue(kind="carrier_pigeon", payload={})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_it_waits_until_not_before(handled):
    later = timezone.now() + timedelta(hours=1)
    outbox_enqueue(kind="test_record", payload={}, not_before=later)
    assert outbox_process(worker_id="w") == 0
    assert outbox_process(worker_id="w", now=later) == 1 and len(handled.calls) == 1


@pytest.mark.django_db
def test_it_retries_with_backoff_then_gives_up_keeping_the_error(handled):
    row = outbox_enqueue(kind="test_broken", payload={})
    for attempt in range(1, MAX_ATTEMPTS):
        before = timezone.now()
        assert outbox_process(worker_id="w", now=row.next_attempt_at) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.FAILED, attempt)
        wait = row.next_attempt_at - before
        assert backoff(attempt) <= wait <= backoff(attempt) + timedelta(seconds=5)
        assert outbox_process(worker_id="w", now=row.next_attempt_at - timedelta(seconds=1)) == 0
    assert outbox_process(worker_id="w", now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, MAX_ATTEMPTS)
    assert row.last_error == "ConnectionError: smtp.example.com refused the connection"
    assert outbox_process(worker_id="w", now=timezone.now() + timedelta(days=30)) == 0


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


@pytest.mark.django_db
def test_a_permanent_error_stops_at_once(handled):
    row = outbox_enqueue(kind="test_refused", payload={})
    assert outbox_process(worker_id="w") == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 1)
    assert row.last_error == "OutboxPermanentError: the address does not exist"


@pytest.mark.django_db
def test_an_expired_claim_is_taken_over_and_the_dead_worker_cannot_finish_it(handled):
    row = outbox_enqueue(kind="test_record", payload={})
    now = timezone.now()
    [claimed] = outbox._claim(worker_id="killed", limit=10, now=now)  # then SIGKILL
    assert outbox_process(worker_id="w2", now=now) == 0  # the lease still holds
    later = now + timedelta(seconds=LEASE_SECONDS + 1)
    assert outbox_process(worker_id="w2", now=later) == 1
    assert len(handled.calls) == 1
    outbox._finish(claimed, OutboxStatus.FAILED, error="late")  # a stale token changes nothing
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.SENT, "")


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_a_row_twice(handled):
    keys = [f"k{n}" for n in range(60)]
    for key in keys:
        outbox_enqueue(kind="test_record", payload={}, dedupe_key=key)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            while outbox_process(worker_id=f"w{n}", limit=3):
                time.sleep(0.001)  # let the others in between claims
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(key for _kind, key, _tx in handled.calls) == sorted(keys)
    assert not any(tx for _kind, _key, tx in handled.calls)  # handlers run outside a transaction
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


@pytest.mark.django_db
def test_no_mail_is_queued_without_a_mail_server(settings, workspace, owner):
    settings.SMMDESK_EMAIL_ENABLED = False
    notify(users=[owner], workspace=workspace, text="Post approved")
    assert mail_enqueue(subject="s", body="b", recipients=[owner.email]) is None
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_failing_mail_server_is_retried(monkeypatch, workspace, owner, run_outbox):
    def down(self, fail_silently=False):
        raise TimeoutError("timed out")

    notify(users=[owner], workspace=workspace, text="Post approved")
    monkeypatch.setattr("django.core.mail.EmailMessage.send", down)
    assert run_outbox() == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, "TimeoutError: timed out")


def test_smtp_calls_have_a_timeout(settings):
    from django.core.mail.backends.smtp import EmailBackend

    assert settings.EMAIL_TIMEOUT and EmailBackend().timeout == settings.EMAIL_TIMEOUT


def _telegram_answers(status: int, seen: list):
    def answer(request):
        seen.append(request)
        return httpx.Response(status, json={"ok": status == 200, "description": "x"})
    http_lib.set_transport_factory(lambda: httpx.MockTransport(answer))


@pytest.mark.django_db
@pytest.mark.parametrize("status,expected", [(502, OutboxStatus.FAILED),
                                             (429, OutboxStatus.FAILED),
                                             (400, OutboxStatus.DEAD),
                                             (200, OutboxStatus.SENT)])
def test_a_telegram_alert_is_retried_only_when_telegram_may_take_it_later(
        workspace, run_outbox, status, expected):
    from smmdesk.inbox.alerts import telegram_alert_enqueue

    token = "123456:AAH-secret-token"
    inbox_settings_save(workspace=workspace, telegram_bot_token=token, telegram_chat_id="-100")
    telegram_alert_enqueue(workspace=workspace, text="Negative message")
    seen: list = []
    _telegram_answers(status, seen)
    assert run_outbox() == 1 and len(seen) == 1
    row = OutboxMessage.objects.get()
    assert row.status == expected and token not in row.last_error
    assert token not in str(row.payload)  # the token stays encrypted in the settings


@pytest.mark.django_db
def test_no_telegram_alert_is_queued_without_a_bot(workspace):
    from smmdesk.inbox.alerts import telegram_alert_enqueue

    telegram_alert_enqueue(workspace=workspace, text="Negative message")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_worker_sends_the_outbox_in_its_background_loop(workspace, owner):
    worker = Worker(executor=SimpleNamespace(name="none"), worker_id="w")
    background = [p.fn for p in worker.background]
    assert worker.outbox in background and worker.outbox_prune in background
    notify(users=[owner], workspace=workspace, text="Post approved")
    worker.outbox()
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_every_http_call_has_a_timeout_even_when_asked_for_none(settings):
    from smmdesk.lib.http import HttpClient

    settings.SMMDESK_HTTP_TIMEOUT = 60.0
    seen: list[dict] = []

    def answer(request):
        seen.append(request.extensions["timeout"])
        return httpx.Response(200)

    http_lib.set_transport_factory(lambda: httpx.MockTransport(answer))
    with HttpClient() as http:
        http.request("GET", "https://api.telegram.org/getMe", timeout=None)
        http.request("GET", "https://api.telegram.org/getMe")
    # Connecting gives up sooner than waiting for an answer.
    assert seen == [{"connect": 10.0, "read": 60.0, "write": 60.0, "pool": 60.0}] * 2


@pytest.mark.django_db
def test_healthz_shows_what_waits_and_what_was_given_up(client, handled):
    outbox_enqueue(kind="test_record", payload={})
    outbox_enqueue(kind="test_refused", payload={}, not_before=timezone.now())
    outbox_process(worker_id="w", limit=1)  # the oldest first: test_record is sent
    outbox_enqueue(kind="test_record", payload={})
    assert client.get("/healthz").json()["outbox"] == {"waiting": 2, "dead": 0}
    outbox_process(worker_id="w")
    assert client.get("/healthz").json()["outbox"] == {"waiting": 0, "dead": 1}


@pytest.mark.django_db
def test_a_message_that_kills_every_worker_is_given_up(handled):
    row = outbox_enqueue(kind="test_record", payload={})
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):  # each worker renews its claim, starts, and is killed
        [claimed] = outbox._claim(worker_id="doomed", limit=1, now=now)
        assert outbox._renew(claimed)
        now += timedelta(seconds=LEASE_SECONDS + 1)
    assert outbox_process(worker_id="w", now=now) == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.DEAD,
                                            "the worker stopped during every try")
    assert handled.calls == []


@pytest.mark.django_db
def test_old_sent_and_dead_messages_are_pruned(handled):
    from smmdesk.core.outbox import KEEP_DEAD, KEEP_SENT, outbox_prune

    sent = outbox_enqueue(kind="test_record", payload={})
    dead = outbox_enqueue(kind="test_refused", payload={})
    waiting = outbox_enqueue(kind="test_record", payload={},
                             not_before=timezone.now() + timedelta(days=365))
    outbox_process(worker_id="w")
    now = timezone.now()
    assert outbox_prune(now=now + KEEP_SENT - timedelta(hours=1)) == 0
    assert outbox_prune(now=now + KEEP_SENT + timedelta(hours=1)) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {dead.pk, waiting.pk}
    assert outbox_prune(now=now + KEEP_DEAD + timedelta(hours=1)) == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert sent.pk not in OutboxMessage.objects.values_list("pk", flat=True)


@pytest.mark.django_db
def test_the_outbox_command_shows_given_up_messages_and_retries_them(handled, workspace):
    from io import StringIO

    from django.core.management import call_command

    dead = outbox_enqueue(kind="test_refused", payload={}, workspace=workspace)
    kept = outbox_enqueue(kind="test_refused", payload={})
    outbox_process(worker_id="w")
    out = StringIO()
    call_command("outbox", stdout=out)
    assert "0 waiting, 2 given up" in out.getvalue()
    assert f"{dead.pk}  test_refused  Zerno Coffee" in out.getvalue()
    assert "OutboxPermanentError: the address does not exist" in out.getvalue()
    call_command("outbox", "--retry", str(dead.pk), stdout=StringIO())
    dead.refresh_from_db()
    kept.refresh_from_db()
    assert (dead.status, dead.attempts, kept.status) == (OutboxStatus.PENDING, 0,
                                                         OutboxStatus.DEAD)
    call_command("outbox", "--retry", stdout=StringIO())
    assert outbox_process(worker_id="w") == 2  # both tried again (and refused again)
    assert list(OutboxMessage.objects.values_list("status", "attempts").distinct()) == [
        (OutboxStatus.DEAD, 1)]

"""Doing one claimed job: publish a publication, or check an unconfirmed one.

The order of writes is what makes the guarantees hold:

1. the claim (dispatcher) — nothing sent yet; a crash here is undone by re-scheduling;
2. the ``PublishAttempt`` row, committed *before* the network call — from here a crash
   means "maybe sent", so recovery turns the row ``unconfirmed`` instead of resending;
3. the network call;
4. the outcome, written only while our claim token still holds (compare-and-swap).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smmdesk.channels.models import Channel, NetworkThrottle
from smmdesk.channels.services import (
    channel_connector,
    channel_fresh_connector,
    channel_mark_broken,
    channel_throttle,
)
from smmdesk.connectors.base import (
    AmbiguousError,
    Connector,
    ConnectorError,
    FindResult,
    Found,
    PermanentError,
    PublishResult,
    TransientError,
)
from smmdesk.connectors.registry import connector_class
from smmdesk.content.selectors import variant_publish_request
from smmdesk.lib.db import write_transaction
from smmdesk.lib.links import safe_http_url
from smmdesk.publishing.dispatcher import Job, load_for_publishing
from smmdesk.publishing.models import Outcome, Publication, PublishAttempt, Status
from smmdesk.publishing.retry import check_delay, transient_delay

log = logging.getLogger("smmdesk.publishing")


def run_job(job: Job, *, worker_id: str) -> None:
    pub = job.publication or load_for_publishing([job.publication_id], job.token).get(
        job.publication_id)
    if pub is None:
        return  # taken back meanwhile (lease ran out): whoever holds it now decides
    # Errors are stored in words: the workspace's language and time zone, not the worker's.
    ws = pub.workspace
    with translation.override(ws.language), timezone.override(ws.tz):
        if job.kind == "publish" and pub.status == Status.PUBLISHING:
            publish_one(pub, job.token, worker_id=worker_id)
        elif job.kind == "check" and pub.status == Status.UNCONFIRMED:
            check_one(pub, job.token, worker_id=worker_id)


def _finish(pub: Publication, token: str, **fields) -> bool:
    """Write the outcome if our claim still holds."""
    fields.setdefault("claim_token", "")
    fields.setdefault("claimed_by", "")
    fields.setdefault("lease_expires_at", None)
    fields["updated_at"] = timezone.now()
    return bool(Publication.objects.filter(pk=pub.pk, claim_token=token).transition(
        pub.status, fields.pop("status", None), **fields))


# ---------------------------------------------------------------- rate limits


def rate_limit_wait(channel: Channel, cls: type[Connector], now: datetime) -> datetime | None:
    """When this channel may be called next, if not now: a Retry-After we were told (the
    claim already skipped throttled channels and network apps; this catches one set by a
    job of the same batch), or the connector's declared limits counted over the log.
    Counting and acting are one step only under ``_rate_lock`` (see ``_start_attempt``)."""
    waits = [t for t in [channel.rate_limited_until] if t and t > now]
    for limit in cls.rate_limits:
        window = now - timedelta(seconds=limit.per_seconds)
        attempts = PublishAttempt.objects.filter(kind=PublishAttempt.KIND_PUBLISH,
                                                 started_at__gt=window)
        if limit.scope == "app":
            attempts = attempts.filter(channel__kind=channel.kind)
        else:
            attempts = attempts.filter(channel=channel)
        recent = list(attempts.order_by("-started_at")
                      .values_list("started_at", flat=True)[:limit.calls])
        if len(recent) >= limit.calls:
            waits.append(recent[-1] + timedelta(seconds=limit.per_seconds))
    return max(waits) if waits else None


def _rate_lock(channel: Channel, cls: type[Connector]) -> Channel:
    """Serialise every worker's count-then-send for this channel (and its network app when
    a limit is app-wide): row locks on PostgreSQL; SQLite's IMMEDIATE transactions already
    hold the one write lock from BEGIN. Returns the channel as it is now."""
    if any(limit.scope == "app" for limit in cls.rate_limits):
        NetworkThrottle.objects.get_or_create(
            kind=channel.kind, defaults={"blocked_until": timezone.now()})
        list(NetworkThrottle.objects.select_for_update().filter(kind=channel.kind))
    return Channel.objects.select_for_update().get(pk=channel.pk)


# ---------------------------------------------------------------- publish


def publish_one(pub: Publication, token: str, *, worker_id: str) -> None:
    cls = connector_class(pub.channel.kind)
    req = variant_publish_request(pub.variant, marker=pub.marker, publication_id=pub.pk,
                                  publishing=True)
    req = replace(req, resume=_posted_so_far(pub))
    issues = cls.validate(req, settings=pub.channel.settings)
    if issues:
        _fail_before_sending(pub, token, worker_id, issues[0].code,
                             " ".join(i.message for i in issues))
        return
    try:
        connector = channel_fresh_connector(pub.channel)
    except PermanentError as exc:
        _fail_before_sending(pub, token, worker_id, exc.code, exc.message)
        channel_mark_broken(channel=pub.channel, message=exc.message)
        return
    except TransientError as exc:  # another worker is renewing the channel's tokens
        with write_transaction():
            _finish(pub, token, status=Status.SCHEDULED,
                    due_at=timezone.now() + timedelta(seconds=exc.retry_after or 5))
        return
    try:
        attempt = _start_attempt(pub, token, cls, req, worker_id=worker_id)
        if attempt is not None:
            _send(pub, token, attempt, connector, req)
    finally:
        connector.http.close()


def _posted_so_far(pub: Publication) -> tuple[str, ...]:
    """The thread parts the last try posted before it broke off (kept with its attempt),
    so this try goes on from the next part instead of posting them again."""
    if pub.error_code != "thread_incomplete":
        return ()
    last = (PublishAttempt.objects.filter(publication=pub, kind=PublishAttempt.KIND_PUBLISH)
            .order_by("-started_at").values_list("response", flat=True).first())
    posted = last.get("thread_posted") if isinstance(last, dict) else None
    return tuple(str(i) for i in posted) if isinstance(posted, list) else ()


def _start_attempt(pub: Publication, token: str, cls: type[Connector], req, *,
                   worker_id: str) -> PublishAttempt | None:
    """The attempt row, committed *before* the network call, if this job may send now:
    its claim still holds, nothing was sent under this claim yet (a job delivered twice
    sends once), and the declared rate limits allow one more call, counted and recorded
    under one lock so that two workers never both take the last free call. Else None
    (and a rate-limited job goes back to wait for its time)."""
    try:
        with write_transaction():
            return _start_attempt_locked(pub, token, cls, req, worker_id=worker_id)
    except IntegrityError:  # one attempt per claim (a unique constraint): sent already
        log.warning("publication %s: already sent under this claim; not again", pub.pk)
        return None


def _start_attempt_locked(pub, token, cls, req, *, worker_id) -> PublishAttempt | None:
    channel = _rate_lock(pub.channel, cls) if cls.rate_limits else pub.channel
    if not Publication.objects.select_for_update().filter(
            pk=pub.pk, claim_token=token, status=Status.PUBLISHING).values_list("pk"):
        return None  # taken back meanwhile: whoever holds it now decides
    if PublishAttempt.objects.filter(publication=pub, claim_token=token,
                                     kind=PublishAttempt.KIND_PUBLISH).exists():
        # Before the rate check: a second delivery must never reschedule a row whose
        # first delivery may be sending right now.
        log.warning("publication %s: already sent under this claim; not again", pub.pk)
        return None
    now = timezone.now()
    wait = rate_limit_wait(channel, cls, now)
    if wait is not None:
        _finish(pub, token, status=Status.SCHEDULED, due_at=wait)
        return None
    return PublishAttempt.objects.create(
        publication=pub, channel=pub.channel, kind=PublishAttempt.KIND_PUBLISH,
        number=pub.attempt_count + 1, worker_id=worker_id, claim_token=token,
        started_at=now, request={"text_chars": len(req.text), "media": len(req.media),
                                 "format": req.format})


def _send(pub, token, attempt: PublishAttempt, connector: Connector, req) -> None:
    try:
        result = connector.publish(req)
    except ConnectorError as exc:
        _record_error(pub, token, attempt, connector, exc)
    except Exception as exc:  # a bug in a connector: we cannot know whether it sent
        log.exception("connector %s crashed publishing %s", pub.channel.kind, pub.pk)
        _record_error(pub, token, attempt, connector,
                      AmbiguousError(_("An internal error interrupted publishing (%(error)s); "
                                       "smmdesk will check the network before trying again.")
                                     % {"error": type(exc).__name__}, code="internal_error"))
    else:
        _record_success(pub, token, attempt, connector, result)
    finally:
        _keep_rotated(pub.channel, connector)


def _keep_rotated(channel, connector: Connector) -> None:
    if connector.rotated is not None:
        from smmdesk.channels.services import channel_keep_credentials

        channel_keep_credentials(channel=channel, old=connector.channel.credentials,
                                 fresh=connector.rotated)


def _fail_before_sending(pub, token, worker_id, code, message) -> None:
    now = timezone.now()
    with write_transaction():
        PublishAttempt.objects.create(
            publication=pub, channel=pub.channel, number=pub.attempt_count + 1,
            worker_id=worker_id, started_at=now, finished_at=now, outcome=Outcome.PERMANENT,
            error_code=code, error_message=message, duration_ms=0,
            request={"sent": False})
        _finish(pub, token, status=Status.FAILED, due_at=None, error_code=code,
                error_message=message, attempt_count=pub.attempt_count + 1)


def _close_attempt(attempt: PublishAttempt, connector: Connector, outcome: str, *,
                   error: ConnectorError | None = None, response: dict | None = None) -> None:
    now = timezone.now()
    attempt.finished_at = now
    attempt.outcome = outcome
    attempt.duration_ms = int((now - attempt.started_at).total_seconds() * 1000)
    attempt.request = {**attempt.request,
                       "calls": [t.as_dict() for t in connector.http.trace][-20:]}
    if error is not None:
        attempt.error_code = error.code[:64]
        attempt.error_message = error.message
        response = {"raw": connector.http.mask(str(error.raw))[:2000]} if error.raw else {}
        posted = error.raw.get("thread_posted") if isinstance(error.raw, dict) else None
        if isinstance(posted, list) and posted:  # handed back to the next try
            response["thread_posted"] = [str(i) for i in posted]
    attempt.response = response or {}
    attempt.save(update_fields=["finished_at", "outcome", "duration_ms", "request",
                                "error_code", "error_message", "response"])


def _record_success(pub, token, attempt, connector, result: PublishResult) -> None:
    now = timezone.now()
    fields = dict(status=Status.PUBLISHED, external_id=result.external_id[:200],
                  external_url=safe_http_url(result.url), published_at=now, due_at=None,
                  error_code="", error_message="", needs_attention=False,
                  attempt_count=attempt.number)
    with write_transaction():
        _close_attempt(attempt, connector, Outcome.SUCCESS,
                       response={"external_id": result.external_id, "url": result.url,
                                 "extra_ids": list(result.extra_ids),
                                 "raw": _jsonable(result.raw)})
        if _finish(pub, token, **fields):
            _measure(pub.pk)
            return
        # Our lease ran out while the network was answering and recovery marked the row
        # unconfirmed: we know the answer, so settle it.
        settled = Publication.objects.filter(pk=pub.pk).transition(
            Status.UNCONFIRMED, fields.pop("status"), claim_token="", claimed_by="",
            lease_expires_at=None, updated_at=now, **fields)
        if settled:
            _measure(pub.pk)
    if not settled:
        log.warning("publication %s published as %s but changed meanwhile", pub.pk,
                    result.external_id)


def _measure(pub_id: int) -> None:
    """Analytics' reading plan for a publication that has just become published (in the
    transaction that made it so)."""
    from smmdesk.analytics.services import collect_plan_publication

    pub = Publication.objects.filter(pk=pub_id, status=Status.PUBLISHED).first()
    if pub is not None:
        collect_plan_publication(publication=pub)


def _jsonable(value):
    """What a connector returned, in a form the attempt log can store (secrets masked by
    the connectors themselves; this only keeps it JSON)."""
    import json

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)[:2000]


def _record_error(pub, token, attempt, connector, exc: ConnectorError) -> None:
    now = timezone.now()
    outcome = {"permanent": Outcome.PERMANENT, "transient": Outcome.TRANSIENT,
               "ambiguous": Outcome.AMBIGUOUS}[exc.error_class]
    fields: dict = {"attempt_count": attempt.number, "error_code": exc.code[:64],
                    "error_message": exc.message}
    if isinstance(exc, PermanentError):
        fields.update(status=Status.FAILED, due_at=None)
        if exc.channel_broken:
            channel_mark_broken(channel=pub.channel, message=exc.message)
    elif isinstance(exc, TransientError):
        if exc.retry_after:
            channel_throttle(channel=pub.channel, seconds=exc.retry_after, scope=exc.scope)
        delay = transient_delay(attempt.number, exc.retry_after)
        if delay is None:
            fields.update(status=Status.FAILED, due_at=None, error_message=_(
                "Gave up after %(n)d attempts. Last error: %(error)s")
                % {"n": attempt.number, "error": exc.message})
        else:
            fields.update(status=Status.SCHEDULED, due_at=now + timedelta(seconds=delay))
    else:
        fields.update(status=Status.UNCONFIRMED, due_at=now + timedelta(seconds=check_delay(0)),
                      check_count=0)
    with write_transaction():
        _close_attempt(attempt, connector, outcome, error=exc)
        _finish(pub, token, **fields)


# ---------------------------------------------------------------- check (reconcile)


def check_one(pub: Publication, token: str, *, worker_id: str) -> None:
    now = timezone.now()
    cls = connector_class(pub.channel.kind)
    last = (PublishAttempt.objects.filter(publication=pub, kind=PublishAttempt.KIND_PUBLISH)
            .order_by("-started_at").first())
    since = (last.started_at if last else pub.created_at) - timedelta(minutes=2)
    req = variant_publish_request(pub.variant, marker=pub.marker, publication_id=pub.pk,
                                  publishing=True)
    attempt = PublishAttempt(publication=pub, channel=pub.channel,
                             kind=PublishAttempt.KIND_CHECK, number=pub.check_count + 1,
                             worker_id=worker_id, started_at=now)
    connector = None
    if cls.capabilities.find_published:
        try:
            connector = channel_connector(pub.channel)
            found = connector.find_published(req, since=since)
        except ConnectorError as exc:
            found = FindResult(Found.UNKNOWN, note=exc.message)
        finally:
            if connector is not None:
                connector.http.close()
    else:
        found = FindResult(Found.UNKNOWN, note=_("%(network)s does not let smmdesk list "
                                                 "recent posts.") % {"network": cls.label})
    if connector is not None:
        _keep_rotated(pub.channel, connector)
    sent_at = last.started_at if last else pub.created_at
    _record_check(pub, token, attempt, connector, _trusted(found, cls, now - sent_at), cls)


def _trusted(found: FindResult, cls, elapsed: timedelta) -> FindResult:
    """A NOT_FOUND counts only where the connector declares its listing complete and
    immediate, and that long has passed since the send: a lagging or partial listing
    must never turn into a second post. Otherwise it is one more look that could not
    tell, and the engine keeps looking, then asks a person."""
    if found.status != Found.NOT_FOUND:
        return found
    if cls.listing_lag is not None and elapsed >= cls.listing_lag:
        return found
    return FindResult(Found.UNKNOWN, note=_(
        "%(network)s does not list the post yet, and its listing can lag behind, so "
        "smmdesk keeps looking instead of sending it again") % {"network": cls.label})


def _record_check(pub, token, attempt, connector, found: FindResult, cls) -> None:
    now = timezone.now()
    attempt.finished_at = now
    attempt.duration_ms = int((now - attempt.started_at).total_seconds() * 1000)
    attempt.outcome = {Found.FOUND: Outcome.FOUND, Found.NOT_FOUND: Outcome.NOT_FOUND,
                       Found.UNKNOWN: Outcome.UNKNOWN}[found.status]
    attempt.error_message = found.note
    if connector is not None:
        attempt.request = {"calls": [t.as_dict() for t in connector.http.trace][-20:]}
    with write_transaction():
        attempt.save()
        if (_finish(pub, token, check_count=attempt.number,
                    **_check_outcome(pub, found, cls, now))
                and found.status == Found.FOUND):
            _measure(pub.pk)


def _check_outcome(pub, found: FindResult, cls, now) -> dict:
    if found.status == Found.FOUND:
        return dict(status=Status.PUBLISHED, external_id=found.result.external_id[:200],
                    external_url=safe_http_url(found.result.url), published_at=now, due_at=None,
                    error_code="", error_message="", needs_attention=False)
    if found.status == Found.NOT_FOUND:
        return dict(status=Status.SCHEDULED, due_at=now, error_code="not_on_network",
                    error_message=_("The earlier attempt did not reach %(network)s; "
                                    "sending it again.") % {"network": cls.label})
    delay = check_delay(pub.check_count + 1) if cls.capabilities.find_published else None
    if delay is not None:
        return dict(due_at=now + timedelta(seconds=delay))
    return dict(due_at=None, needs_attention=True, error_code="needs_person",
                error_message=_("smmdesk could not confirm whether this post reached "
                                "%(network)s (%(note)s). Look at the channel: if the post is "
                                "there, mark it published; if not, publish it again.")
                % {"network": cls.label, "note": found.note})

"""Kill workers with SIGKILL while publications are due; count duplicates and losses.

    python bench/chaos_publish.py --publications 1000 --kills 5
    python bench/chaos_publish.py --publications 1000 --kills 5 --workers 3 --executor celery

With ``--executor celery`` the benchmark starts a Redis of its own (port 6390, no
persistence), ``--dispatchers`` `smmdesk worker` processes that claim and send, and
``--workers`` Celery worker processes; each kill hits one of them at random, and the
broker is restarted once halfway (losing every job it held). Use PostgreSQL through
SMMDESK_DATABASE_URL (an empty database) for several processes.

Publications go to a webhook channel whose endpoint is a loopback sink that counts every
request it receives and answers lookups by marker (so the engine can settle what a killed
worker left unconfirmed). The sink takes a little time to answer, so kills land while
calls are in flight. After the last kill a worker runs until every publication is settled.
Last line: ``chaos: published=N unconfirmed_settled=N duplicates=N lost=N``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from the repository root's point of view: bench/calendar.py would otherwise shadow
# the standard library's calendar module for every script in this folder.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench.harness import (  # noqa: E402
    RedisServer,
    Sink,
    WorkerProcess,
    celery_worker,
    in_seconds,
    make_channel,
    schedule,
    setup_django,
    shift_to_start,
    wait_for_workers,
    wait_until_settled,
)

# Short leases and checks so a killed worker's rows come back within seconds.
ENV = {"SMMDESK_LEASE_SECONDS": "4", "SMMDESK_HEARTBEAT_SECONDS": "1",
       "SMMDESK_HTTP_TIMEOUT": "3"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publications", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--spread", type=float, default=10.0,
                        help="seconds over which the publications fall due")
    parser.add_argument("--sink-delay", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--executor", choices=("local", "celery"), default="local")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (Celery workers with --executor celery)")
    parser.add_argument("--dispatchers", type=int, default=2,
                        help="with --executor celery: `smmdesk worker` processes")
    parser.add_argument("--broker-port", type=int, default=6390)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    broker = RedisServer(args.broker_port) if args.executor == "celery" else None
    env = dict(ENV, SMMDESK_EXECUTOR=args.executor)
    if broker:
        broker.start()
        env["SMMDESK_BROKER_URL"] = broker.url
    setup_django(**env)
    sink = Sink(delay=args.sink_delay)
    ws, user, channel = make_channel(sink)
    base = in_seconds(3600)
    n = args.publications
    due = [base + timedelta(seconds=args.spread * i / n) for i in range(n)]
    ids = schedule(ws, user, channel, due)

    workers = processes(args, env)
    for worker in workers:
        worker.start()
    celery = args.workers if args.executor == "celery" else 0
    wait_for_workers(dispatchers=len(workers) - celery, celery=celery)
    shift_to_start(ids, start_in=0.5)
    for k in range(args.kills):
        time.sleep(rng.uniform(0.8, 2.0) * args.spread / max(1, args.kills))
        victim = rng.choice(workers)
        victim.kill()
        print(f"chaos: kill {k + 1}/{args.kills} ({victim.label}) after "
              f"{len(sink.received)} requests", file=sys.stderr, flush=True)
        victim.start()
        if broker and k == args.kills // 2:
            broker.restart()
            print("chaos: restarted the broker (it lost every job it held)", file=sys.stderr,
                  flush=True)
    settled = wait_until_settled(ids, timeout=900)  # a busy machine is slow, not wrong
    for worker in workers:
        worker.stop()
    report(ids, sink, settled)
    sink.close()
    if broker:
        broker.stop()


def processes(args, env: dict[str, str]) -> list[WorkerProcess]:
    if args.executor == "local":
        return [WorkerProcess(env=env) for _ in range(args.workers)]
    from smmdesk.publishing.celery_app import queue_name

    dispatchers = [WorkerProcess(env=env, args=[sys.executable, "-m", "smmdesk", "worker",
                                                "--role", "dispatch"])
                   for _ in range(args.dispatchers)]
    runners = [celery_worker(env, queues=[queue_name("webhook")], name=f"bench{i + 1}@%h")
               for i in range(args.workers)]
    for i, w in enumerate(dispatchers):
        w.label = f"dispatcher {i + 1}"
    for i, w in enumerate(runners):
        w.label = f"celery worker {i + 1}"
    return dispatchers + runners


def report(ids: list[int], sink: Sink, settled: bool) -> None:
    from smmdesk.publishing.models import Publication, PublishAttempt, Status

    counts = sink.counts()
    rows = list(Publication.objects.filter(pk__in=ids).values_list("pk", "marker", "status"))
    published = sum(1 for _pk, _m, status in rows if status == Status.PUBLISHED)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    lost = sum(1 for _pk, marker, status in rows
               if status != Status.PUBLISHED or counts.get(marker, 0) == 0)
    checked = set(PublishAttempt.objects.filter(publication_id__in=ids,
                                                kind=PublishAttempt.KIND_CHECK)
                  .values_list("publication_id", flat=True))
    unconfirmed_settled = sum(1 for pk, _m, status in rows
                              if pk in checked and status == Status.PUBLISHED)
    crashed = PublishAttempt.objects.filter(publication_id__in=ids, outcome="crashed").count()
    if not settled:
        print("chaos: WARNING: not everything settled before the timeout", file=sys.stderr)
    print(f"chaos: {crashed} attempts were cut off by a kill; {len(checked)} publications "
          f"were checked on the network", file=sys.stderr)
    print(f"chaos: published={published} unconfirmed_settled={unconfirmed_settled} "
          f"duplicates={duplicates} lost={lost}")


if __name__ == "__main__":
    main()

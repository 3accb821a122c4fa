"""Dispatcher throughput and lateness on the embedded SQLite (or SMMDESK_DATABASE_URL).

    python bench/dispatch.py --publications 10000     # all due at once
    python bench/dispatch.py --rate 100 --seconds 30  # a steady 100 per second
    python bench/dispatch.py --rate 100 --seconds 30 --executor celery

With ``--executor celery`` it starts a Redis of its own (port 6390), one `smmdesk worker`
that claims and sends, and ``--workers`` Celery worker processes that publish.

Publications go to a webhook channel whose endpoint is a loopback sink; lateness is the
time from a publication's due time to its arrival at the sink. Last line:
``dispatch: publications=N throughput_per_s=X p50_lateness_s=Y p99_lateness_s=Z``
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from the repository root's point of view: bench/calendar.py would otherwise shadow
# the standard library's calendar module for every script in this folder.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench.harness import (  # noqa: E402
    RedisServer,
    Sink,
    WorkerProcess,
    celery_worker,
    in_seconds,
    lateness,
    make_channel,
    percentile,
    schedule,
    setup_django,
    shift_to_start,
    wait_for_workers,
    wait_until_settled,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publications", type=int, default=0, help="all due at once")
    parser.add_argument("--rate", type=float, default=0, help="publications per second")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (Celery workers with --executor celery); "
                             "default 1, or 2 Celery workers")
    parser.add_argument("--executor", choices=("local", "celery"), default="local")
    parser.add_argument("--broker-port", type=int, default=6390)
    parser.add_argument("--sink-delay", type=float, default=0.0,
                        help="seconds the sink takes to answer (a network's latency)")
    args = parser.parse_args()
    if not args.publications and not args.rate:
        parser.error("give --publications N or --rate R")

    broker = RedisServer(args.broker_port) if args.executor == "celery" else None
    env = {"SMMDESK_EXECUTOR": args.executor}
    if broker:
        broker.start()
        env["SMMDESK_BROKER_URL"] = broker.url
    setup_django(**env)
    sink = Sink(delay=args.sink_delay)
    ws, user, channel = make_channel(sink)
    base = in_seconds(3600)
    if args.rate:
        n = int(args.rate * args.seconds)
        due = [base + timedelta(seconds=i / args.rate) for i in range(n)]
    else:
        n = args.publications
        due = [base] * n
    print(f"dispatch: scheduling {n} publications", file=sys.stderr)
    ids = schedule(ws, user, channel, due)
    workers = processes(args)
    for worker in workers:
        worker.start()
    celery = len(workers) - 1 if broker else 0
    wait_for_workers(dispatchers=len(workers) - celery, celery=celery)
    shift_to_start(ids, start_in=1.0)
    started = time.time() + 1.0
    settled = wait_until_settled(ids, timeout=max(120, n / 20))
    for worker in workers:
        worker.stop()
    late = lateness(ids, sink)
    arrivals = sorted(sink.first_arrival().values())
    span = (arrivals[-1] - started) if arrivals else float("nan")
    sink.close()
    if broker:
        broker.stop()
    if not settled:
        print("dispatch: WARNING: not everything settled before the timeout", file=sys.stderr)
    print(f"dispatch: publications={len(late)} throughput_per_s={len(late) / span:.1f} "
          f"p50_lateness_s={percentile(late, 50):.3f} p99_lateness_s={percentile(late, 99):.3f}")


def processes(args) -> list[WorkerProcess]:
    if args.executor == "local":
        return [WorkerProcess(threads=args.threads) for _ in range(args.workers or 1)]
    from smmdesk.publishing.celery_app import queue_name

    dispatcher = WorkerProcess(args=[sys.executable, "-m", "smmdesk", "worker", "--role",
                                     "dispatch"])
    return [dispatcher] + [celery_worker({}, queues=[queue_name("webhook")],
                                         name=f"bench{i + 1}@%h",
                                         concurrency=args.threads or 8)
                           for i in range(args.workers or 2)]


if __name__ == "__main__":
    main()

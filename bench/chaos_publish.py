"""Kill the worker with SIGKILL while publications are due; count duplicates and losses.

    python bench/chaos_publish.py --publications 1000 --kills 5

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
    Sink,
    WorkerProcess,
    in_seconds,
    make_channel,
    schedule,
    setup_django,
    shift_to_start,
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
    args = parser.parse_args()
    rng = random.Random(args.seed)

    setup_django(**ENV)
    sink = Sink(delay=args.sink_delay)
    ws, user, channel = make_channel(sink)
    base = in_seconds(3600)
    n = args.publications
    due = [base + timedelta(seconds=args.spread * i / n) for i in range(n)]
    ids = schedule(ws, user, channel, due)

    worker = WorkerProcess(env=ENV)
    worker.start()
    time.sleep(2.0)
    shift_to_start(ids, start_in=0.5)
    for k in range(args.kills):
        time.sleep(rng.uniform(0.8, 2.0) * args.spread / max(1, args.kills))
        worker.kill()
        print(f"chaos: kill {k + 1}/{args.kills} after {len(sink.received)} requests",
              file=sys.stderr, flush=True)
        worker.start()
    settled = wait_until_settled(ids, timeout=300)
    worker.stop()
    report(ids, sink, settled)
    sink.close()


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

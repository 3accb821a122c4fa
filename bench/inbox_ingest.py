"""Inbox ingestion throughput: dedup, language, sentiment, intent, toxicity, rules, store.

    python bench/inbox_ingest.py --messages 20000
    python bench/inbox_ingest.py --messages 20000 --accurate 1000   # also the e5 model
    python bench/inbox_ingest.py --messages 20000 --cascade 2000    # also fast+e5 cascade

Messages are real-looking comments (the sandbox audience's corpus and the labelled set)
from 2,000 authors on five channels, 5 % of them delivered twice, ingested in batches of
1,000 as the worker does, with two moderation rules on. The text model is trained (and
cached) before the clock starts. Last line (the default "fast" model):
``ingest: messages=N per_s=X classify_per_s=Y``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # see bench/dispatch.py

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench.harness import setup_django  # noqa: E402


def corpus() -> list[str]:
    root = Path(__file__).resolve().parents[1] / "src" / "smmdesk"
    texts = []
    audience = json.loads((root / "sandbox" / "data" / "audience.json").read_text("utf-8"))
    for lang in audience["languages"].values():
        for comments in lang["comments"].values():
            texts += comments
    for path in (root / "nlp" / "data").glob("labelled_*.jsonl"):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()
                  if line.strip()]
    return texts


def build(n: int):
    from django.utils import timezone

    from smmdesk.accounts.services import user_create, workspace_create
    from smmdesk.channels.services import channel_connect
    from smmdesk.inbox.ingest import Incoming
    from smmdesk.inbox.services import rule_save

    user = user_create(email="bench@example.com", password="x", check_password=False)
    ws = workspace_create(name="Busy brand", owner=user)
    channels = [channel_connect(workspace=ws, kind="sandbox", actor=user,
                                data={"name": f"Channel {i}"}) for i in range(5)]
    rule_save(workspace=ws, name="Spam away", user=user, enabled=True,
              conditions={"intents": ["spam"]},
              actions=[{"do": "status", "status": "spam"}, {"do": "label", "label": "Spam"}])
    rule_save(workspace=ws, name="Toxic to the lead", user=user, enabled=True,
              conditions={"toxic": True}, actions=[{"do": "assign", "user": user.pk}])
    rng = random.Random(42)
    texts, now = corpus(), timezone.now()
    items = []
    for i in range(n):
        ch = channels[i % len(channels)]
        a = rng.randrange(2000)
        items.append(Incoming(channel=ch, external_id=f"c{i}", text=rng.choice(texts),
                              created_at=now - timedelta(minutes=rng.randrange(7 * 24 * 60)),
                              author_id=f"user{a}", author_name=f"Person {a}",
                              post_external_id=f"p{i % 300}"))
    dupes = rng.sample(items, n // 20)
    return items, dupes


def run(items, dupes, batch: int):
    from smmdesk.inbox.ingest import ingest

    stream = items + dupes
    random.Random(7).shuffle(stream)
    new = 0
    started = time.perf_counter()
    for i in range(0, len(stream), batch):
        new += ingest(stream[i:i + batch]).new
    return new, time.perf_counter() - started


def classify_rate(texts: list[str], variant: str) -> float:
    from smmdesk.nlp.service import classify

    started = time.perf_counter()
    for i in range(0, len(texts), 1000):
        classify(texts[i:i + 1000], variant=variant)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--accurate", type=int, default=0,
                        help="also measure the accurate (e5) model on this many messages")
    parser.add_argument("--cascade", type=int, default=0,
                        help="also measure the cascade (fast where sure, else e5) on this many")
    args = parser.parse_args()
    setup_django(SMMDESK_NLP_MODEL="fast")
    from smmdesk.inbox.models import Message
    from smmdesk.nlp.service import classify

    started = time.perf_counter()
    classify(["warm up"], variant="fast")
    print(f"ingest: trained the fast model in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)
    items, dupes = build(args.messages)
    texts = [it.text for it in items]
    if args.accurate:
        started = time.perf_counter()
        classify(["warm up"], variant="accurate")
        print(f"ingest: trained the accurate model in {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
        rate = classify_rate(texts[:args.accurate], "accurate")
        print(f"ingest: model=accurate classify_per_s={rate:.0f} (on {args.accurate} "
              f"messages)")
    if args.cascade:
        classify(["warm up"], variant="cascade")
        rate = classify_rate(texts[:args.cascade], "cascade")
        print(f"ingest: model=cascade classify_per_s={rate:.0f} (on {args.cascade} messages)")
    new, seconds = run(items, dupes, args.batch)
    stored = Message.objects.count()
    assert new == stored == args.messages, (new, stored)  # duplicates were dropped
    rate = classify_rate(texts, "fast")
    print(f"ingest: {len(items) + len(dupes)} deliveries, {len(dupes)} duplicates dropped, "
          f"{stored} stored in {seconds:.1f}s", file=sys.stderr)
    print(f"ingest: messages={stored} per_s={stored / seconds:.0f} classify_per_s={rate:.0f}")


if __name__ == "__main__":
    main()

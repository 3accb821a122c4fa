"""Text model speed: training time, and texts a second in batches of 1,000.

    python bench/nlp_speed.py --texts 5000 --accurate 300

Trains the fast model on the train split (timed, uncached), then classifies the
audience corpus and the labelled set: the fast model alone, the accurate (e5) model on
``--accurate`` texts, and the cascade (the fast model's answer where it is sure, the
accurate model's elsewhere) with the share it sends to the accurate model. Figures are
printed, not asserted. Last line:
``nlp: fast_per_s=X accurate_per_s=Y cascade_per_s=Z cascade_to_accurate=S``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # see bench/dispatch.py

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from bench.harness import setup_django  # noqa: E402
from bench.inbox_ingest import corpus  # noqa: E402


def rate(model, texts: list[str]) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), 1000):
        model.predict(texts[i:i + 1000])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--accurate", type=int, default=300)
    args = parser.parse_args()
    setup_django()
    from smmdesk.nlp.model import TextModel, cascade_unsure, labelled

    started = time.perf_counter()
    fast = TextModel("fast").fit(labelled("train"))
    print(f"nlp: trained the fast model in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)
    texts = random.Random(1).choices(corpus(), k=args.texts)
    fast_rate = rate(fast, texts)
    started = time.perf_counter()
    accurate = TextModel("accurate").fit(labelled("train"))
    print(f"nlp: trained the accurate model in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)
    sample = texts[:args.accurate]
    accurate_rate = rate(accurate, sample)
    share = sum(map(cascade_unsure, fast.predict(texts))) / len(texts)
    cascade = TextModel("cascade")
    cascade.parts = {"fast": fast, "accurate": accurate}
    cascade_rate = rate(cascade, sample)
    print(f"nlp: fast_per_s={fast_rate:.0f} accurate_per_s={accurate_rate:.1f} "
          f"cascade_per_s={cascade_rate:.1f} cascade_to_accurate={share:.3f}")


if __name__ == "__main__":
    main()

"""``smmdesk nlp classify | evaluate | train``."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand

from smmdesk.nlp.model import VARIANTS


class Command(BaseCommand):
    help = ("Offline text understanding: classify JSON lines, evaluate on the held-out split, "
            "retrain with corrections.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["classify", "evaluate", "train"])
        parser.add_argument("--model", choices=VARIANTS, default=None,
                            help="fast (default, SMMDESK_NLP_MODEL) or accurate")
        parser.add_argument("--batch", type=int, default=256)

    def handle(self, *args, action, model, batch, **options):
        getattr(self, f"_{action}")(model, batch)

    def _classify(self, variant, batch):
        """One JSON line in ({"text": "..."}), one JSON line out, in order. A line that is
        not an object with a non-empty text gets an error object; the rest go through."""
        from smmdesk.nlp.service import classify

        pending: list[tuple[int, str]] = []
        out: dict[int, dict] = {}
        # Split at "\n" only: str.splitlines() would also break a line at a U+2028, U+0085
        # or form feed inside a text, and the answers would no longer match the lines.
        lines = sys.stdin.read().split("\n")
        if lines[-1] == "":
            lines.pop()  # the newline that ends the last line
        for n, line in enumerate(lines, 1):
            text, error = _text(line)
            if error:
                out[n] = {"error": error, "line": n}
            else:
                pending.append((n, text))
        for start in range(0, len(pending), batch):
            chunk = pending[start:start + batch]
            for (n, _t), p in zip(chunk, classify([t for _n, t in chunk], variant=variant),
                                  strict=True):
                out[n] = p.as_dict()
        for n in range(1, len(lines) + 1):
            self.stdout.write(json.dumps(out[n], ensure_ascii=False))

    def _evaluate(self, variant, batch):
        from smmdesk.nlp.evaluate import evaluate

        started = time.perf_counter()
        scores = evaluate(variant or "fast")
        self.stdout.write(f"model: {variant or 'fast'} · trained on the train split, scored "
                          f"on the held-out test split (macro-F1)")
        self.stdout.write(f"{'language':<9}{'n':>5}{'lang acc':>10}{'sentiment':>11}"
                          f"{'intent':>9}{'toxic':>8}")
        for s in scores:
            self.stdout.write(f"{s.language:<9}{s.n:>5}{s.language_accuracy:>10.3f}"
                              f"{s.sentiment_f1:>11.3f}{s.intent_f1:>9.3f}{s.toxic_f1:>8.3f}")
        self.stdout.write(f"({time.perf_counter() - started:.1f}s)")

    def _train(self, variant, batch):
        from smmdesk.nlp.model import get_model, training_set
        from smmdesk.nlp.service import corrections

        fixes = corrections()
        started = time.perf_counter()
        get_model(variant, fixes)
        self.stdout.write(f"trained the {variant or 'default'} model on "
                          f"{len(training_set(fixes))} examples ({len(fixes)} corrections) in "
                          f"{time.perf_counter() - started:.1f}s")


def _text(line: str) -> tuple[str, dict | None]:
    if not line.strip():
        return "", {"code": "empty_line", "message": "The line is empty."}
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return "", {"code": "not_json", "message": "The line is not JSON."}
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return "", {"code": "no_text", "message": 'Expected an object with a "text" string.'}
    if not data["text"].strip():
        return "", {"code": "empty_text", "message": "The text is empty."}
    return data["text"], None

"""``smmdesk nlp classify | evaluate | train``."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand

from smmdesk.nlp.model import VARIANTS


class Command(BaseCommand):
    help = ("Offline text understanding: classify JSON lines, evaluate on the held-out split, "
            "train the base model and each workspace's model with its corrections.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["classify", "evaluate", "train"])
        parser.add_argument("--model", choices=VARIANTS, default=None,
                            help="fast (default, SMMDESK_NLP_MODEL), accurate, or cascade "
                                 "(fast where sure, accurate elsewhere)")
        parser.add_argument("--batch", type=int, default=256)
        parser.add_argument("--workspace", default=None, metavar="SLUG",
                            help="classify: read as this workspace has taught smmdesk (its "
                                 "corrections, and its model as last trained)")
        parser.add_argument("--cv", action="store_true",
                            help="evaluate: 5-fold cross-validation on the train split "
                                 "instead (scores, calibration, action thresholds)")

    def handle(self, *args, action, model, batch, cv=False, workspace=None, **options):
        if action == "evaluate" and cv:
            return self._cross_validate(model)
        if action == "classify":
            return self._classify(model, batch, workspace)
        getattr(self, f"_{action}")(model, batch)

    def _classify(self, variant, batch, slug=None):
        """One JSON line in ({"text": "..."}), one JSON line out, in order. A line that is
        not an object with a non-empty text gets an error object; the rest go through."""
        from smmdesk.nlp.service import classify

        workspace = _workspace(slug)
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
            read = classify([t for _n, t in chunk], workspace=workspace, variant=variant)
            for (n, _t), p in zip(chunk, read, strict=True):
                out[n] = p.as_dict()
        for n in range(1, len(lines) + 1):
            self.stdout.write(json.dumps(out[n], ensure_ascii=False))

    def _evaluate(self, variant, batch):
        from smmdesk.nlp.evaluate import CHOSEN_BY, evaluate

        started = time.perf_counter()
        scores = evaluate(variant or "fast")
        self.stdout.write(f"model: {variant or 'fast'} · trained on the train split, scored "
                          f"on the held-out test split (macro-F1)")
        self.stdout.write(CHOSEN_BY)
        self._scores(scores)
        self.stdout.write(f"({time.perf_counter() - started:.1f}s)")

    def _scores(self, scores):
        self.stdout.write(f"{'language':<9}{'n':>5}{'lang acc':>10}{'sentiment':>11}"
                          f"{'intent':>9}{'toxic':>8}{'toxic P':>9}{'toxic R':>9}")
        for s in scores:
            self.stdout.write(f"{s.language:<9}{s.n:>5}{s.language_accuracy:>10.3f}"
                              f"{s.sentiment_f1:>11.3f}{s.intent_f1:>9.3f}{s.toxic_f1:>8.3f}"
                              f"{s.toxic_precision:>9.3f}{s.toxic_recall:>9.3f}")

    def _cross_validate(self, variant):
        from smmdesk.nlp import selection as select
        from smmdesk.nlp.evaluate import scores_per_language
        from smmdesk.nlp.model import labelled

        started = time.perf_counter()
        train = labelled("train")
        predictions = select.out_of_fold(train, variant or "fast")
        self.stdout.write(f"model: {variant or 'fast'} · {select.FOLDS}-fold cross-validation "
                          f"on the train split (seed {select.SEED}); the test split is not used")
        self._scores(scores_per_language(train, predictions))
        for task in ("sentiment", "intent", "toxic"):
            bins = select.reliability(train, predictions, task)
            self.stdout.write(f"{task}: expected calibration error "
                              f"{select.calibration_error(bins):.3f}")
            for b in bins:
                self.stdout.write(f"  {b.low:.1f}-{b.high:.1f} n={b.n:<5} confidence "
                                  f"{b.confidence:.3f} right {b.accuracy:.3f}")
        for action in select.ACTIONS:
            c = select.action_threshold(train, predictions, action)
            found = "none reaches" if c.threshold is None else f"{c.threshold:.2f}"
            self.stdout.write(f"threshold {action}: {found} (precision {c.precision:.3f}, "
                              f"acts on {c.acted}, recall {c.recall:.3f}; target "
                              f"{select.PRECISION_TARGET:.2f})")
        self.stdout.write(f"({time.perf_counter() - started:.1f}s)")

    def _train(self, variant, batch):
        """The shared base model, then each corrected workspace's own (base + its fixes)."""
        from smmdesk.nlp.model import get_model, training_set
        from smmdesk.nlp.service import corrections, workspace_model_train, workspaces_corrected

        started = time.perf_counter()
        get_model(variant)
        self.stdout.write(f"trained the {variant or 'default'} model on "
                          f"{len(training_set())} examples in "
                          f"{time.perf_counter() - started:.1f}s")
        for ws in workspaces_corrected():
            started = time.perf_counter()
            fixes = len(corrections(workspace=ws))
            workspace_model_train(workspace=ws, variant=variant)
            self.stdout.write(f"trained the model of workspace {ws.slug} with {fixes} "
                              f"corrections in {time.perf_counter() - started:.1f}s")


def _workspace(slug: str | None):
    from django.core.management.base import CommandError

    from smmdesk.accounts.models import Workspace

    if slug is None:
        return None
    found = Workspace.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(f"no workspace {slug!r}")
    return found


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

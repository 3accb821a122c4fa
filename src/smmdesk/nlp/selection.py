"""Choosing the model's features and settings: stratified 5-fold cross-validation on the
train split (fixed seed). The held-out test split is never read here.

- ``out_of_fold``: every train example predicted by a model that did not see it;
- ``reliability`` / ``calibration_error``: how far a head's confidence is from how often
  it is right (expected calibration error over ten bins);
- ``action_threshold``: the least confidence at which an automatic action's labels are
  right at least ``target`` of the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from smmdesk.nlp.model import Example, Prediction, TextModel

FOLDS = 5
SEED = 0
BINS = 10
PRECISION_TARGET = 0.9


def folds(examples: list[Example]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/held-out indices of each fold, stratified by language and intent."""
    strata = [f"{e.lang}/{e.intent}" for e in examples]
    return list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(strata, strata))


def out_of_fold(examples: list[Example], variant: str = "fast") -> list[Prediction]:
    """Each example as predicted by the model trained on the other folds."""
    predictions: list[Prediction | None] = [None] * len(examples)
    for train, held in folds(examples):
        model = TextModel(variant).fit([examples[i] for i in train])
        for i, p in zip(held, model.predict([examples[i].text for i in held]), strict=True):
            predictions[i] = p
    return predictions


def _right(task: str, gold: Example, p: Prediction) -> bool:
    return str(getattr(gold, task)) == str(getattr(p, "language" if task == "lang" else task))


@dataclass
class Bin:
    low: float
    high: float
    n: int
    confidence: float
    accuracy: float


def reliability(gold: list[Example], predictions: list[Prediction], task: str) -> list[Bin]:
    """Confidence of ``task``'s label against how often it is right, in ten bins."""
    conf = np.asarray([p.confidence[task] for p in predictions])
    right = np.asarray([_right(task, g, p) for g, p in zip(gold, predictions, strict=True)])
    edges = np.linspace(0.0, 1.0, BINS + 1)
    where = np.clip(np.digitize(conf, edges[1:-1]), 0, BINS - 1)
    return [Bin(edges[b], edges[b + 1], int((where == b).sum()),
                float(conf[where == b].mean()), float(right[where == b].mean()))
            for b in range(BINS) if (where == b).any()]


def calibration_error(bins: list[Bin]) -> float:
    """Expected calibration error: the bins' |confidence - accuracy|, weighted by size."""
    n = sum(b.n for b in bins)
    return sum(b.n * abs(b.confidence - b.accuracy) for b in bins) / n if n else 0.0


# What each automatic action acts on: (fires, is right, the confidences it reads).
ACTIONS = {
    "pin": (lambda p: p.sentiment == "negative" and p.intent == "complaint",
            lambda g: g.sentiment == "negative" and g.intent == "complaint",
            ("sentiment", "intent")),
    "alert": (lambda p: p.sentiment == "negative", lambda g: g.sentiment == "negative",
              ("sentiment", "intent")),
    "lead": (lambda p: p.intent == "purchase", lambda g: g.intent == "purchase", ("intent",)),
    "hide": (lambda p: p.intent == "spam" or p.toxic, lambda g: g.intent == "spam" or g.toxic,
             ("intent", "toxic")),
}


@dataclass
class ActionCheck:
    action: str
    threshold: float | None  # None: no threshold reaches the target
    precision: float
    acted: int
    recall: float


def action_threshold(gold: list[Example], predictions: list[Prediction], action: str,
                     target: float = PRECISION_TARGET) -> ActionCheck:
    """The least confidence (in steps of 0.05) at and above which ``action`` is right at
    least ``target`` of the time it fires."""
    fires, right, tasks = ACTIONS[action]
    conf = np.asarray([min(p.confidence[t] for t in tasks) for p in predictions])
    fired = np.asarray([fires(p) for p in predictions])
    good = np.asarray([right(g) for g in gold])
    steps = np.round(np.arange(0.0, 1.0, 0.05), 2)
    for t in steps:
        acted = fired & (conf >= t)
        precision = float((acted & good).sum() / acted.sum()) if acted.any() else 0.0
        if precision >= target and all(_precision(fired & (conf >= u), good) >= target
                                       for u in steps if u > t):
            return ActionCheck(action, float(t), precision, int(acted.sum()),
                               float((acted & good).sum() / max(good.sum(), 1)))
    return ActionCheck(action, None, 0.0, 0, 0.0)


def _precision(acted: np.ndarray, good: np.ndarray) -> float:
    return float((acted & good).sum() / acted.sum()) if acted.any() else 1.0

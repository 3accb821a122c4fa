"""Held-out evaluation: train on the "train" split only, score the fixed "test" split."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.metrics import accuracy_score, f1_score

from smmdesk.nlp.model import LANGUAGES, TextModel, labelled


@dataclass
class Scores:
    language: str
    n: int
    language_accuracy: float
    sentiment_f1: float
    intent_f1: float
    toxic_f1: float


def evaluate(variant: str = "fast") -> list[Scores]:
    """Macro-F1 per language (and overall) of the model trained on the train split."""
    train, test = labelled("train"), labelled("test")
    model = TextModel(variant).fit(train)
    predictions = model.predict([e.text for e in test])
    scores = []
    for lang in (*LANGUAGES, "all"):
        idx = [i for i, e in enumerate(test) if lang == "all" or e.lang == lang]
        gold = [test[i] for i in idx]
        pred = [predictions[i] for i in idx]

        def f1(task, gold=gold, pred=pred):
            return f1_score([str(getattr(g, task)) for g in gold],
                            [str(getattr(p, task)) for p in pred], average="macro")

        scores.append(Scores(
            language=lang, n=len(idx),
            language_accuracy=accuracy_score([g.lang for g in gold], [p.language for p in pred]),
            sentiment_f1=f1("sentiment"), intent_f1=f1("intent"), toxic_f1=f1("toxic")))
    return scores

"""Held-out evaluation: train on the "train" split only, score the fixed "test" split.

The features and settings were chosen by 5-fold cross-validation on the train split
(``smmdesk.nlp.selection``); the test split is only scored here, never used to choose."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from smmdesk.nlp.model import LANGUAGES, Example, Prediction, TextModel, labelled

CHOSEN_BY = ("Features and settings were chosen by 5-fold cross-validation on the train "
             "split; the test split was not used to choose them.")


@dataclass
class Scores:
    language: str
    n: int
    language_accuracy: float
    sentiment_f1: float
    intent_f1: float
    toxic_f1: float
    toxic_precision: float = 0.0
    toxic_recall: float = 0.0


def scores_per_language(gold: list[Example], predictions: list[Prediction]) -> list[Scores]:
    """Macro-F1 of sentiment and intent, toxic F1/precision/recall, per language and all."""
    scores = []
    for lang in (*LANGUAGES, "all"):
        idx = [i for i, e in enumerate(gold) if lang == "all" or e.lang == lang]
        scores.append(_scores(lang, [gold[i] for i in idx], [predictions[i] for i in idx]))
    return scores


def _scores(lang: str, gold: list[Example], pred: list[Prediction]) -> Scores:
    def labels(task):
        return [str(getattr(g, task)) for g in gold], [str(getattr(p, task)) for p in pred]

    toxic_gold, toxic_pred = ([x == "True" for x in side] for side in labels("toxic"))
    return Scores(
        language=lang, n=len(gold),
        language_accuracy=accuracy_score([g.lang for g in gold], [p.language for p in pred]),
        sentiment_f1=f1_score(*labels("sentiment"), average="macro"),
        intent_f1=f1_score(*labels("intent"), average="macro"),
        toxic_f1=f1_score(*labels("toxic"), average="macro"),
        toxic_precision=precision_score(toxic_gold, toxic_pred, zero_division=0.0),
        toxic_recall=recall_score(toxic_gold, toxic_pred, zero_division=0.0))


def evaluate(variant: str = "fast") -> list[Scores]:
    """Scores per language (and overall) of the model trained on the train split."""
    train, test = labelled("train"), labelled("test")
    model = TextModel(variant).fit(train)
    return scores_per_language(test, model.predict([e.text for e in test]))

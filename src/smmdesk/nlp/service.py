"""What the rest of smmdesk calls: classify texts with the model in use.

Every workspace reads with the shared base model (the labelled set: ``model.get_model``)
until its people correct it. Then it gets a model of its own: the base examples plus only
that workspace's corrections (weighted double), so one workspace's fixes never change
another's results. A workspace model is trained by a worker (``ingest``) or by
``smmdesk nlp train``, never in a web request (``may_train``), and kept on disk and in a
small in-memory LRU here. Until it is ready the base model serves. On top of either, a
text equal (after normalisation) to one a person corrected takes the corrected labels,
with confidence 1.0.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace

import joblib
from django.conf import settings

from smmdesk.nlp.model import (
    Example,
    Prediction,
    TextModel,
    cache_dir,
    fingerprint,
    get_model,
    training_set,
)

CORRECTION_WEIGHT = 2.0
TASKS = ("language", "sentiment", "intent", "toxic")
WORKSPACE_MODELS_KEPT = 4  # in memory, per process; a fast model is tens of MB
# A busy manager corrects with one key many times an hour: a workspace's model is trained
# again at most this often (a minute of a worker each time); its newest fixes apply at
# once anyway, to their own texts.
RETRAIN_AFTER_S = 600
_lock = threading.Lock()  # guards _held
_training = threading.Lock()
_held: OrderedDict[tuple[int, str], _Held] = OrderedDict()


def corrected(*, workspace) -> dict[str, tuple[Example, frozenset[str]]]:
    """One workspace's fixes by ``text_key``: the newest labels of each text (weighted
    double for training) and the tasks people set on it. None, or no database yet: {}."""
    from django.db import DatabaseError

    from smmdesk.nlp.models import Correction

    out: dict[str, tuple[Example, frozenset[str]]] = {}
    try:
        rows = list(Correction.objects.filter(workspace=workspace).order_by("pk"))
    except DatabaseError:
        return {}
    for c in rows:
        key = text_key(c.text)
        tasks = frozenset(c.tasks or TASKS) | (out[key][1] if key in out else frozenset())
        out[key] = (Example(c.text, c.language, c.sentiment, c.intent, c.toxic,
                            weight=CORRECTION_WEIGHT), tasks)
    return out


def corrections(*, workspace) -> list[Example]:
    """What the workspace's own model learns on top of the base examples."""
    return [e for e, _tasks in corrected(workspace=workspace).values()]


def classify(texts: list[str], *, workspace=None, variant: str | None = None,
             may_train: bool = False) -> list[Prediction]:
    """Language, sentiment, intent and toxicity of each text, with confidences, as
    ``workspace`` has taught smmdesk. ``may_train``: the caller is a worker, which may
    spend a minute training the workspace's model; a web request serves what is ready."""
    variant = variant or settings.SMMDESK_NLP_MODEL
    fixes = corrected(workspace=workspace) if workspace is not None else {}
    examples = [e for e, _tasks in fixes.values()]
    model = _workspace_model(workspace.pk, examples, variant, may_train) if fixes else None
    return _overridden((model or get_model(variant)).predict(texts), texts, fixes)


def workspace_model_train(*, workspace, variant: str | None = None) -> TextModel | None:
    """Train (or load) the workspace's own model; None when it has no corrections."""
    fixes = corrections(workspace=workspace)
    if not fixes:
        return None
    return _workspace_model(workspace.pk, fixes, variant or settings.SMMDESK_NLP_MODEL,
                            may_train=True, retrain_after=0)


def workspaces_corrected() -> list:
    """The workspaces that have corrections, i.e. models of their own."""
    from smmdesk.accounts.models import Workspace
    from smmdesk.nlp.models import Correction

    ids = Correction.objects.values_list("workspace_id", flat=True).distinct()
    return list(Workspace.objects.filter(pk__in=ids).order_by("pk"))


def text_key(text: str) -> str:
    """A text as corrections are matched: case, width and spacing do not count."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _overridden(predictions: list[Prediction], texts: list[str], fixes: dict
                ) -> list[Prediction]:
    """A text a person has corrected takes the labels they set, sure; its other labels
    stay as the model reads them."""
    out = []
    for text, p in zip(texts, predictions, strict=True):
        e, tasks = fixes.get(text_key(text), (None, ()))
        if e is not None:
            labels = {"language": e.lang, "sentiment": e.sentiment, "intent": e.intent,
                      "toxic": e.toxic}
            p = replace(p, **{t: labels[t] for t in tasks},
                        confidence={**p.confidence, **dict.fromkeys(tasks, 1.0)})
        out.append(p)
    return out


# ---------------------------------------------------------------- workspace models


@dataclass(frozen=True)
class _Held:
    digest: str  # the fingerprint of what it was trained on
    model: TextModel
    since: float  # time.monotonic() when this process took it


def _workspace_model(workspace_id: int, fixes: list[Example], variant: str,
                     may_train: bool, retrain_after: float | None = None
                     ) -> TextModel | None:
    """The model trained on the base examples plus these fixes, from memory or disk.
    Otherwise, when ``may_train`` and the previous one is older than ``retrain_after``
    seconds, trained now; else the previous one (the newer fixes apply through the
    exact-text override meanwhile), or None before any: the base model serves."""
    examples = training_set(fixes)
    digest = fingerprint(examples, variant)
    key = (workspace_id, variant)
    with _lock:
        held = _held.get(key)
    held = held or _stale_on_disk(key)
    path = cache_dir() / f"ws{workspace_id}-{variant}-{digest}.joblib"
    if held is not None and held.digest == digest:
        return _keep(key, held)
    wait = RETRAIN_AFTER_S if retrain_after is None else retrain_after
    due = held is None or time.monotonic() - held.since >= wait
    if path.exists() or (may_train and due):
        with _training:  # one training at a time; readers of held models do not wait
            model = joblib.load(path) if path.exists() else _train(path, examples, variant)
        return _keep(key, _Held(digest, model, time.monotonic()))
    return _keep(key, held) if held is not None else None


def _stale_on_disk(key: tuple[int, str]) -> _Held | None:
    """The workspace's model a worker trained before its newest fixes, if any."""
    workspace_id, variant = key
    for path in cache_dir().glob(f"ws{workspace_id}-{variant}-*.joblib"):
        try:
            return _Held(path.stem.rsplit("-", 1)[1], joblib.load(path), time.monotonic())
        except FileNotFoundError:  # replaced by a newer one meanwhile
            continue
    return None


def _keep(key: tuple[int, str], held: _Held) -> TextModel:
    with _lock:
        _held[key] = held
        _held.move_to_end(key)
        while len(_held) > WORKSPACE_MODELS_KEPT:
            _held.popitem(last=False)
    return held.model


def _train(path, examples: list[Example], variant: str) -> TextModel:
    """Fit and keep on disk under the workspace's own name, dropping its older files.
    (Not ``model.train``: that keeps one file per variant and would delete the base
    model's and the other workspaces'.)"""
    model = TextModel(variant).fit(examples)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)
    prefix = path.name.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{prefix}-*.joblib"):
        if old != path:
            old.unlink(missing_ok=True)
    return model


def correction_add(*, workspace, text: str, language: str, sentiment: str, intent: str,
                   toxic: bool, created_by=None, tasks=()):
    """Keep a person's fix of what a text means: ``tasks`` are the labels they set (none
    given: all four). It applies to this text at once and teaches the workspace's model
    at its next training."""
    from smmdesk.nlp.models import Correction

    return Correction.objects.create(workspace=workspace, text=text, language=language,
                                     sentiment=sentiment, intent=intent, toxic=toxic,
                                     created_by=created_by,
                                     tasks=[t for t in TASKS if t in tasks])

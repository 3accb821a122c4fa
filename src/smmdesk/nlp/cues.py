"""Cues that character and word n-grams miss, as extra feature columns of the text model.

- negation scope: the few words after a negator («не», «ні», "not", "n't", «жодн…») are
  marked ``NEG_<word>`` until punctuation, so "not good" and "good" stop sharing a feature;
- emoji polarity: approving and displeased emoji counted apart;
- punctuation: «!!!», «?!», «)))» and «(((», a trailing «)» or «(», words in capitals, «…»;
- address: a profanity hit with a second-person word near it (an insult) apart from one
  without (an exclamation).

Which of them the model uses was chosen by 5-fold cross-validation on the train split
(``smmdesk.nlp.selection``).
"""

from __future__ import annotations

import numpy as np
import regex
from scipy.sparse import csr_matrix

from smmdesk.nlp.normalize import model_text
from smmdesk.nlp.profanity import profanity

NEGATORS = frozenset({
    "не", "ни", "нет", "нельзя", "никогда", "ничего", "никто", "без",  # ru
    "ні", "ніколи", "нічого", "ніхто", "немає", "нема",  # uk
    "ніколі", "няма", "нічога",  # be
    "not", "never", "no", "nothing", "nobody", "cannot", "without", "nor", "neither",  # en
})
NEGATOR_STEMS = ("жодн", "ніяк", "никак", "ніводн")
NEGATION_SCOPE = 3  # words marked after a negator
_TOKEN = regex.compile(r"[\p{L}\p{N}']+|[.,!?;:()\u2026]+")
_PUNCT = regex.compile(r"[.,!?;:()\u2026]+")

POSITIVE_EMOJI = frozenset("👍👌❤😍🔥🙌😊🥰💯👏🤩😋💖💕♥☺😁😀😃😄🙏✨🌟⭐🎉💪😎"
                           "🤗💗💓💞😻🫶👑🏆🥳😘")
NEGATIVE_EMOJI = frozenset("👎😡🤮😠😤😢😭💩🤬😞😒🙄😔😩😫☹🤢😑😕😣😖💔🤦😬😱")

_CAPS = regex.compile(r"\b\p{Lu}{3,}\b")
_WORDS = regex.compile(r"\p{L}{3,}")
_SMILE_END = regex.compile(r"[\p{L}\s]\)\s*$")
_FROWN_END = regex.compile(r"[\p{L}\s]\(\s*$")
SECOND_PERSON = frozenset({
    "ты", "тебя", "тебе", "тобой", "твой", "твоя", "вы", "вас", "вам", "ваш", "ваша", "ваши",
    "ти", "тобі", "твій", "вашу", "табе", "цябе", "you", "your", "ur", "u", "yourself", "youre",
})


def _negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't") or word.startswith(NEGATOR_STEMS)


def negation_text(norm: str, scope: int = NEGATION_SCOPE) -> str:
    """The words in a negation's scope in a normalised text (``model_text``), marked:
    «не очень вкусно» → "NEG_очень NEG_вкусно"."""
    marked, left = [], 0
    for token in _TOKEN.findall(norm):
        if _PUNCT.fullmatch(token):
            left = 0
            continue
        if left:
            marked.append("NEG_" + token.replace("'", ""))
            left -= 1
        if _negator(token):
            left = scope
    return " ".join(marked)


def emoji_row(text: str, norm: str = "", hits: list[str] | None = None) -> list[float]:
    pos = sum(ch in POSITIVE_EMOJI for ch in text)
    neg = sum(ch in NEGATIVE_EMOJI for ch in text)
    return [min(pos, 3) / 3, min(neg, 3) / 3, float(pos > 0 and neg == 0),
            float(neg > 0 and pos == 0)]


def punctuation_row(text: str, norm: str = "", hits: list[str] | None = None
                    ) -> list[float]:
    words = max(1, len(_WORDS.findall(text)))
    return [float("!!" in text), float("?!" in text or "!?" in text), float("??" in text),
            float("))" in text), float("((" in text), float(bool(_SMILE_END.search(text))),
            float(bool(_FROWN_END.search(text))), min(len(_CAPS.findall(text)) / words, 1.0),
            float("..." in text or "\u2026" in text)]


def address_row(text: str, norm: str | None = None, hits: list[str] | None = None
                ) -> list[float]:
    norm = model_text(text) if norm is None else norm
    hits = profanity(text) if hits is None else hits
    words = {t.replace("'", "") for t in _TOKEN.findall(norm)}
    second = bool(words & SECOND_PERSON)
    return [float(bool(hits) and second), float(bool(hits) and not second), float(second)]


ROWS = {"emoji": emoji_row, "punctuation": punctuation_row, "address": address_row}


def cue_rows(texts: list[str], names: tuple[str, ...], norm: list[str] | None = None,
             hits: list[list[str]] | None = None) -> csr_matrix:
    """The dense cue columns ``names`` (keys of ``ROWS``) of each text (``norm``: the
    texts already normalised by ``model_text``; ``hits``: their ``profanity``)."""
    norm = norm if norm is not None else [model_text(t) for t in texts]
    hits = hits if hits is not None else [profanity(t) for t in texts]
    rows = [[v for name in names for v in ROWS[name](t, n, h)]
            for t, n, h in zip(texts, norm, hits, strict=True)]
    return csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(texts), -1))

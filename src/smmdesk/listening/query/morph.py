"""Every form of a query word that a post may contain.

A listening query says "кофейня"; a post says "в кофейне" or, in Ukrainian, "у кав'ярні".
The matcher compiles each query word into the set of its word forms once, and then looks
posts up in that set: there is no stemming at match time, so "кот" can never reach
"котлета" and "cafe" never "cafeteria" — a form belongs to the set only when it is a form
of the same word.

Where the forms come from, by script and language (after ``text.normalize_word``):

- Russian and Ukrainian: the pymorphy3 dictionaries. The dictionary-known parses of the
  word are kept, and of those the ones whose lemma *is* the word (a query is written in
  its dictionary form: "стекло" is the noun, not a past form of "стечь"), else all known
  parses (the user typed an inflected form: "кофейни"). Among the kept parses nouns and
  adjectives win over verbs, and verbs over everything else, so "печь" does not grow a
  verb paradigm. A word known in one language gets no guessed forms from the other.
  Ukrainian spells an apostrophe where normalization drops it, so the Ukrainian
  dictionary is also asked for "кав'ярня" when the query says "кавярня".
- A Cyrillic word neither dictionary knows (a brand name: "Кофемания", "Тинькофф") gets
  pymorphy's predicted noun or adjective paradigm when its score reaches
  ``PREDICTION_MIN_SCORE``, else the ending rules in ``data/endings.json``; a
  vowel-final unknown word (латте, додо) is taken as indeclinable there.
- Belarusian has no pymorphy dictionary: ending rules (``data/endings.json``) inflect
  nouns and adjectives, with the cheap consonant alternations (рака → рацэ, нага → назе,
  горад → горадзе). They apply to a word that may be Belarusian by its letters (no и, щ,
  ъ, ї, є, ґ) and is unknown to ru/uk, or is a declinable noun there in its dictionary
  form (кава → кавай; кав'ярня → кавярняй, which is also the Belarusian word), or is
  only an inflected noun or adjective form there (нага: a Russian short adjective, the
  Belarusian "leg"). On a word the dictionaries know, a rule form that the Russian
  dictionary knows as another common word is dropped (берег would reach "березе", birch).
- Latin script: English plurals and possessives only (coffee → coffees, city → cities,
  leaf → leaves, man → men; the possessive "coffee's" normalizes to "coffees").
- Anything else (digits in a Cyrillic word, mixed scripts, one letter, other alphabets)
  is matched as written.

Which languages a Cyrillic word may be in is read from its letters: "ў" is only
Belarusian, "і" never Russian, "ы"/"э" never Ukrainian, "и"/"щ" never Belarusian. So a
Belarusian word is not pushed through the Russian predictor and the other way round.

Overgeneration (a Belarusian ending on a stem that never takes it) is harmless: nobody
writes the non-word. What the rules avoid is producing a different real word. Homonyms
the dictionaries themselves list stay: "рака" (reliquary) has the genitive plural "рак".

The analyzers load lazily, once, under a lock (ru ~0.25 s, uk ~0.1 s); ``analyzers_warm``
loads them up front. Results are cached per word, and a word is computed once for all
its spellings (Кофейня, кoфейня with a Latin o, кофейня).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from smmdesk.listening.query.text import WORD, normalize_word

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent.parent / "data" / "endings.json"

# A predicted paradigm is used for an unknown word when pymorphy gives it at least this
# score. pymorphy spreads an unknown word's score over every paradigm its ending fits;
# for nouns whose paradigm is right this lands at 0.12–1.0 ("кофемания" 0.17, "кофемашинка"
# 1.0, "бургерная" as an adjective 0.9), and near 0.03 when pymorphy is guessing
# ("тинькофф"); there the ending rules take over (for a consonant-final brand they give
# the same masculine forms the guess would).
PREDICTION_MIN_SCORE = 0.1
# About 2.4 KB per cached word (its forms and the set), so a full cache is ~150 MB; a
# matcher's 20,000 query words take ~50 MB.
CACHE_SIZE = 1 << 16

_ALPHABETS = {
    "ru": frozenset("абвгдежзийклмнопрстуфхцчшщъыьэюя"),
    "uk": frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "be": frozenset("абвгдежзійклмнопрстуўфхцчшыьэюя"),
}
_DICTIONARY_LANGS = ("ru", "uk")
_NOMINAL = frozenset({"NOUN", "ADJF", "ADJS", "COMP", "NUMR", "NPRO"})
_VERBAL = frozenset({"VERB", "INFN", "PRTF", "PRTS", "GRND"})
_PROPER_NAME = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})
# Ukrainian writes an apostrophe between a consonant and я, ю, є, ї (м'ясо, з'їзд).
_UK_APOSTROPHE_SPOT = regex.compile(r"(?<=[бвгґджзклмнпрстфхцчшщ])(?=[яюєї])")
_DICTIONARY_FORM = regex.compile(r"[а-яёіїєґ]+(?:'[а-яёіїєґ]+)?")
_DICTIONARY_FORM_FIX = str.maketrans({"ё": "е", "'": None})
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_LATIN = regex.compile(r"\p{Latin}")

_lock = threading.Lock()
_analyzers: dict[str, Any] = {}


def analyzer_get(lang: str) -> Any:
    """The pymorphy3 analyzer for ``lang`` ("ru" or "uk"), loaded once, on first use."""
    analyzer = _analyzers.get(lang)
    if analyzer is not None:
        return analyzer
    with _lock:
        analyzer = _analyzers.get(lang)
        if analyzer is None:
            import pymorphy3

            started = time.perf_counter()
            analyzer = pymorphy3.MorphAnalyzer(lang=lang)
            log.info("pymorphy3 %s dictionary loaded in %.2f s",
                     lang, time.perf_counter() - started)
            _analyzers[lang] = analyzer
    return analyzer


def analyzers_warm() -> dict[str, float]:
    """Load both dictionaries now (a worker calls this at start so the first compiled
    query does not pay for it); returns the seconds each load took, 0.0 if loaded."""
    took = {}
    for lang in _DICTIONARY_LANGS:
        started = time.perf_counter()
        analyzer_get(lang)
        took[lang] = time.perf_counter() - started
    return took


def analyzers_ready() -> bool:
    return all(lang in _analyzers for lang in _DICTIONARY_LANGS)


@lru_cache(maxsize=CACHE_SIZE)
def word_forms(word: str) -> frozenset[str]:
    """Every normalized form of ``word`` (one token) a post may contain, the word itself
    included; empty for an empty word. Thread-safe: the analyzers are read-only once
    loaded and lru_cache is safe to share."""
    return _forms(normalize_word(word.strip()))


@lru_cache(maxsize=CACHE_SIZE)
def _forms(w: str) -> frozenset[str]:
    if not w:
        return frozenset()
    if len(w) < 2 or not WORD.fullmatch(w):
        return frozenset({w})
    has_cyrillic = bool(_CYRILLIC.search(w))
    has_latin = bool(_LATIN.search(w))
    if has_cyrillic and not has_latin:
        return frozenset(_slavic_forms(w))
    if has_latin and not has_cyrillic:
        return frozenset(_english_forms(w))
    return frozenset({w})


# --- Russian, Ukrainian, Belarusian -------------------------------------------------------


def _possible_langs(w: str) -> list[str]:
    letters = set(w)
    return [lang for lang, alphabet in _ALPHABETS.items() if letters <= alphabet]


def _slavic_forms(w: str) -> set[str]:
    langs = _possible_langs(w)
    forms = {w}
    known = [p for lang in _DICTIONARY_LANGS if lang in langs for p in _known_parses(w, lang)]
    if known:
        chosen, is_lemma = _choose(w, known)
        # Forms shorter than the query word's own length class are interjections and
        # clipped vocatives ("ма" of "мама") that would match everywhere.
        forms |= {f for f in _lexeme_forms(chosen) if len(f) >= min(3, len(w))}
        if "be" in langs and len(w) >= 3:
            belarusian: set[str] = set()
            if not is_lemma and chosen[0].tag.POS in _NOMINAL:
                # Not a dictionary form in ru/uk but maybe one in Belarusian: "нага" is
                # a Russian short adjective and the Belarusian "leg". (Not for verb
                # forms: "была" + Belarusian endings would reach the adjective "былой".)
                belarusian = _belarusian_forms(w)
            elif _is_declinable_noun(chosen):
                belarusian = _rule_forms(w, "be", "noun")
            lemmas = {w} | {normalize_word(p.normal_form) for p in chosen}
            forms |= {f for f in belarusian - forms if not _other_word(f, lemmas)}
        return forms
    if len(w) < 3:
        return forms
    for lang in _DICTIONARY_LANGS:
        if lang in langs:
            forms |= _predicted_forms(w, lang)
    if "be" in langs:
        forms |= _belarusian_forms(w)
    return forms


def _other_word(form: str, lemmas: set[str]) -> bool:
    """Whether the Russian dictionary knows ``form`` only as a form of some other common
    word. The Belarusian rules put on a word the dictionaries know would otherwise reach
    its neighbours: берег + -зе is "березе" (birch), горка + -цы is "горцы" (highlanders),
    муха + -се is "мусе" (mousse). Proper names are not counted (the river Вад must not
    take "вады" from вада), and neither is the Ukrainian dictionary, whose cognates
    (сіль → солі) are the same word as the Belarusian one."""
    if "ru" not in _possible_langs(form):
        return False
    analyzer = analyzer_get("ru")
    if not analyzer.word_is_known(form):
        return False
    common = [p for p in analyzer.parse(form) if not _PROPER_NAME & p.tag.grammemes]
    return bool(common) and not any(normalize_word(p.normal_form) in lemmas for p in common)


def _belarusian_forms(w: str) -> set[str]:
    forms = _rule_forms(w, "be", "noun")
    if len(w) >= 4:
        forms |= _rule_forms(w, "be", "adjective")
    return forms


def _spellings(w: str, lang: str) -> list[str]:
    """The spellings to look up: Ukrainian dictionaries keep the apostrophe that
    normalization removed, so "кавярня" is also asked as "кав'ярня"."""
    if lang != "uk":
        return [w]
    spots = [m.start() for m in _UK_APOSTROPHE_SPOT.finditer(w)][:4]
    return [w] + [w[:i] + "'" + w[i:] for i in spots]


def _known_parses(w: str, lang: str) -> list[Any]:
    # ``Parse.is_known`` is a property of the spelling, not of the parse: asking once
    # per spelling skips parsing the apostrophe guesses that are not words at all.
    analyzer = analyzer_get(lang)
    return [p for spelling in _spellings(w, lang) if analyzer.word_is_known(spelling)
            for p in analyzer.parse(spelling)]


def _choose(w: str, parses: list[Any]) -> tuple[list[Any], bool]:
    """The parses the query word means: those whose lemma is the word if any, and of
    them the nominal ones before verbal ones before the rest; and whether the word is
    a lemma."""
    lemmas = [p for p in parses if normalize_word(p.normal_form) == w]
    pool = lemmas or parses
    for group in (_NOMINAL, _VERBAL):
        picked = [p for p in pool if p.tag.POS in group]
        if picked:
            return picked, bool(lemmas)
    return pool, bool(lemmas)


def _lexeme_key(p: Any) -> Any:
    # Parses of one word often share a lexeme (кофе: six cases, one paradigm); the
    # dictionary unit's paradigm id tells them apart without building each lexeme.
    stack = p.methods_stack
    if len(stack) == 1 and len(stack[0]) == 4:
        return (p.normal_form, stack[0][2])
    return id(p)


def _lexeme_forms(parses: list[Any]) -> set[str]:
    seen = set()
    forms = set()
    for p in parses:
        key = _lexeme_key(p)
        if key in seen:
            continue
        seen.add(key)
        for form in p.lexeme:
            forms.add(form.word)
    return {_dictionary_word_normalized(f) for f in forms} - {""}


def _dictionary_word_normalized(form: str) -> str:
    """``normalize_word`` for a dictionary form: they are lower-case Cyrillic, so only ё
    and the apostrophe need changing (a third of the compile time went to the general
    function). Forms that are not one token ("по-новому") are dropped: posts are matched
    token by token."""
    if _DICTIONARY_FORM.fullmatch(form):
        return form.translate(_DICTIONARY_FORM_FIX)
    word = normalize_word(form)
    return word if WORD.fullmatch(word) else ""


def _is_declinable_noun(parses: list[Any]) -> bool:
    return any(p.tag.POS == "NOUN" and "Fixd" not in p.tag and p.tag.case == "nomn"
               for p in parses)


def _predicted_forms(w: str, lang: str) -> set[str]:
    """Forms of an unknown word: pymorphy's best noun (the word as its nominative) or
    adjective paradigm when it scores well enough, else the language's ending rules."""
    nouns, adjectives = [], []
    for p in analyzer_get(lang).parse(w):
        tag = p.tag
        if "Fixd" in tag or tag.case != "nomn" or tag.number not in (None, "sing"):
            continue
        if tag.POS == "NOUN" and normalize_word(p.normal_form) == w:
            nouns.append(p)
        elif tag.POS == "ADJF":
            adjectives.append(p)
    # A brand is a noun far more often than not: a noun paradigm that scores well
    # enough wins over a likelier adjective one ("кофемания", not "кофеманиїй").
    best = None
    for pool in (nouns, adjectives):
        top = max(pool, key=lambda p: p.score, default=None)
        if top is not None and top.score >= PREDICTION_MIN_SCORE:
            best = top
            break
    if best is None:
        return _rule_forms(w, lang, "noun")
    # A guessed paradigm may rebuild the stem (fleeting vowels); keep only forms that
    # still share all but the last three letters with the word.
    keep = max(2, len(w) - 3)
    return {f for f in _lexeme_forms([best]) if f[:keep] == w[:keep]}


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    compiled: dict[str, Any] = {"en": data["en"]}
    for lang in ("be", "ru", "uk"):
        compiled[lang] = {
            group: [(regex.compile(rule["re"]), tuple(rule["forms"])) for rule in rules]
            for group, rules in data[lang].items()}
    return compiled


def _rule_forms(w: str, lang: str, group: str) -> set[str]:
    """The endings of the first rule of ``group`` that fits the word, on its stem."""
    for pattern, endings in _rules()[lang].get(group, ()):
        m = pattern.search(w)
        if m and m.start() >= 1:
            stem = w[:m.start()]
            return {w} | {stem + m.expand(ending) for ending in endings}
    return {w}


# --- English ------------------------------------------------------------------------------

_VOWELS = frozenset("aeiou")


def _english_forms(w: str) -> set[str]:
    """Singular, plural and both possessives (whose apostrophe normalization drops)."""
    forms = {w}
    if w[-1].isdigit():  # "iphone15" + s would be another model
        return forms
    forms.add(w + "s")
    if len(w) <= 2:
        return forms
    plurals = {_english_plural(w)}
    irregular = _rules()["en"]["irregular"].get(w)
    if irregular:
        plurals.add(irregular)
    if w.endswith("man") and len(w) > 3:
        plurals.add(w[:-3] + "men")
    for plural in plurals:
        forms.add(plural)
        if not plural.endswith("s"):
            forms.add(plural + "s")  # men's, children's
    return forms


def _english_plural(w: str) -> str:
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return w + "es"
    if w.endswith("y") and w[-2] not in _VOWELS:
        return w[:-1] + "ies"
    if w.endswith("o") and w[-2] not in _VOWELS:
        return w + "es"  # potatoes; photos is w + "s", already a form
    return w + "s"

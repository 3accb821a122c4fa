"""Text as the query matcher sees it: one spelling per word.

Both sides go through the same steps, so a query word and a word in a post meet when
they are the same word written differently:
- NFKC, lower case, ё → е (Russian and Belarusian texts drop the dots at will);
- apostrophes inside a word removed, whichever of ' ’ ʼ ` ‘ ʹ was typed, so кав'ярня,
  кав’ярня, кавʼярня and the keyboard-lazy кавярня are one word (Ukrainian and
  Belarusian spell with an apostrophe where Russian uses ъ/ь; the apostrophe never
  separates two words);
- a word written mostly in Cyrillic with Latin look-alike letters in it ("кoфейня" with
  a Latin o) is mapped back to Cyrillic, and a mostly Latin word with Cyrillic look-alikes
  ("cоffee" with a Cyrillic о) to Latin. Digits are left alone: "3" is a three here.
Hashtags are words too: "#кофейня" is the token "кофейня".

Speed: the matcher reads every post, so this is the hot path. It uses the standard
``re`` module only and skips each step a text does not need: an ASCII text needs no NFKC
and has no Cyrillic, a text without apostrophes needs no apostrophe pass, and the
look-alike pass runs only where a Latin and a Cyrillic letter meet inside a word (found
by one scan in C). ``matching_text`` is the text after all three steps, as long as
``normalize``'s; the matcher looks for its words there without splitting it, and splits
(``tokens``) only the few posts that may match. In ``re``, ``[^\\W_]`` is exactly
Unicode's letters and numbers (``[\\p{L}\\p{N}]``, ``str.isalnum``) and ``[^\\W\\d_]``
letters plus the few non-decimal numbers.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = "'’ʼ`‘ʹ′"
# The letters (and numbers) of each script, as \p{Cyrillic} and \p{Latin} intersected
# with [\p{L}\p{N}] give them (computed once with the `regex` module), in the BMP: ``re``
# looks a character up in one table when a class holds only BMP characters. The few
# letters of these scripts beyond it (phonetic modifier letters) do not count here.
_CYR_CLASS = ("\u0400-\u0481\u048a-\u052f\u1c80-\u1c8a\u1d2b\u1d78\ua640-\ua66e"
              "\ua67f-\ua69d")
_LAT_CLASS = ("A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02b8\u02e0-\u02e4"
              "\u1d00-\u1d25\u1d2c-\u1d5c\u1d62-\u1d65\u1d6b-\u1d77\u1d79-\u1dbe"
              "\u1e00-\u1eff\u2071\u207f\u2090-\u209f\u212a-\u212b\u2132\u214e"
              "\u2160-\u2188\u2c60-\u2c7f\ua722-\ua787\ua78b-\ua7dd\ua7e2\ua7f1-\ua7ff"
              "\uab30-\uab5a\uab5c-\uab64\uab66-\uab69\uab6c-\uab6d\ufb00-\ufb06"
              "\uff21-\uff3a\uff41-\uff5a")
_ANY_APOSTROPHE = re.compile(f"[{_APOSTROPHES}]")
# An apostrophe with a letter-ish character on each side (the apostrophe first, so that
# ``re`` skips to apostrophes; the look-behind checks the character before it);
# _drop_apostrophe keeps it unless both are letters (\p{L}), which ``str.isalpha()``
# tells exactly.
_APOS_RE = re.compile(rf"[{_APOSTROPHES}](?<=[^\W\d_][{_APOSTROPHES}])(?=[^\W\d_])")
WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W\d_]+)*")
_TO_CYR = str.maketrans({"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і",
                         "k": "к", "m": "м", "o": "о", "p": "р", "t": "т", "x": "х",
                         "y": "у"})
_TO_LAT = str.maketrans({"а": "a", "в": "b", "с": "c", "е": "e", "н": "h", "і": "i",
                         "к": "k", "м": "m", "о": "o", "р": "p", "т": "t", "х": "x",
                         "у": "y"})
_CYR = re.compile(f"[{_CYR_CLASS}]")
_LAT = re.compile(f"[{_LAT_CLASS}]")
_NEITHER = rf"[^\W_{_CYR_CLASS}{_LAT_CLASS}]"  # a digit, a Greek letter, ...
# A run of Latin letters that ends in a Cyrillic letter (maybe after digits and the
# like), or that follows a Cyrillic letter or a digit (and the like). Anchored at the
# run's first letter, so that ``re`` skips ahead to Latin letters and tries each run
# once. Every mixed word has one; "v60" and "#coffee" do not, "1xbet" does.
_LAT_NEAR_CYR = re.compile(f"[{_LAT_CLASS}](?<![{_LAT_CLASS}][{_LAT_CLASS}])"
                           f"(?:(?<=[^\\W_{_LAT_CLASS}][{_LAT_CLASS}])"
                           f"|[{_LAT_CLASS}]*+{_NEITHER}*+[{_CYR_CLASS}])")
# Where the two scripts meet inside a word, a Latin letter first, with only other word
# characters (digits, Greek, ...) between: searched in the text and in the text reversed.
_LAT_THEN_CYR = re.compile(f"[{_LAT_CLASS}]{_NEITHER}*[{_CYR_CLASS}]")


def _one_script(word: str) -> str:
    cyr = len(_CYR.findall(word))
    if not cyr:
        return word
    lat = len(_LAT.findall(word))
    if not lat:
        return word
    return word.translate(_TO_CYR) if cyr >= lat else word.translate(_TO_LAT)


def _drop_apostrophe(m: re.Match) -> str:
    s, i = m.string, m.start()
    return "" if s[i - 1].isalpha() and s[i + 1].isalpha() else m.group()


def normalize(text: str) -> str:
    """The whole text in matching form (words keep their places; used for phrases)."""
    if text.isascii():
        t = text.lower()
    else:
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        t = text.lower().replace("ё", "е")
    if _ANY_APOSTROPHE.search(t):
        t = _APOS_RE.sub(_drop_apostrophe, t)
    return t


def normalize_word(word: str) -> str:
    return _one_script(normalize(word))


def _one_script_runs(t: str, junctions: list[int]) -> str:
    """``t`` with each run of letters and numbers that holds one of ``junctions`` (an
    index where two scripts meet) in one script. The run, not the word, is the unit whose
    script is decided; they differ only where a digit kept an apostrophe: "3'o1ф" is the
    words "3'o" and "1ф" but the runs "3" and "o1ф"."""
    out, done = [], 0
    for j in sorted(junctions):
        if j < done:
            continue  # a run already mapped
        start = j
        while start > 0 and t[start - 1].isalnum():
            start -= 1
        end = j
        while end < len(t) and t[end].isalnum():
            end += 1
        out += (t[done:start], _one_script(t[start:end]))
        done = end
    out.append(t[done:])
    return "".join(out)


def matching_text(text: str) -> str:
    """``normalize(text)`` with every mixed-script word in one script (same length):
    the text the matcher searches; its words are ``tokens(text)``."""
    t = normalize(text)
    if t.isascii() or not _CYR.search(t) or not _LAT_NEAR_CYR.search(t):
        return t
    found = [m.start() for m in _LAT_THEN_CYR.finditer(t)]
    n = len(t) - 1
    found += [n - m.start() for m in _LAT_THEN_CYR.finditer(t[::-1])]
    return _one_script_runs(t, found) if found else t


def tokens(text: str) -> list[str]:
    """The words of ``text`` in matching form, in order."""
    return WORD.findall(matching_text(text))


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """``tokens(text)`` with the place of each in ``text``: (token, start, end), for
    highlighting. Normalization changes lengths (NFKC, dropped apostrophes), so each
    character (with the combining marks after it) is normalized on its own and remembers
    where it came from. Not on the hot path."""
    words = tokens(text)
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.category(text[j])[0] == "M":
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).lower().replace("ё", "е")
        chars.extend(piece)
        origin.extend([(i, j)] * len(piece))
        i = j
    t = "".join(chars)
    for m in reversed(list(_APOS_RE.finditer(t))):
        if t[m.start() - 1].isalpha() and t[m.end()].isalpha():
            del chars[m.start()], origin[m.start()]
    t = "".join(chars)
    spans = [(origin[m.start()][0], origin[m.end() - 1][1]) for m in WORD.finditer(t)]
    return [(w, s, e) for w, (s, e) in zip(words, spans, strict=False)]

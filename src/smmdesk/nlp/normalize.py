"""Text as the models and the profanity check see it: lower case, look-alike letters
mapped back, obfuscation undone, links, phones and e-mails found."""

from __future__ import annotations

import unicodedata

import regex

# Latin letters and digits that stand in for Cyrillic ones ("xyйня", "п0шёл", "3ае6ал").
_LOOKALIKE = str.maketrans({"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к",
                            "m": "м", "o": "о", "p": "р", "t": "т", "x": "х", "y": "у",
                            "u": "и", "0": "о", "3": "з", "4": "ч", "6": "б", "@": "а"})
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_WORD = regex.compile(r"[\p{L}\p{N}@*#$%]+")
_SPACED = regex.compile(r"(?<!\S)(?:\p{L}[ .\-_·]){2,}\p{L}(?!\S)")
URL = regex.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:ly|com|ru|ua|by|net|org|io|me|"
                    r"site|shop|online|link|cc|top|xyz|info)(?:/\S*)?")
EMAIL = regex.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = regex.compile(r"(?:\+\d[\d\s()\-]{8,}\d|\b\d{3}[\s\-]\d{3}[\s\-]\d{2}[\s\-]?\d{2}\b)")
EMOJI = regex.compile(r"\p{Extended_Pictographic}")
_REPEAT = regex.compile(r"(\p{L})\1{2,}")


def _unlookalike(word: str) -> str:
    """A word with Cyrillic letters in it is Cyrillic: map its Latin look-alikes back."""
    return word.translate(_LOOKALIKE) if _CYRILLIC.search(word) else word


def model_text(text: str) -> str:
    """For the statistical models: lower case, links/e-mails/phones as tokens, runs of one
    letter cut to two, look-alikes mapped back."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = EMAIL.sub(" emailtoken ", t)
    t = URL.sub(" urltoken ", t)
    t = PHONE.sub(" phonetoken ", t)
    t = _REPEAT.sub(r"\1\1", t)
    return _WORD.sub(lambda m: _unlookalike(m.group(0)), t)


def squashed(text: str) -> str:
    """For the profanity check: also spaced-out letters joined ("п и з д а") and runs of
    three or more of a letter cut to one ("сууука"; "hell" keeps its two l's)."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = _SPACED.sub(lambda m: regex.sub(r"[ .\-_·]", "", m.group(0)), t)
    t = _WORD.sub(lambda m: _unlookalike(m.group(0)), t)
    return regex.sub(r"(\p{L})\1{2,}", r"\1", t)


def signals(text: str) -> dict[str, bool | int]:
    return {"link": bool(URL.search(text)), "email": bool(EMAIL.search(text)),
            "phone": bool(PHONE.search(text)), "emoji": len(EMOJI.findall(text)),
            "letters": sum(ch.isalpha() for ch in text)}

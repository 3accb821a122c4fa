"""Listening queries: the text a person writes, parsed into a tree the matcher compiles.

The language is the one people know from YouScan and Brand Analytics:

    кофейня                  the word in any of its forms (кофейню, кофейне: morph.word_forms)
    кофе латте               both words; ``AND`` says the same
    кофе OR чай              either
    NOT вакансия             not this word (or group, or filter)
    ( ... )                  grouping
    "кофе с собой"           exact phrase: these words, adjacent, as written (after
                             normalization, text.py), no other forms; «…» and “…” too
    кофе NEAR/3 доставка     both, with at most 3 words between them, in either order; each
                             side is a word, prefix, phrase or an OR of them in parentheses
    кофе*                    a word that starts with "кофе" (at least 3 letters before *)
    #кофе  @brand            the hashtag or mention as written (no other forms)
    lang:ru  source:vk  author:@brand  since:2024-05-01  until:2024-05-31

Keywords are upper case (``and``, ``or``, ``near`` are words). Precedence, tightest
first: NOT, NEAR, AND, OR. A chain ``a NEAR/2 b NEAR/3 c`` means ``a NEAR/2 b`` and
``b NEAR/3 c``. A bare term that normalizes to several words (``coca-cola``, ``Санкт-
Петербург``) is a phrase whose words keep their forms (``Санкт-Петербурге`` matches).
Filters are terms like any other (``lang:ru OR lang:uk``, ``NOT source:vk``), but a query
must look for at least one word: one that could match a post without any of its words
(``NOT x``, ``lang:ru``, ``x OR NOT y``) is refused.

Every error is a ``QuerySyntaxError`` with the character span to underline (0-based
``[position, end)`` in the query as written) and a sentence for the person who wrote it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from smmdesk.listening.query.text import tokens

LANGUAGES = ("ru", "uk", "be", "en")
FILTERS = ("lang", "source", "author", "since", "until")
MIN_PREFIX = 3  # the error message says "three"
MAX_NEAR = 100
MAX_DEPTH = 32  # parentheses inside one another
MAX_LENGTH = 10_000  # characters

# Opening quote → the characters that close it.
QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“”"}
_CHUNK_END = re.compile(r"""[\s()"«“„]""")
_FILTER = re.compile(r"([A-Za-z]+):(.*)", re.S)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class QuerySyntaxError(ValueError):
    """A query that cannot be read. ``message`` is a lazy, translated sentence;
    ``[position, end)`` the characters to underline; ``query_id`` is set by the matcher
    for the query it was compiling."""

    def __init__(self, message, position: int, end: int, query_id: str | None = None):
        super().__init__(message, position, end)
        self.message = message
        self.position = position
        self.end = end
        self.query_id = query_id

    def __str__(self) -> str:
        return str(self.message)


def _message(template, **params):
    """A translated sentence with its values, rendered in the language active when shown."""
    return lazy(lambda: str(template) % params, str)()


# --- the tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Words that must stand in a post one after another (one word is the common case).
    ``exact``: only these forms (quoted phrase, #hashtag, @mention); else each word may be
    in any of its forms. ``prefix``: the (only) word is a prefix."""

    words: tuple[str, ...]
    exact: bool = False
    prefix: bool = False
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Filter:
    """``name`` one of FILTERS; ``value`` a language code, a source or author key (see
    ``source_key``), or a date for since/until (both days included)."""

    name: str
    value: str | date
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    item: Node
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Near:
    """``left`` and ``right`` (a Term, or an Or of Terms) with at most ``distance`` words
    between them, in either order, not overlapping."""

    left: Term | Or
    right: Term | Or
    distance: int
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


Node = Term | Filter | Not | And | Or | Near


def source_key(value: str) -> str:
    """How a source (kind or name) or an author handle is compared: case-insensitive,
    without a leading @ and surrounding spaces."""
    return value.strip().lstrip("@").strip().casefold()


def positive_terms(node: Node):
    """The Terms of ``node`` that are looked for (not under a NOT), in query order."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from positive_terms(item)
    elif isinstance(node, Near):
        yield from positive_terms(node.left)
        yield from positive_terms(node.right)


# --- reading the text -------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(", ")", "AND", "OR", "NOT", "NEAR", "TERM", "FILTER"
    start: int
    end: int
    value: object = None


def _lex(q: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Tok(c, i, i + 1))
            i += 1
        elif c in QUOTES:
            end = _closing_quote(q, i)
            words = tuple(tokens(q[i + 1:end]))
            if not words:
                raise QuerySyntaxError(_("There are no words inside these quotes."), i, end + 1)
            out.append(_Tok("TERM", i, end + 1, Term(words, True, False, i, end + 1)))
            i = end + 1
        else:
            m = _CHUNK_END.search(q, i)
            j = m.start() if m else n
            tok = _chunk(q, i, j)
            if tok.kind == "FILTER" and tok.value is None:  # name: "quoted value"
                end = _closing_quote(q, j)
                tok = _filter(q, i, end + 1, q[i:j - 1], q[j + 1:end], j + 1)
                j = end + 1
            if tok.kind != "SKIP":
                out.append(tok)
            i = j
    return out


def _closing_quote(q: str, i: int) -> int:
    closers = QUOTES[q[i]]
    ends = [k for k in (q.find(c, i + 1) for c in closers) if k != -1]
    if not ends:
        raise QuerySyntaxError(_("The closing quote is missing."), i, len(q))
    return min(ends)


def _chunk(q: str, s: int, e: int) -> _Tok:
    """One run of characters between spaces, parentheses and quotes."""
    c = q[s:e]
    if c in ("AND", "OR", "NOT"):
        return _Tok(c, s, e)
    if c == "NEAR" or c.startswith("NEAR/"):
        return _near(c, s, e)
    m = _FILTER.fullmatch(c)
    if m:
        if m.group(2) == "" and e < len(q) and q[e] in QUOTES:
            return _Tok("FILTER", s, e)  # the value is the quoted text that follows
        return _filter(q, s, e, m.group(1), m.group(2), s + len(m.group(1)) + 1)
    return _term(c, s, e)


def _near(c: str, s: int, e: int) -> _Tok:
    if c == "NEAR":
        raise QuerySyntaxError(
            _("NEAR needs a distance in words, as in NEAR/3 (at most 3 words between)."), s, e)
    digits = c[5:]
    if not digits.isascii() or not digits.isdigit() or not 1 <= int(digits) <= MAX_NEAR:
        raise QuerySyntaxError(
            _message(_("The NEAR distance must be a whole number from 1 to %(max)s."),
                     max=MAX_NEAR), s + 5 if digits else s, e)
    return _Tok("NEAR", s, e, int(digits))


def _filter(q: str, s: int, e: int, name: str, value: str, value_at: int) -> _Tok:
    key = name.lower()
    if key not in FILTERS:
        raise QuerySyntaxError(
            _message(_("There is no filter “%(name)s”. Filters: lang, source, author, since, "
                       "until."), name=name), s, s + len(name) + 1)
    value_end = value_at + len(value)
    if q[value_at - 1:value_at] in QUOTES:  # a quoted value: underline it with its quotes
        value_at, value_end = value_at - 1, e
    if not value.strip() or (key in ("source", "author") and not source_key(value)):
        raise QuerySyntaxError(
            _message(_("Write a value after “%(name)s:”, as in %(example)s."), name=name,
                     example=_EXAMPLES[key]), s, e)
    if key == "lang":
        if value.lower() not in LANGUAGES:
            raise QuerySyntaxError(
                _message(_("There is no language “%(value)s” here. Languages: ru, uk, be, "
                           "en."), value=value), value_at, value_end)
        parsed: str | date = value.lower()
    elif key in ("since", "until"):
        parsed = _day(value, value_at, value_end)
    else:
        parsed = source_key(value)
    return _Tok("FILTER", s, e, Filter(key, parsed, s, e))


_EXAMPLES = {"lang": "lang:ru", "source": "source:telegram", "author": "author:@brand",
             "since": "since:2024-05-01", "until": "until:2024-05-31"}


def _day(value: str, s: int, e: int) -> date:
    try:
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise QuerySyntaxError(
        _message(_("“%(value)s” is not a date. Write it as year-month-day, as in 2024-05-31."),
                 value=value), s, e)


def _term(c: str, s: int, e: int) -> _Tok:
    exact = c[0] in "#@"
    star = c.find("*")
    prefix = star != -1
    if prefix and star != len(c) - 1:
        raise QuerySyntaxError(_("An asterisk can only end a word, as in coffee*."),
                               s + star, s + star + 1)
    words = tuple(tokens(c[:-1] if prefix else c))
    if not words:
        if prefix:
            raise QuerySyntaxError(_("An asterisk can only end a word, as in coffee*."),
                                   s + star, s + star + 1)
        return _Tok("SKIP", s, e)  # punctuation on its own: nothing to look for
    if prefix and len(words) > 1:
        raise QuerySyntaxError(_("An asterisk can end one word only, not a phrase."), s, e)
    if prefix and len(words[0]) < MIN_PREFIX:
        raise QuerySyntaxError(_("Write at least three letters before the asterisk."), s, e)
    return _Tok("TERM", s, e, Term(words, exact, prefix, s, e))


# --- the grammar ------------------------------------------------------------------------

_NO_OPERAND = (None, ")", "AND", "OR", "NEAR")


class _Parser:
    """or := and (OR and)* ; and := near (AND? near)* ; near := unary (NEAR/n unary)* ;
    unary := NOT* primary ; primary := ( or ) | term | filter"""

    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.toks[self.i].kind if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        self.i += 1
        return self.toks[self.i - 1]

    def operand_after(self, op: _Tok) -> None:
        if self.peek() in _NO_OPERAND:
            raise QuerySyntaxError(
                _message(_("%(operator)s needs a term on each side."), operator=op.kind),
                op.start, op.end)

    def or_(self) -> Node:
        items = [self.and_()]
        while self.peek() == "OR":
            self.operand_after(self.take())
            items.append(self.and_())
        return _join(Or, items)

    def and_(self) -> Node:
        items = [self.near()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.operand_after(self.take())
            items.append(self.near())
        return _join(And, items)

    def near(self) -> Node:
        left = self.unary()
        pairs: list[Node] = []
        while self.peek() == "NEAR":
            op = self.take()
            self.operand_after(op)
            right = self.unary()
            for side in (left, right):
                if not _positional(side):
                    raise QuerySyntaxError(
                        _("Each side of NEAR must be a word, prefix or phrase, or such terms "
                          "joined with OR in parentheses."),
                        side.start, side.end)
            pairs.append(Near(left, right, op.value, left.start, right.end))
            left = right
        if not pairs:
            return left
        return pairs[0] if len(pairs) == 1 else And(tuple(pairs), pairs[0].start, pairs[-1].end)

    def unary(self) -> Node:
        nots: list[_Tok] = []
        while self.peek() == "NOT":
            nots.append(self.take())
        if nots and self.peek() in _NO_OPERAND:
            raise QuerySyntaxError(_("NOT needs a term after it."), nots[-1].start,
                                   nots[-1].end)
        item = self.primary()
        if len(nots) % 2:
            return Not(item, nots[0].start, item.end)
        return item

    def primary(self) -> Node:
        if self.peek() is None:  # only after "(": the checks above catch every other case
            raise QuerySyntaxError(_("A query needs at least one word to look for."), 0, 0)
        tok = self.take()
        if tok.kind in ("TERM", "FILTER"):
            return tok.value
        if tok.kind == ")":
            raise QuerySyntaxError(_("This closing parenthesis has no opening one."),
                                   tok.start, tok.end)
        if tok.kind in ("AND", "OR", "NEAR"):
            raise QuerySyntaxError(
                _message(_("%(operator)s needs a term on each side."), operator=tok.kind),
                tok.start, tok.end)
        return self.group(tok)

    def group(self, open_: _Tok) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                _("Too many parentheses inside one another."), open_.start, open_.end)
        if self.peek() is None:
            raise QuerySyntaxError(_("This parenthesis is never closed."),
                                   open_.start, open_.end)
        if self.peek() == ")":
            close = self.take()
            raise QuerySyntaxError(_("These parentheses are empty."), open_.start, close.end)
        node = self.or_()
        if self.peek() != ")":
            raise QuerySyntaxError(_("This parenthesis is never closed."),
                                   open_.start, open_.end)
        close = self.take()
        self.depth -= 1
        return dataclasses.replace(node, start=open_.start, end=close.end)


def _join(kind, items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    return kind(tuple(flat), items[0].start, items[-1].end)


def _positional(node: Node) -> bool:
    if isinstance(node, Term):
        return True
    return isinstance(node, Or) and all(isinstance(i, Term) for i in node.items)


def _wordless(node: Node) -> Node | None:
    """A part of ``node`` that lets it match a post without any word of the query, or
    None when every match needs a word."""
    if isinstance(node, Term | Near):
        return None
    if isinstance(node, And):
        return node if all(_wordless(i) is not None for i in node.items) else None
    if isinstance(node, Or):
        return next((w for w in map(_wordless, node.items) if w is not None), None)
    return node  # a filter, or NOT anything


def parse(query: str) -> Node:
    """The tree of ``query``; raises QuerySyntaxError."""
    if not query.strip():
        raise QuerySyntaxError(_("The query is empty."), 0, len(query))
    if len(query) > MAX_LENGTH:
        raise QuerySyntaxError(_("The query is too long; split it into several queries."),
                               MAX_LENGTH, len(query))
    toks = _lex(query)
    if not toks:
        raise QuerySyntaxError(_("A query needs at least one word to look for."),
                               0, len(query))
    parser = _Parser(toks)
    node = parser.or_()
    if parser.i < len(toks):  # or_() stops early only at a ")" nobody opened
        tok = toks[parser.i]
        raise QuerySyntaxError(_("This closing parenthesis has no opening one."),
                               tok.start, tok.end)
    wordless = _wordless(node)
    if wordless is not None:
        raise QuerySyntaxError(_("A query needs at least one word to look for."),
                               wordless.start, wordless.end)
    return node

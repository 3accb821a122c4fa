"""Many listening queries, one post at a time, fast.

A workspace has a few queries; the whole installation has thousands, and every fetched
post is tested against all of them. Testing each query in turn would cost thousands of
evaluations per post, while a post mentions almost none of the brands. So:

1. Compile. Each query is parsed (parser.py) and each plain word becomes the set of its
   forms (``morph.word_forms``, once per distinct word); a quoted or #hashtag word is the
   set of just itself; a prefix stays a string. Then each query gets *triggers*: elements
   of which a post must contain at least one for the query to have any chance (one side
   of an AND, every side of an OR, one word of a phrase or a NEAR). Where there is a
   choice, the element used by the fewest queries wins, with short words counted as more
   common: a word that many queries share (кофе, доставка) is a word many posts contain,
   a brand name is not. A query whose rarest trigger is still common ("Москва NEAR/3
   кофейня") needs a second trigger group too (the other side of its AND or NEAR, or
   another word of its phrase) before it is evaluated. Finally each query becomes one
   small Python function, generated from the tree (its sets and strings are bound by
   name, never pasted as text), so evaluating a candidate is a few set look-ups in C.
2. Match. The post is normalized once (text.matching_text) and one Aho-Corasick automaton
   (pyahocorasick) holding every trigger form and prefix runs over it in C. A hit counts
   only where it stands as a whole word (a prefix: at a word's start), which two
   characters tell. Only the queries those triggers name are evaluated, and only then is
   the post split into words; positions are computed only for a phrase or a NEAR.

The prefilter never drops a match: a query can be true only if its triggers are in the
post (tests/listening/test_matcher.py checks this against evaluating every query on
its own, which ``matches`` does by walking the tree with no prefilter and no generated
code). ``highlight`` walks the tree too and says which words made a query match.

Filters compare with what the caller knows of the post: ``language`` (its first part,
"uk-UA" → "uk"), ``source`` (a kind, a name, or several of them), ``author`` (a handle,
with or without @) and ``published_at`` (a date or datetime; its own date is compared,
so pass it in the workspace's time zone). A post without a date matches no since/until.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime

import ahocorasick

from smmdesk.listening.query.parser import (
    And,
    Filter,
    Near,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse,
    positive_terms,
    source_key,
)
from smmdesk.listening.query.text import WORD, matching_text, token_spans, tokens

Element = frozenset | str  # the forms one word may take, or a prefix
# A query whose cheapest trigger group costs more than this (its rarest word is shared by
# several queries, or short) becomes a candidate only when its second group is there too.
PAIR_ABOVE = 8.0
Forms = Callable[[str], Iterable[str]]


def _morph_forms(word: str) -> frozenset[str]:
    from smmdesk.listening.query import morph  # pymorphy's dictionaries load on first use

    return morph.word_forms(word)


class _Elements:
    """Each Term's words as elements, one set or string per distinct word."""

    def __init__(self, word_forms: Forms | None):
        self.word_forms = word_forms or _morph_forms
        self.cache: dict[tuple[str, bool], Element] = {}

    def word(self, word: str, exact: bool) -> frozenset:
        key = (word, exact)
        found = self.cache.get(key)
        if found is None:
            found = frozenset({word}) if exact else frozenset(
                f for f in self.word_forms(word) if f) | {word}
            self.cache[key] = found
        return found

    def __call__(self, term: Term) -> tuple[Element, ...]:
        if term.prefix:
            return (term.words[0],)
        return tuple(self.word(w, term.exact) for w in term.words)


# --- one post ---------------------------------------------------------------------------


class _Post:
    """A post as the compiled queries see it: ``toks`` its words in order, ``T`` their
    set, and what the filters read. Positions, the sorted words and the filters' values
    are made when first asked for: most candidates never ask."""

    __slots__ = ("toks", "T", "meta", "_filters", "_positions", "_sorted")

    def __init__(self, toks: list[str], T: set[str], language: str = "",
                 source: str | Iterable[str] = "", author: str = "",
                 published_at: date | datetime | None = None):
        self.toks = toks
        self.T = T
        self.meta = (language, source, author, published_at)
        self._filters: tuple | None = None
        self._positions: dict[str, list[int]] | None = None
        self._sorted: list[str] | None = None

    def filters(self) -> tuple[str, frozenset[str], str, date | None]:
        """(language, sources, author, day) in the form Filter values take."""
        if self._filters is None:
            language, source, author, published_at = self.meta
            sources = [source] if isinstance(source, str) else source
            if isinstance(published_at, datetime):
                published_at = published_at.date()
            self._filters = (
                language.lower().replace("_", "-").split("-")[0] if language else "",
                frozenset(source_key(s) for s in sources if s),
                source_key(author) if author else "",
                published_at)
        return self._filters

    @property
    def lang(self) -> str:
        return self.filters()[0]

    @property
    def sources(self) -> frozenset[str]:
        return self.filters()[1]

    @property
    def author(self) -> str:
        return self.filters()[2]

    @property
    def day(self) -> date | None:
        return self.filters()[3]

    @property
    def positions(self) -> dict[str, list[int]]:
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for i, t in enumerate(self.toks):
                at = positions.get(t)
                if at is None:
                    positions[t] = [i]
                else:
                    at.append(i)
            self._positions = positions
        return self._positions

    def prefix(self, p: str) -> bool:
        if self._sorted is None:
            self._sorted = sorted(self.T)
        words = self._sorted
        i = bisect_left(words, p)
        return i < len(words) and words[i].startswith(p)

    def spans(self, elems: tuple[Element, ...], first: bool = False) -> list[tuple[int, int]]:
        """Where the words ``elems`` stand one after another: [(start, end)] in words."""
        T = self.T
        for e in elems:
            if isinstance(e, str):
                if not self.prefix(e):
                    return []
            elif T.isdisjoint(e):
                return []
        toks, n = self.toks, len(elems)
        head = elems[0]
        if isinstance(head, str):
            starts = [i for i, t in enumerate(toks) if t.startswith(head)]
        else:
            positions = self.positions
            starts = sorted(i for w in T.intersection(head) for i in positions[w])
        out = []
        for i in starts:
            if i + n > len(toks):
                break
            if all(_fits(toks[i + k], elems[k]) for k in range(1, n)):
                out.append((i, i + n))
                if first:
                    break
        return out

    def phrase(self, elems: tuple[Element, ...]) -> bool:
        return bool(self.spans(elems, first=True))

    def present(self, alternatives: tuple) -> bool:
        """Whether every word of at least one alternative is in the post, anywhere (the
        cheap test before positions)."""
        T = self.T
        return any(all(self.prefix(e) if isinstance(e, str) else not T.isdisjoint(e)
                       for e in alt) for alt in alternatives)

    def near(self, left: tuple, right: tuple, distance: int) -> bool:
        if not (self.present(left) and self.present(right)):
            return False
        a = [s for alt in left for s in self.spans(alt)]
        if not a:
            return False
        b = [s for alt in right for s in self.spans(alt)]
        return any(_close(x, y, distance) for x in a for y in b)

    def filter(self, f: Filter) -> bool:
        if f.name == "lang":
            return self.lang == f.value
        if f.name == "source":
            return f.value in self.sources
        if f.name == "author":
            return self.author == f.value
        if self.day is None:
            return False
        return self.day >= f.value if f.name == "since" else self.day <= f.value


def _fits(token: str, e: Element) -> bool:
    return token.startswith(e) if isinstance(e, str) else token in e


def _close(x: tuple[int, int], y: tuple[int, int], distance: int) -> bool:
    """Two spans that do not overlap and have at most ``distance`` words between them."""
    if x[1] <= y[0]:
        return y[0] - x[1] <= distance
    return y[1] <= x[0] and x[0] - y[1] <= distance


def _alternatives(node: Term | Or, elements: _Elements) -> tuple:
    items = node.items if isinstance(node, Or) else (node,)
    return tuple(elements(t) for t in items)


# --- one query, walked (no prefilter, no generated code) --------------------------------


def _walk(node: Node, post: _Post, elements: _Elements) -> list[tuple[int, int]] | None:
    """None when ``node`` is false for ``post``; else the word spans that made it true."""
    if isinstance(node, Term):
        return post.spans(elements(node)) or None
    if isinstance(node, Filter):
        return [] if post.filter(node) else None
    if isinstance(node, Not):
        return None if _walk(node.item, post, elements) is not None else []
    if isinstance(node, And):
        found: list[tuple[int, int]] = []
        for item in node.items:
            spans = _walk(item, post, elements)
            if spans is None:
                return None
            found += spans
        return found
    if isinstance(node, Or):
        any_found = None
        for item in node.items:
            spans = _walk(item, post, elements)
            if spans is not None:
                any_found = (any_found or []) + spans
        return any_found
    a = [s for alt in _alternatives(node.left, elements) for s in post.spans(alt)]
    b = [s for alt in _alternatives(node.right, elements) for s in post.spans(alt)]
    pairs = [(x, y) for x in a for y in b if _close(x, y, node.distance)]
    return [s for pair in pairs for s in pair] or None


def _one(query: str | Node, text: str, word_forms: Forms | None, meta: dict):
    node = parse(query) if isinstance(query, str) else query
    toks = tokens(text)
    post = _Post(toks, set(toks), **meta)
    return _walk(node, post, _Elements(word_forms))


def matches(query: str | Node, text: str, *, language: str = "",
            source: str | Iterable[str] = "", author: str = "",
            published_at: date | datetime | None = None,
            word_forms: Forms | None = None) -> bool:
    """Whether one query matches one post, by walking its tree (for a single query, and
    as the reference the Matcher is tested against)."""
    meta = {"language": language, "source": source, "author": author,
            "published_at": published_at}
    return _one(query, text, word_forms, meta) is not None


def highlight(query: str | Node, text: str, *, language: str = "",
              source: str | Iterable[str] = "", author: str = "",
              published_at: date | datetime | None = None,
              word_forms: Forms | None = None) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` in ``text`` as written of the words that made
    ``query`` match (words under NOT never; an OR's sides only where they hold; a NEAR's
    words only where they are near), sorted and merged; [] when it does not match."""
    meta = {"language": language, "source": source, "author": author,
            "published_at": published_at}
    spans = _one(query, text, word_forms, meta)
    if not spans:
        return []
    places = token_spans(text)
    chars = sorted({(places[a][1], places[b - 1][2]) for a, b in spans})
    merged: list[tuple[int, int]] = []
    for s, e in chars:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


# --- many queries -----------------------------------------------------------------------


class Matcher:
    """``Matcher([(query_id, query_text), ...])`` compiles the queries (the first that
    does not parse raises its QuerySyntaxError with ``query_id`` set); ``match(text,
    language=..., source=..., author=..., published_at=...)`` returns the ids of the
    queries that match, in the order they were given. Word forms come from
    ``morph.word_forms`` unless ``word_forms`` is passed."""

    def __init__(self, queries: Iterable[tuple[str, str]], *,
                 word_forms: Forms | None = None):
        ids: list[str] = []
        nodes: list[Node] = []
        for query_id, text in queries:
            try:
                nodes.append(parse(text))
            except QuerySyntaxError as error:
                error.query_id = query_id
                raise
            ids.append(query_id)
        self.ids = tuple(ids)
        elements = _Elements(word_forms)
        self._functions = _Codegen(elements).functions(nodes)
        self._index(nodes, elements)

    def __len__(self) -> int:
        return len(self.ids)

    def _index(self, nodes: list[Node], elements: _Elements) -> None:
        used: Counter = Counter()
        for node in nodes:
            used.update({e for term in positive_terms(node) for e in elements(term)})
        # key → queries it triggers as a word / as a prefix: alone (query index), or as
        # one of two groups a query needs both of ((query index, group bit))
        keys: dict[str, tuple[set, set, set, set]] = {}
        for i, node in enumerate(nodes):
            groups = _groups(node, elements, used)
            if groups[0][0] <= PAIR_ABOVE or len(groups) == 1:
                targets = [(groups[0][1], i)]
            else:
                targets = [(groups[0][1], (i, 1)), (groups[1][1], (i, 2))]
            for elems, target in targets:
                pair = isinstance(target, tuple)
                for e in elems:
                    if isinstance(e, str):
                        keys.setdefault(e, (set(), set(), set(), set()))[2 + pair].add(target)
                    else:
                        for form in e:
                            keys.setdefault(form, (set(), set(), set(), set()))[pair].add(target)
        self._automaton = ahocorasick.Automaton()
        for key, sets in keys.items():
            # A word starts where the character before it is not a letter or number, and
            # ends where the one after it is not, but for one case: "3'o1ф" is the
            # words "3'o" and "1ф" (a word that starts with a digit may follow a
            # letter; one with an apostrophe in it may be followed by a digit).
            self._automaton.add_word(key, (len(key), not key[0].isdecimal(), key.isalnum(),
                                           *(tuple(sorted(s)) for s in sets)))
        self.trigger_keys = len(keys)
        if keys:
            self._automaton.make_automaton()

    def candidates(self, t: str) -> set[int]:
        """The queries (indexes into ``ids``) whose triggers are in ``t``, a
        matching_text(): the automaton finds every key as a substring, and only those
        standing as a whole word (a prefix: at a word's start) count."""
        found: set[int] = set()
        if not self.trigger_keys:
            return found
        halves: dict[int, int] = {}
        last = len(t) - 1
        for end, (size, strict_start, strict_end, words, word_halves, prefixes,
                  prefix_halves) in self._automaton.iter(t):
            start = end - size + 1
            if start and strict_start and t[start - 1].isalnum():
                continue
            if prefixes:
                found.update(prefixes)
            for i, bit in prefix_halves:
                halves[i] = halves.get(i, 0) | bit
            if (words or word_halves) and (
                    end == last or not strict_end or not t[end + 1].isalnum()):
                found.update(words)
                for i, bit in word_halves:
                    halves[i] = halves.get(i, 0) | bit
        if halves:
            found.update(i for i, bits in halves.items() if bits == 3)
        return found

    def match(self, text: str, *, language: str = "", source: str | Iterable[str] = "",
              author: str = "", published_at: date | datetime | None = None) -> list[str]:
        t = matching_text(text)
        found = self.candidates(t)
        if not found:
            return []
        toks = WORD.findall(t)
        T = set(toks)
        post = _Post(toks, T, language, source, author, published_at)
        functions, ids = self._functions, self.ids
        return [ids[i] for i in sorted(found) if functions[i](T, post)]


def _cost(e: Element, used: Counter) -> float:
    """How often ``e`` may be in a post, as far as the queries tell: the number of
    queries using it, more for short words and for prefixes."""
    length = len(e) if isinstance(e, str) else min(map(len, e))
    cost = used[e] * (1 + 20 / length ** 2)
    return cost * 3 if isinstance(e, str) else cost


def _triggers(node: Node, elements: _Elements, used: Counter):
    """(cost, elements): a post that has none of the elements cannot match ``node``;
    None when ``node`` can match without any word."""
    if isinstance(node, Term):
        best = min(elements(node), key=lambda e: _cost(e, used))
        return _cost(best, used), [best]
    if isinstance(node, Near):
        return min(_triggers(node.left, elements, used), _triggers(node.right, elements, used),
                   key=lambda t: t[0])
    if isinstance(node, Or):
        sides = [_triggers(i, elements, used) for i in node.items]
        if any(s is None for s in sides):
            return None
        return sum(s[0] for s in sides), [e for s in sides for e in s[1]]
    if isinstance(node, And):
        sides = [s for s in (_triggers(i, elements, used) for i in node.items) if s]
        return min(sides, key=lambda t: t[0]) if sides else None
    return None  # Not, Filter


def _groups(node: Node, elements: _Elements, used: Counter) -> list:
    """Up to two trigger groups (cost, elements), cheapest first, that a post must each
    hold an element of for ``node`` to match: from the sides of an AND or a NEAR and the
    words of a phrase; one group otherwise, none for a NOT or a filter."""
    if isinstance(node, And):
        sides = [g for i in node.items for g in _groups(i, elements, used)]
    elif isinstance(node, Near):
        sides = [_triggers(node.left, elements, used), _triggers(node.right, elements, used)]
    elif isinstance(node, Term):
        sides = [(_cost(e, used), [e]) for e in elements(node)]
    else:
        side = _triggers(node, elements, used)
        sides = [side] if side else []  # none for a NOT or a filter
    return sorted(sides, key=lambda side: side[0])[:2]


class _Codegen:
    """Each query as ``def q<i>(T, P): return <expression>``, compiled together. Only
    names and operators are written into the source; every set, string and date a query
    holds is a global of the generated module, bound by name."""

    def __init__(self, elements: _Elements):
        self.elements = elements
        self.namespace: dict[str, object] = {}
        self.names: dict[object, str] = {}

    def const(self, value: object) -> str:
        key = (type(value), value)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"k{len(self.names)}"
            self.namespace[name] = value
        return name

    def functions(self, nodes: list[Node]) -> list[Callable]:
        source = "".join(f"def q{i}(T, P):\n    return {self.expr(node)}\n"
                         for i, node in enumerate(nodes))
        exec(compile(source, "<listening queries>", "exec"), self.namespace)
        return [self.namespace[f"q{i}"] for i in range(len(nodes))]

    def expr(self, node: Node) -> str:
        if isinstance(node, Term):
            elems = self.elements(node)
            if len(elems) > 1:
                return f"P.phrase({self.const(elems)})"
            e = elems[0]
            if isinstance(e, str):
                return f"P.prefix({self.const(e)})"
            if len(e) == 1:
                return f"({self.const(next(iter(e)))} in T)"
            return f"(not T.isdisjoint({self.const(e)}))"
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Not):
            return f"(not {self.expr(node.item)})"
        if isinstance(node, And | Or):
            items = sorted(node.items, key=_rank) if isinstance(node, And) else node.items
            joiner = " and " if isinstance(node, And) else " or "
            return "(" + joiner.join(self.expr(i) for i in items) + ")"
        left = self.const(_alternatives(node.left, self.elements))
        right = self.const(_alternatives(node.right, self.elements))
        return f"P.near({left}, {right}, {node.distance})"

    def filter(self, f: Filter) -> str:
        value = self.const(f.value)
        if f.name == "lang":
            return f"(P.lang == {value})"
        if f.name == "source":
            return f"({value} in P.sources)"
        if f.name == "author":
            return f"(P.author == {value})"
        op = ">=" if f.name == "since" else "<="
        return f"(P.day is not None and P.day {op} {value})"


def _rank(node: Node) -> int:
    """Cheap tests first inside an AND: set look-ups and filters, then prefixes, then
    anything that needs word positions."""
    if isinstance(node, Filter):
        return 0
    if isinstance(node, Term):
        return 2 if len(node.words) > 1 else 1 if node.prefix else 0
    if isinstance(node, Not):
        return _rank(node.item)
    if isinstance(node, And | Or):
        return max(map(_rank, node.items))
    return 2

"""The listening query language: every operator parses into the tree it means, the
precedence is NOT > NEAR > AND > OR, and every mistake is reported with the exact
characters to underline."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from smmdesk.listening.query.matcher import Matcher
from smmdesk.listening.query.parser import (
    And,
    Filter,
    Near,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse,
    positive_terms,
)


def w(*words: str, exact: bool = False, prefix: bool = False) -> Term:
    return Term(tuple(words), exact, prefix)


# --- what each operator means --------------------------------------------------------


@pytest.mark.parametrize("query, tree", [
    ("кофейня", w("кофейня")),
    ("кофе латте", And((w("кофе"), w("латте")))),
    ("кофе AND латте", And((w("кофе"), w("латте")))),
    ("кофе OR латте", Or((w("кофе"), w("латте")))),
    ("кофе NOT латте", And((w("кофе"), Not(w("латте"))))),
    ("кофе (латте OR раф)", And((w("кофе"), Or((w("латте"), w("раф")))))),
    ('"кофе с собой"', w("кофе", "с", "собой", exact=True)),
    ("«кава з собою»", w("кава", "з", "собою", exact=True)),
    ("“coffee to go”", w("coffee", "to", "go", exact=True)),
    ('"кофе"', w("кофе", exact=True)),
    ("кофе NEAR/3 доставка", Near(w("кофе"), w("доставка"), 3)),
    ('кав* NEAR/2 "з собою"', Near(w("кав", prefix=True), w("з", "собою", exact=True), 2)),
    ("(кофе OR кава) NEAR/5 доставка",
     Near(Or((w("кофе"), w("кава"))), w("доставка"), 5)),
    ("кофе*", w("кофе", prefix=True)),
    ("#кофе", w("кофе", exact=True)),
    ("@starbucks", w("starbucks", exact=True)),
    # a bare term that normalizes into several words is a phrase that keeps its forms
    ("coca-cola", w("coca", "cola")),
    ("Санкт-Петербург", w("санкт", "петербург")),
    # keywords are upper case; in lower case they are words
    ("tea and coffee", And((w("tea"), w("and"), w("coffee")))),
    ("near or not", And((w("near"), w("or"), w("not")))),
    ("NEARBY", w("nearby")),
    # punctuation on its own is nothing to look for
    ("кофе , латте !", And((w("кофе"), w("латте")))),
    # NOT NOT cancels out
    ("NOT NOT кофе", w("кофе")),
])
def test_operators(query, tree):
    assert parse(query) == tree


@pytest.mark.parametrize("query, tree", [
    # NOT binds tighter than AND: NOT a b is (NOT a) AND b
    ("NOT a b", And((Not(w("a")), w("b")))),
    # AND tighter than OR
    ("a OR b c", Or((w("a"), And((w("b"), w("c")))))),
    ("a b OR c", Or((And((w("a"), w("b"))), w("c")))),
    ("a AND b OR c AND d", Or((And((w("a"), w("b"))), And((w("c"), w("d")))))),
    # NEAR tighter than AND and OR
    ("a NEAR/2 b c", And((Near(w("a"), w("b"), 2), w("c")))),
    ("a OR b NEAR/2 c", Or((w("a"), Near(w("b"), w("c"), 2)))),
    ("a NEAR/1 b OR c NEAR/2 d", Or((Near(w("a"), w("b"), 1), Near(w("c"), w("d"), 2)))),
    # NOT tighter than NEAR: NOT a NEAR/1 b is refused (below), NOT (a NEAR/1 b) is fine
    ("x NOT (a NEAR/1 b)", And((w("x"), Not(Near(w("a"), w("b"), 1))))),
    # parentheses override
    ("(a OR b) c", And((Or((w("a"), w("b"))), w("c")))),
    ("NOT (a OR b) c", And((Not(Or((w("a"), w("b")))), w("c")))),
    # a chain of NEARs: each neighbour pair
    ("a NEAR/2 b NEAR/3 c", And((Near(w("a"), w("b"), 2), Near(w("b"), w("c"), 3)))),
])
def test_precedence(query, tree):
    assert parse(query) == tree


def test_not_then_near_is_refused_because_not_binds_tighter():
    # "x NOT a NEAR/1 b" would be x AND ((NOT a) NEAR/1 b): NEAR cannot take a NOT
    with pytest.raises(QuerySyntaxError) as e:
        parse("x NOT a NEAR/1 b")
    assert (e.value.position, e.value.end) == (2, 7)  # "NOT a"


@pytest.mark.parametrize("query, filter_", [
    ("кофе lang:ru", Filter("lang", "ru")),
    ("кофе lang:UK", Filter("lang", "uk")),
    ("кофе LANG:be", Filter("lang", "be")),
    ("coffee lang:en", Filter("lang", "en")),
    ("кофе source:telegram", Filter("source", "telegram")),
    ('кофе source:"Кофе Новости"', Filter("source", "кофе новости")),
    ("кофе author:@Brand_Official", Filter("author", "brand_official")),
    ("кофе author:brand_official", Filter("author", "brand_official")),
    ("кофе since:2024-05-01", Filter("since", date(2024, 5, 1))),
    ("кофе until:2024-02-29", Filter("until", date(2024, 2, 29))),
])
def test_filters(query, filter_):
    assert parse(query) == And((w("кофе") if "coffee" not in query else w("coffee"),
                                filter_))


def test_filters_combine_like_terms():
    assert parse("кофе (lang:ru OR lang:uk) NOT source:vk") == And((
        w("кофе"), Or((Filter("lang", "ru"), Filter("lang", "uk"))),
        Not(Filter("source", "vk"))))


def test_words_are_normalized_as_posts_are():
    # case, ё, every apostrophe, Latin look-alikes in a Cyrillic word
    assert parse("Ёлка") == w("елка")
    assert parse("Кав’ярня") == parse("кав'ярня") == parse("кавʼярня") == w("кавярня")
    assert parse("кoфе") == w("кофе")  # Latin o
    assert parse("cоffee") == w("coffee")  # Cyrillic о
    assert parse('"Кав’ярня Львів"') == w("кавярня", "львів", exact=True)


def test_spans_point_into_the_query():
    tree = parse('кофе OR "с собой"')
    assert [(t.start, t.end) for t in tree.items] == [(0, 4), (8, 17)]
    group = parse("x (a OR b)").items[1]
    assert (group.start, group.end) == (2, 10)


def test_positive_terms_leave_out_what_is_under_not():
    tree = parse("(a OR b) NEAR/2 c NOT d lang:ru")
    assert [t.words for t in positive_terms(tree)] == [("a",), ("b",), ("c",)]


# --- errors: the sentence and the exact span ---------------------------------------


@pytest.mark.parametrize("query, span, says", [
    ("", (0, 0), "The query is empty"),
    ("   ", (0, 3), "The query is empty"),
    ('кофе "с собой', (5, 13), "closing quote is missing"),
    ("кофе «з собою", (5, 13), "closing quote is missing"),
    ('кофе ""', (5, 7), "no words inside these quotes"),
    ('"!!"', (0, 4), "no words inside these quotes"),
    ("(кофе OR чай", (0, 1), "parenthesis is never closed"),
    ("кофе (чай (сок)", (5, 6), "parenthesis is never closed"),
    ("кофе (", (5, 6), "parenthesis is never closed"),
    ("кофе) чай", (4, 5), "closing parenthesis has no opening one"),
    (") кофе", (0, 1), "closing parenthesis has no opening one"),
    ("кофе ()", (5, 7), "parentheses are empty"),
    ("AND кофе", (0, 3), "AND needs a term on each side"),
    ("кофе AND", (5, 8), "AND needs a term on each side"),
    ("кофе OR", (5, 7), "OR needs a term on each side"),
    ("OR кофе", (0, 2), "OR needs a term on each side"),
    ("кофе OR OR чай", (5, 7), "OR needs a term on each side"),
    ("кофе AND OR чай", (5, 8), "AND needs a term on each side"),
    ("(кофе AND) чай", (6, 9), "AND needs a term on each side"),
    ("кофе NOT", (5, 8), "NOT needs a term after it"),
    ("кофе (NOT)", (6, 9), "NOT needs a term after it"),
    ("кофе NEAR/2", (5, 11), "NEAR needs a term on each side"),
    ("NEAR/2 кофе", (0, 6), "NEAR needs a term on each side"),
    ("кофе NEAR доставка", (5, 9), "NEAR needs a distance"),
    ("кофе NEAR/ доставка", (5, 10), "whole number from 1 to 100"),
    ("кофе NEAR/x доставка", (10, 11), "whole number from 1 to 100"),
    ("кофе NEAR/0 доставка", (10, 11), "whole number from 1 to 100"),
    ("кофе NEAR/101 доставка", (10, 13), "whole number from 1 to 100"),
    ("кофе NEAR/2 lang:ru", (12, 19), "Each side of NEAR"),
    ("кофе NEAR/2 NOT чай", (12, 19), "Each side of NEAR"),
    ("(a b) NEAR/2 c", (0, 5), "Each side of NEAR"),
    ("кофе langu:ru", (5, 11), "There is no filter “langu”"),
    ("https://example.com кофе", (0, 6), "Filters: lang, source, author, since, until"),
    ("кофе lang:de", (10, 12), "There is no language “de”"),
    ("кофе lang:", (5, 10), "Write a value after “lang:”"),
    ("кофе author:@", (5, 13), "Write a value after “author:”"),
    ('кофе source:""', (5, 14), "Write a value after “source:”"),
    ("кофе since:2024-13-01", (11, 21), "“2024-13-01” is not a date"),
    ("кофе until:31.05.2024", (11, 21), "is not a date"),
    ("кофе since:2023-02-29", (11, 21), "is not a date"),
    ('кофе source:"Кофе', (12, 17), "closing quote is missing"),
    ("ко*", (0, 3), "at least three letters before the asterisk"),
    ("кофе OR #ко*", (8, 12), "at least three letters before the asterisk"),
    ("к*офе", (1, 2), "asterisk can only end a word"),
    ("*кофе", (0, 1), "asterisk can only end a word"),
    ("кофе **", (5, 6), "asterisk can only end a word"),
    ("кофе**", (4, 5), "asterisk can only end a word"),
    ("coca-co*", (0, 8), "one word only"),
    ("NOT кофе", (0, 8), "at least one word to look for"),
    ("lang:ru", (0, 7), "at least one word to look for"),
    ("lang:ru NOT кофе", (0, 16), "at least one word to look for"),
    ("кофе OR NOT чай", (8, 15), "at least one word to look for"),
    ("кофе OR lang:ru", (8, 15), "at least one word to look for"),
    ("(кофе lang:ru) OR (NOT чай lang:uk)", (18, 35), "at least one word to look for"),
    ("!!! ???", (0, 7), "at least one word to look for"),
    ("(" * 40 + "кофе" + ")" * 40, (32, 33), "Too many parentheses"),
    ("кофе " * 2001, (10_000, 10_005), "too long"),
])
def test_errors_say_what_and_where(query, span, says):
    with pytest.raises(QuerySyntaxError) as e:
        parse(query)
    assert (e.value.position, e.value.end) == span
    assert says in str(e.value)


def test_a_wordless_query_is_fine_when_an_and_holds_a_word():
    assert parse("кофе (NOT чай OR lang:ru)") == And((w("кофе"), Or((Not(w("чай")),
                                                                      Filter("lang", "ru")))))


def test_error_messages_are_translatable_sentences():
    with pytest.raises(QuerySyntaxError) as e:
        parse("кофе lang:de")
    with translation.override("en"):
        assert str(e.value.message) == "There is no language “de” here. Languages: ru, uk, be, en."
    # lazy: rendered whenever it is shown, in the language active then
    assert "de" in str(e.value.message)


def test_the_matcher_names_the_query_that_does_not_parse():
    with pytest.raises(QuerySyntaxError) as e:
        Matcher([("good", "кофе"), ("bad", "кофе AND"), ("worse", "(")],
                word_forms=lambda word: {word})
    assert e.value.query_id == "bad"
    assert (e.value.position, e.value.end) == (5, 8)

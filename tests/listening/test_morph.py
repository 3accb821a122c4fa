"""Word forms of query words: what must match, and the other words that must not."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pymorphy3
import pytest

from smmdesk.listening.query import morph
from smmdesk.listening.query.text import normalize_word, tokens


def forms_of(word):
    return morph.word_forms(word)


def normalized(*words):
    """The words as a post's tokens: "coffee's" is "coffees", "coffees'" is "coffees"."""
    return {token for w in words for token in tokens(w)}


# --- Russian ------------------------------------------------------------------------------


def test_russian_noun_has_its_cases_and_plural():
    assert normalized("кофейня", "кофейни", "кофейне", "кофейню", "кофейней", "кофейнею",
                      "кофеен", "кофейням", "кофейнями", "кофейнях") <= forms_of("кофейня")


def test_russian_inflected_query_word_reaches_its_whole_lexeme():
    assert normalized("кофейня", "кофеен", "кофейнями") <= forms_of("кофейни")


@pytest.mark.parametrize(("word", "other_words"), [
    ("кофе", ["кофейник", "кофейня", "кофейни", "кофеин"]),
    ("кот", ["котлета", "котлеты", "котик", "котел", "которая"]),
    ("стекло", ["стечь", "стекут", "стекает", "стекший"]),  # the noun, not the verb
    ("печь", ["пеку", "печет", "пекла", "пек"]),  # the stove, not "to bake"
])
def test_russian_word_does_not_reach_other_words(word, other_words):
    assert normalized(*other_words).isdisjoint(forms_of(word))


def test_indeclinable_word_is_only_itself():
    assert forms_of("кофе") == {"кофе"}
    assert forms_of("Кафе") == {"кафе"}


def test_yo_and_ye_spellings_are_one_word():
    assert forms_of("ёлка") is forms_of("елка")
    assert normalized("ёлки", "ёлкой", "ёлок") <= forms_of("елка")
    assert all("ё" not in f for f in forms_of("ёлка"))


def test_homonym_keeps_the_noun_when_the_query_is_its_dictionary_form():
    # "стекло" is a noun and a past form of "стечь"; "рака" a noun and a form of "рак".
    assert {"стекла", "стеклом", "стекол"} <= forms_of("стекло")
    assert "раком" not in forms_of("рака")


def test_russian_adjective_and_substantivized_adjective():
    assert {"новой", "нового", "новую", "новые"} <= forms_of("новая")
    assert {"столовой", "столовую", "столовых"} <= forms_of("столовая")


# --- Ukrainian ----------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["кав'ярня", "кав’ярня", "кавʼярня", "кавярня", "Кав'ярня"])
def test_ukrainian_apostrophe_spellings_are_one_word(spelling):
    assert normalized("кав'ярня", "кав'ярні", "кав'ярню", "кав'ярнею", "кав'ярень",
                      "кав’ярнями", "кавʼярнях") <= forms_of(spelling)
    assert forms_of(spelling) is forms_of("кав'ярня")


def test_a_post_with_any_apostrophe_meets_the_query():
    query_forms = forms_of("кавярня")
    for post in ["Нова кав’ярня на Подолі", "у кав'ярні", "з кавʼярнею", "біля кавярні"]:
        assert query_forms & set(tokens(post)), post


def test_ukrainian_words():
    assert normalized("кави", "каві", "каву", "кавою") <= forms_of("кава")
    assert normalized("зернятка", "зернятку", "зернятком") <= forms_of("Зернятко")
    assert normalized("м'яса", "м'ясом") <= forms_of("мʼясо")


def test_ukrainian_dictionary_is_asked_with_the_apostrophe_normalization_dropped():
    # "пять" is Russian too, but only the Ukrainian п'ять has these forms; "сімя" is
    # unknown as written, and the dictionary's сім'я has сім'єю and сім'ї.
    assert normalized("п'ятьма", "п'ятьох", "п'ятьома") <= forms_of("пять")
    assert normalized("сім'єю", "сім'ї") <= forms_of("сімʼя")


@pytest.mark.parametrize(("word", "other_words"), [
    ("кав'ярня", ["кавовий", "кавова", "кава", "кави", "кав'ярка"]),
    ("кава", ["кавярня", "кавярні", "кавовий", "кавун"]),
])
def test_ukrainian_word_does_not_reach_other_words(word, other_words):
    assert normalized(*other_words).isdisjoint(forms_of(word))


# --- Belarusian ---------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "expected"), [
    ("кава", ["кавы", "каве", "каву", "кавай", "каваю", "кавамі", "кавах"]),
    ("кавярня", ["кавярні", "кавярню", "кавярняй", "кавярняю", "кавярнямі", "кавярнях",
                 "кавярняў"]),
    ("горад", ["горада", "гораду", "горадам", "горадзе", "горады", "горадамі"]),
    ("рака", ["ракі", "рацэ", "раку", "ракой", "ракою", "ракамі"]),
    ("нага", ["нагі", "назе", "нагу", "нагой"]),
    ("муха", ["мухі", "муху", "мухай"]),
    ("Мінск", ["мінска", "мінску", "мінскам"]),
    ("хата", ["хаты", "хаце", "хатай"]),
    ("вада", ["вады", "вадзе", "вадой"]),
    ("вуліца", ["вуліцы", "вуліцу", "вуліцай", "вуліцамі"]),
    ("лінія", ["лініі", "лінію", "лініяй", "ліній", "лініямі"]),
    ("радасць", ["радасці", "радасцю", "радасцей", "радасцямі"]),
    ("соль", ["солі", "соллю"]),
    ("ноч", ["ночы", "ноччу"]),
    ("музей", ["музея", "музею", "музеем", "музеі", "музеяў"]),
    ("рэстаран", ["рэстарана", "рэстарану", "рэстаранам", "рэстаране", "рэстараны",
                  "рэстаранаў"]),
    ("Іваноў", ["іванова", "іванову", "івановым", "івановых"]),
    ("беларускі", ["беларускага", "беларускаму", "беларускім", "беларуская",
                   "беларускай", "беларускую", "беларускія", "беларускіх"]),
    ("смачны", ["смачнага", "смачнай", "смачную", "смачныя", "смачнымі"]),
    ("сіні", ["сіняга", "сіняй", "сінюю", "сінія"]),
    ("поле", ["поля", "полю", "полем", "полі"]),
    ("жыццё", ["жыцця", "жыццю", "жыццём", "жыцці"]),
])
def test_belarusian_rules(word, expected):
    assert normalized(*expected) <= forms_of(word)


def test_belarusian_word_does_not_reach_other_words():
    assert normalized("кавярня", "кавярні", "кававы").isdisjoint(forms_of("кава"))
    assert normalized("горадскі", "гарадок").isdisjoint(forms_of("горад"))


def test_belarusian_endings_do_not_reach_neighbouring_dictionary_words():
    # The alternations that make рака → рацэ would make берег → березе (birch) and
    # горка → горцы (highlanders), муха → мусе (mousse); a form the Russian dictionary
    # knows as another common word is dropped.
    assert "березе" not in forms_of("берег")
    assert "горцы" not in forms_of("горка")
    assert "мусе" not in forms_of("муха")
    assert "роты" not in forms_of("рот")
    assert {"горкай", "горкамі"} <= forms_of("горка")
    assert "берегамі" in forms_of("берег")
    # A proper name or a Ukrainian cognate is no reason to drop a form: вада → вады (the
    # river Вад), соль → солі (Ukrainian сіль), мама → мамай (the khan Мамай).
    assert "вады" in forms_of("вада")
    assert "солі" in forms_of("соль")
    assert "мамай" in forms_of("мама")


def test_belarusian_endings_are_not_put_on_verb_forms():
    # "была" is a verb form in Russian; Belarusian noun endings on it would give the
    # adjective "былой".
    assert "былой" not in forms_of("была")
    assert not any(f.endswith(("амі", "ай", "аю")) for f in forms_of("была"))
    assert {"был", "было", "быть"} <= forms_of("была")


def test_letters_decide_the_language():
    # ў is only Belarusian, so no Russian or Ukrainian paradigm is guessed for it, and
    # и/щ never Belarusian, so a Russian word gets no Belarusian endings.
    assert not any(f.endswith(("ов", "ові")) for f in forms_of("Іваноў"))
    assert not any(f.endswith(("ямі", "яў")) for f in forms_of("кофемания"))


# --- words no dictionary knows ------------------------------------------------------------


def test_unknown_brand_gets_a_noun_paradigm():
    assert normalized("кофемании", "кофеманию", "кофеманией", "кофеманиях") <= forms_of(
        "Кофемания")
    # Its noun paradigm, not the Ukrainian predictor's likelier adjective "кофеманиїй".
    assert not {"кофеманиїй", "кофеманийого", "кофеманийому"} & forms_of("Кофемания")
    assert normalized("тинькоффа", "тинькоффу", "тинькоффом", "тинькоффе") <= forms_of(
        "Тинькофф")
    assert {"кофикса", "кофиксу", "кофиксом"} <= forms_of("кофикс")


def test_unknown_vowel_final_brand_stays_as_written_in_russian():
    assert not {"латтой", "латти"} & forms_of("латте")


def test_low_scoring_prediction_falls_back_to_rules(monkeypatch):
    # pymorphy sees "бургерная" as an adjective (score 0.9): the adjective paradigm gives
    # "бургерного". With the bar out of reach only the ending rules are left.
    assert "бургерного" in forms_of("бургерная")
    monkeypatch.setattr(morph, "PREDICTION_MIN_SCORE", 1.5)
    morph._forms.cache_clear()
    try:
        assert "бургерного" not in morph._forms("бургерная")
        assert {"тинькоффа", "тинькоффом"} <= morph._forms("тинькофф")
    finally:
        morph._forms.cache_clear()
        morph.word_forms.cache_clear()


# --- English ------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "expected"), [
    ("coffee", ["coffee", "coffees", "coffee's", "coffees'"]),
    ("city", ["cities", "city's", "cities'"]),
    ("box", ["boxes", "box's"]),
    ("leaf", ["leaves", "leaf's"]),
    ("knife", ["knives"]),
    ("man", ["men", "men's", "man's"]),
    ("child", ["children", "children's"]),
    ("chairman", ["chairmen"]),
    ("potato", ["potatoes"]),
    ("toy", ["toys"]),
    ("Starbucks", ["starbucks", "starbucks'"]),
])
def test_english_plurals_and_possessives(word, expected):
    assert normalized(*expected) <= forms_of(word)


def test_english_does_not_stem():
    assert normalized("cafeteria", "cafeterias").isdisjoint(forms_of("cafe"))
    assert forms_of("cafe") == {"cafe", "cafes"}
    assert "toies" not in forms_of("toy")


# --- odd input ----------------------------------------------------------------------------


def test_digits_letters_and_scripts():
    assert {"7up", "7ups"} <= forms_of("7up")
    assert forms_of("iphone15") == {"iphone15"}  # "iphone15s" is another model
    assert forms_of("5ка") == {"5ка"}
    assert forms_of("2024") == {"2024"}
    assert forms_of("а") == {"а"}
    assert forms_of("Q") == {"q"}
    assert forms_of("") == frozenset()
    assert forms_of("  ") == frozenset()
    assert forms_of("東京") == {"東京"}


def test_look_alike_letters_are_mapped_before_inflecting():
    assert forms_of("кoфейня") is forms_of("кофейня")  # Latin o
    assert forms_of("cоffee") is forms_of("coffee")  # Cyrillic о


def test_more_than_one_token_is_taken_as_written():
    # The query parser splits "кофе-брейк"; a caller that does not gets no inflection.
    assert forms_of("кофе-брейк") == {"кофе-брейк"}


@pytest.mark.parametrize("word", ["кофейня", "Кав'ярня", "ЁЛКА", "кава", "горад", "Іваноў",
                                  "Кофемания", "по-новому", "coffee", "Men", "я", "мы"])
def test_every_form_is_normalized_and_the_word_is_one_of_them(word):
    result = forms_of(word)
    assert normalize_word(word) in result
    assert all(normalize_word(f) == f and tokens(f) == [f] for f in result
               if f != normalize_word(word))


def test_clipped_forms_are_dropped():
    # The Ukrainian vocative "ма" of "мама" would match the particle everywhere.
    assert "ма" not in forms_of("мама")
    assert {"мамо", "мамою", "мамі"} <= forms_of("мама")


# --- caching and loading ------------------------------------------------------------------


def test_results_are_cached_per_word_and_per_spelling():
    first = forms_of("кофейня")
    hits = morph.word_forms.cache_info().hits
    assert forms_of("кофейня") is first
    assert morph.word_forms.cache_info().hits == hits + 1
    # Another spelling of the same word reuses the computed set.
    assert forms_of("КОФЕЙНЯ") is first
    assert isinstance(first, frozenset)


def test_analyzers_load_once_under_concurrent_first_use(monkeypatch):
    built = []
    real = pymorphy3.MorphAnalyzer

    def counting(*args, **kwargs):
        built.append(kwargs.get("lang"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pymorphy3, "MorphAnalyzer", counting)
    monkeypatch.setattr(morph, "_analyzers", {})
    start = threading.Barrier(8)

    def load(_):
        start.wait()
        return morph.analyzer_get("uk")

    with ThreadPoolExecutor(8) as pool:
        analyzers = list(pool.map(load, range(8)))
    assert built == ["uk"]
    assert all(a is analyzers[0] for a in analyzers)
    assert not morph.analyzers_ready()  # ru is not loaded in this fresh registry
    took = morph.analyzers_warm()
    assert set(took) == {"ru", "uk"} and took["uk"] < took["ru"]
    assert morph.analyzers_ready()
    assert built == ["uk", "ru"]

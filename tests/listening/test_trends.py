"""Rising terms and query spikes on realistic day and hour counts."""

from __future__ import annotations

import random

import pytest

from smmdesk.listening.trends import (
    LANGUAGES,
    RisingTerm,
    burst_score,
    rising_terms,
    series_from_rows,
    spike,
    stopwords,
    term_counts,
    terms_of,
)

# --- terms -----------------------------------------------------------------------------


def test_terms_of_takes_words_phrases_and_hashtags():
    text = ("Сегодня в Киеве начался #Блэкаут, графики отключений света действуют до "
            "22:00. Подробнее: https://t.me/kyiv_news/1 @kyiv_bot")
    assert terms_of(text, "ru") == [
        "киеве", "начался", "графики", "отключений", "света", "действуют",
        "киеве начался", "графики отключений", "отключений света", "света действуют",
        "#блэкаут",
    ]


def test_phrases_stop_at_stop_words_and_punctuation():
    terms = terms_of("Earthquake of magnitude 7.1 hits New York, Boston shaken", "en")
    assert "new york" in terms and "hits new" in terms
    assert "york boston" not in terms  # a comma between
    assert "earthquake magnitude" not in terms  # "of" between
    assert "7" not in terms and "1" not in terms


def test_ukrainian_and_belarusian_words_keep_their_letters():
    assert terms_of("Кав'ярні Львова переходять на генератори — #світло", "uk") == [
        "кавярні", "львова", "переходять", "генератори", "кавярні львова",
        "львова переходять", "#світло",
    ]
    assert terms_of("Сёння ў Мінску ўжо адкрылі новую станцыю метро.", "be") == [
        "мінску", "адкрылі", "новую", "станцыю", "метро",  # "ўжо" is a stop-word
        "адкрылі новую", "новую станцыю", "станцыю метро",
    ]


@pytest.mark.parametrize("language,text", [
    ("ru", "Это было бы то, что нужно, и вот они уже здесь, сегодня или завтра. Подробнее."),
    ("uk", "Це було б те, що треба, і ось вони вже тут, сьогодні або завтра. Детальніше."),
    ("be", "Гэта было б тое, што трэба, і вось яны ўжо тут, сёння ці заўтра. Падрабязней."),
    ("en", "It would have been what we're told, and they're already here, RT via www"),
])
def test_a_text_of_stop_words_has_no_terms(language, text):
    assert terms_of(text, language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_stop_word_lists_are_loaded_normalized(language):
    words = stopwords(language)
    own = words - stopwords("en") if language != "en" else words
    assert 150 <= len(own) <= 450
    assert not any("ё" in w or "'" in w or "’" in w or w != w.lower() for w in words)
    assert {"http", "https", "www", "rt"} <= words


def test_belarusian_stop_words_are_belarusian():
    be = stopwords("be")
    assert {"гэта", "ўжо", "ужо", "яшчэ", "быў", "сення", "таксама", "калі"} <= be  # ё → е
    assert "пятниця" in stopwords("uk")  # п'ятниця, apostrophe dropped like in tokens


def test_term_counts_count_each_term_once_per_text():
    counts = term_counts([("ru", "Блэкаут, блэкаут, снова блэкаут"), ("ru", "Блэкаут в Киеве"),
                          ("uk", "Блекаут у Києві")])
    assert counts[("ru", "блэкаут")] == 2
    assert counts[("uk", "блекаут")] == 1


# --- rising terms ----------------------------------------------------------------------

STEADY = [
    ("ru", "Погода в Москве: синоптики обещают {t} и слабый ветер"),
    ("ru", "Курс доллара вырос, погода на бирже переменчива"),
    ("ru", "Это очень важно, это нужно знать всем — погода испортится к вечеру"),
    ("uk", "Погода в Києві: синоптики обіцяють {t} без опадів"),
    ("en", "Weather: London expects {t} with light wind"),
]
BURST = [
    ("ru", "#блэкаут в Киеве: графики отключений снова действуют весь день"),
    ("ru", "Опять #блэкаут, это уже третий раз за неделю, это просто невозможно"),
    ("uk", "#блекаут: Укренерго вводить графіки відключень у семи областях"),
]


def _day(rnd: random.Random, *, burst: bool) -> list[tuple[str, str]]:
    """One day of posts: the usual talk (about 40 posts, varying), and on the burst day
    a new hashtag in 30 more posts, half of them heavy with stop-words."""
    posts = []
    for _ in range(rnd.randint(34, 46)):
        lang, text = rnd.choice(STEADY)
        posts.append((lang, text.format(t=rnd.choice(["+5", "дождь", "снег", "rain"]))))
    if burst:
        posts += [rnd.choice(BURST) for _ in range(30)]
    return posts


def _week_series(days: int = 8, *, burst_on_last: bool = True):
    rnd = random.Random(42)
    rows = []
    for d in range(days):
        counts = term_counts(_day(rnd, burst=burst_on_last and d == days - 1))
        rows += [(lang, term, d, n) for (lang, term), n in counts.items()]
    return series_from_rows(rows, buckets=list(range(days)))


def test_a_new_hashtag_burst_is_found_and_a_steady_frequent_word_is_not():
    series = _week_series()
    rising = rising_terms(series)
    found = {(r.language, r.term) for r in rising}
    assert ("ru", "#блэкаут") in found and ("uk", "#блекаут") in found
    assert ("ru", "погода") not in found and ("ru", "погода") in series
    assert series[("ru", "погода")][-1] >= 15  # frequent today as every day
    top = next(r for r in rising if r.term == "#блэкаут")
    assert top.current >= 15 and top.baseline_rate == 0 and top.ratio >= 15
    assert [r.score for r in rising] == sorted((r.score for r in rising), reverse=True)


def test_stop_words_never_trend():
    series = _week_series()
    assert all(r.term.split()[0] not in stopwords(r.language) for r in rising_terms(series))
    # Even when someone else's counting let them in:
    forged = {("ru", "это"): [0, 0, 0, 0, 0, 0, 0, 90], ("en", "the"): [0] * 7 + [90],
              ("uk", "світло"): [0, 0, 0, 0, 0, 0, 0, 90], ("ru", "2025"): [0] * 7 + [90]}
    assert [r.term for r in rising_terms(forged)] == ["світло"]


def test_nothing_rises_on_an_ordinary_day():
    assert rising_terms(_week_series(burst_on_last=False)) == []


def test_small_counts_and_small_ratios_do_not_rise():
    series = {
        ("ru", "впервые"): [0, 0, 0, 0, 0, 0, 0, 2],  # 0 → 2
        ("ru", "рубль"): [1000, 990, 1010, 1005, 995, 1000, 1002, 1150],  # +15 %, z ≈ 4.7
        ("ru", "наводнение"): [1, 0, 2, 1, 0, 1, 1, 25],
    }
    assert [r.term for r in rising_terms(series)] == ["наводнение"]


def test_a_word_that_swings_needs_more_than_its_usual_swing():
    swinging = [3, 3, 40, 3, 3, 3, 42, 44]  # a football word on match days
    steady = [13, 14, 12, 13, 14, 13, 13, 44]  # about the same mean, never swings
    series = {("ru", "матч"): swinging, ("ru", "паводок"): steady}
    assert [r.term for r in rising_terms(series, min_ratio=1.5)] == ["паводок"]
    score, expected, rate = burst_score(44, swinging[:-1])
    assert expected == pytest.approx(rate) == pytest.approx(97 / 7)
    assert score < 3


def test_the_current_window_can_be_several_buckets():
    series = {("en", "#eurovision"): [2, 1, 3, 2, 2, 1, 2, 2, 2, 2, 2, 2, 30, 34, 41]}
    (r,) = rising_terms(series, current=3)
    assert r.current == 105
    assert r.expected == pytest.approx(3 * 23 / 12)
    assert isinstance(r, RisingTerm) and r.score > 10


def test_series_from_rows_fills_missing_buckets():
    rows = [("ru", "снег", "2025-03-01", 3), ("ru", "снег", "2025-03-03", 5),
            ("uk", "сніг", "2025-03-02", 1), ("ru", "снег", "2025-02-01", 99)]
    buckets = ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert series_from_rows(rows, buckets=buckets) == {
        ("ru", "снег"): [3, 0, 5], ("uk", "сніг"): [0, 1, 0]}


def test_a_series_without_baseline_is_refused():
    with pytest.raises(ValueError):
        rising_terms({("ru", "снег"): [5]})


# --- spikes ----------------------------------------------------------------------------


def _hours(rnd: random.Random, values, n: int = 7 * 24) -> list[int]:
    return [rnd.choice(values) for _ in range(n)]


def test_a_quiet_query_that_jumps_fires():
    rnd = random.Random(1)
    hours = _hours(rnd, [0, 1, 1, 2, 2, 3]) + [15]
    s = spike(hours)
    assert s is not None
    assert s.hours == 1 and s.count == 15
    assert 1 <= s.expected <= 2
    assert s.score > 5 and s.ratio > 5


def test_a_noisy_query_with_the_same_jump_does_not_fire():
    rnd = random.Random(1)
    hours = _hours(rnd, list(range(0, 41))) + [33]  # median about 20, jump +13 as above
    assert spike(hours) is None


def test_zero_to_a_few_does_not_fire():
    zeros = [0] * (7 * 24)
    assert spike(zeros + [2]) is None
    assert spike(zeros + [4]) is None  # score 4, but under the minimum count
    s = spike(zeros + [8])
    assert s is not None and s.expected == 0 and s.score == pytest.approx(8)


def test_three_hours_catch_a_slow_rise_one_hour_misses():
    rnd = random.Random(3)
    hours = _hours(rnd, [3, 4, 4, 5, 5, 6]) + [11, 12, 12]
    assert spike(hours, windows=(1,)) is None
    s = spike(hours)
    assert s is not None and s.hours == 3 and s.count == 35
    assert 12 <= s.expected <= 14


def test_past_spikes_do_not_raise_the_baseline():
    rnd = random.Random(5)
    hours = _hours(rnd, [0, 1, 1, 2])
    for i in (20, 50, 90, 130):
        hours[i] = 60
    s = spike(hours + [14])
    assert s is not None and s.expected <= 2


def test_now_index_looks_at_that_hour_and_before_only():
    rnd = random.Random(7)
    hours = _hours(rnd, [0, 1, 2]) + [20] + _hours(rnd, [0, 1, 2], 5)
    assert spike(hours) is None
    s = spike(hours, now_index=7 * 24)
    assert s is not None and s.count == 20


def test_a_new_query_has_no_baseline_yet():
    assert spike([0, 0, 1, 0, 30]) is None
    with pytest.raises(IndexError):
        spike([1, 2, 3], now_index=3)

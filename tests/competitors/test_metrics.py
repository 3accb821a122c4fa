"""Competitor figures against numbers worked out by hand.

"Us" is a coffee shop in Kyiv writing in Russian; the competitors write in Russian
(kofe_na_uglu), Ukrainian (ranok) and English (bean_there). The workspace's time zone is
Europe/Kyiv (UTC+2 in January), so an hour bucket is checked across the zone change.
"""

from __future__ import annotations

import dataclasses
import random
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smmdesk.analytics import metrics as own
from smmdesk.competitors import metrics as cm
from smmdesk.competitors.metrics import PostFigures

KYIV = ZoneInfo("Europe/Kyiv")


def at(day: int, hour: int, minute: int = 0, *, month: int = 1) -> datetime:
    """A moment in January 2025, Kyiv time (6 January is a Monday)."""
    return datetime(2025, month, day, hour, minute, tzinfo=KYIV)


def post(pid, when, media="image", *, likes=None, comments=None, shares=None, views=None,
         followers=None, text=""):
    return PostFigures(id=pid, published_at=when, media=media, text=text, likes=likes,
                       comments=comments, shares=shares, views=views,
                       url=f"https://t.me/zerno/{pid}", followers=followers)


# Our two weeks (followers 4000): interactions 100, 200, 50, 30, 100.
OURS = [
    post(1, at(6, 9), "image", likes=80, comments=10, shares=10, views=2000),
    post(2, at(7, 18), "video", likes=150, comments=30, shares=20, views=5000),
    post(3, at(9, 9), "image", likes=40, comments=5, shares=5, views=1000),
    post(4, at(11, 12), "text", likes=20, comments=8, shares=2),  # views not given
    post(5, at(13, 9), "album", likes=90, comments=6, shares=4, views=2500),
]


# --- a post ----------------------------------------------------------------------------

def test_post_needs_an_aware_time_and_a_known_media_kind():
    with pytest.raises(ValueError, match="aware"):
        post(1, datetime(2025, 1, 6, 9))
    with pytest.raises(ValueError, match="media"):
        post(1, at(6, 9), "reel")


def test_interactions_add_only_the_counters_the_network_gives():
    assert OURS[0].interactions == 100
    telegram = post(7, at(6, 9), "text", shares=12, views=3400)  # forwards, views only
    assert telegram.interactions == 12
    assert post(8, at(6, 9), views=500).interactions is None
    # the very function our own channels use
    assert OURS[1].interactions == own.interactions(likes=150, comments=30, reposts=20)


# --- the summary -----------------------------------------------------------------------

def test_summary_by_hand():
    s = cm.summary(OURS, followers=4000, period_days=14, tz=KYIV)
    assert s.posts == 5
    assert s.posts_per_week == pytest.approx(2.5)                     # 5 / 14 × 7
    # ERpost per post: 2.5, 5, 1.25, 0.75, 2.5 → mean 12 / 5
    assert s.er_post == pytest.approx(2.4)
    # ERview: Σ interactions / Σ views over the four posts with views
    assert s.er_view == pytest.approx(450 / 10500 * 100)
    # views / followers per post: 50, 125, 25, 62.5 → mean
    assert s.err_telegram == pytest.approx(65.625)
    assert s.interactions_avg == pytest.approx(96.0)
    assert s.interactions_median == 100.0
    assert s.views_avg == pytest.approx(2625.0)
    assert s.followers == 4000
    assert s.growth is None


def test_format_mix_by_hand():
    s = cm.summary(OURS, followers=4000, period_days=14, tz=KYIV)
    mix = {f.media: f for f in s.formats}
    assert [f.media for f in s.formats] == ["text", "image", "video", "album"]
    assert mix["image"].posts == 2 and mix["image"].share == pytest.approx(40.0)
    assert mix["image"].er_post == pytest.approx((2.5 + 1.25) / 2)
    assert mix["image"].er_view == pytest.approx(150 / 3000 * 100)
    assert mix["image"].interactions_avg == pytest.approx(75.0)
    assert mix["video"].er_post == pytest.approx(5.0)
    assert mix["video"].er_view == pytest.approx(4.0)
    assert mix["text"].share == pytest.approx(20.0)
    assert mix["text"].er_view is None  # no views: no ERview, not 0
    assert sum(f.share for f in s.formats) == pytest.approx(100.0)


def test_er_averaging_switch_matches_the_docs_example():
    # docs/METRICS.md: 10 / 100 and 30 / 1000 → 6.5 % (mean) and 40 / 1100 (sum)
    posts = [post(1, at(6, 9), likes=10, followers=100),
             post(2, at(7, 9), likes=30, followers=1000)]
    mean = cm.summary(posts, followers=None, period_days=7, tz=KYIV)
    pooled = cm.summary(posts, followers=None, period_days=7, tz=KYIV,
                        method=own.RATIO_OF_SUMS)
    assert mean.er_post == pytest.approx(6.5)
    assert pooled.er_post == pytest.approx(40 / 1100 * 100)


def test_a_posts_own_followers_win_over_the_page_count():
    posts = [post(1, at(6, 9), likes=50, followers=1000), post(2, at(7, 9), likes=50)]
    s = cm.summary(posts, followers=2000, period_days=7, tz=KYIV)
    assert s.er_post == pytest.approx((5.0 + 2.5) / 2)


def test_unknown_counters_stay_unknown():
    # Instagram's public figures: likes and comments, no views, no follower count given
    insta = [post(i, at(6 + i, 12), likes=40 + i, comments=2) for i in range(4)]
    s = cm.summary(insta, followers=None, period_days=7, tz=KYIV)
    assert s.er_view is None and s.err_telegram is None and s.views_avg is None
    assert s.er_post is None
    assert s.interactions_avg == pytest.approx(43.5)
    # Telegram: views and forwards; no likes, comments
    tg = [post(i, at(6 + i, 12), "text", shares=10, views=1000) for i in range(3)]
    t = cm.summary(tg, followers=5000, period_days=7, tz=KYIV)
    assert t.er_view == pytest.approx(1.0)
    assert t.err_telegram == pytest.approx(20.0)
    # a page with no followers has no ER, not an infinite one
    assert cm.summary(tg, followers=0, period_days=7, tz=KYIV).er_post is None


def test_summary_of_no_posts():
    s = cm.summary([], followers=1200, period_days=30, tz=KYIV)
    assert s.posts == 0 and s.posts_per_week == 0.0
    assert s.er_post is None and s.interactions_median is None and s.formats == ()
    assert s.best_times.cells == ()
    with pytest.raises(ValueError):
        cm.summary([], followers=1200, period_days=0, tz=KYIV)


# --- followers over time -------------------------------------------------------------------

SERIES = [(date(2025, 1, 1), 3800), (date(2025, 1, 5), 3900), (date(2025, 1, 5), 3910),
          (date(2025, 1, 8), None), (date(2025, 1, 10), 4050), (date(2025, 1, 14), 4100)]


def test_growth_reads_the_last_reading_on_or_before_each_end():
    g = cm.growth(SERIES)
    assert (g.start_day, g.start, g.end_day, g.end) == (date(2025, 1, 1), 3800,
                                                        date(2025, 1, 14), 4100)
    assert g.follower_growth == 300
    assert g.growth_rate == pytest.approx(300 / 3800 * 100)
    # the 8th has no count: the 5th's last reading (3910) stands for it
    g = cm.growth(SERIES, first_day=date(2025, 1, 8), last_day=date(2025, 1, 12))
    assert (g.start, g.end, g.follower_growth) == (3910, 4050, 140)
    down = cm.growth([(date(2025, 1, 1), 1000), (date(2025, 1, 2), 950)])
    assert down.follower_growth == -50 and down.growth_rate == pytest.approx(-5.0)
    assert cm.growth([]).growth_rate is None
    # read only since inside the period (a competitor added lately): from the first reading
    late = cm.growth(SERIES, first_day=date(2024, 12, 1))
    assert (late.start, late.end, late.follower_growth) == (3800, 4100, 300)
    assert cm.growth(SERIES, first_day=date(2024, 12, 1),
                     last_day=date(2024, 12, 31)).growth_rate is None  # nothing by then


def test_summary_growth_over_its_period_and_followers_from_the_series():
    s = cm.summary(OURS, followers=None, period_days=7, tz=KYIV, followers_series=SERIES,
                   until=date(2025, 1, 14))
    assert s.followers == 4100  # the last reading
    assert (s.growth.start_day, s.growth.start) == (date(2025, 1, 5), 3910)  # 8th: none
    assert s.growth.follower_growth == 190


def test_with_followers_takes_the_day_in_the_workspace_zone():
    late = PostFigures(id="x", published_at=datetime(2025, 1, 4, 23, 30, tzinfo=UTC),
                       likes=10)  # 5 January, 01:30 in Kyiv
    early = PostFigures(id="y", published_at=datetime(2024, 12, 20, 12, tzinfo=UTC), likes=1)
    filled = cm.with_followers([late, early], SERIES, tz="Europe/Kyiv")
    assert filled[0].followers == 3910
    assert filled[1].followers is None  # older than every reading
    assert cm.with_followers([late], SERIES, tz=UTC)[0].followers == 3800


# --- best times ----------------------------------------------------------------------------

def test_best_times_need_the_minimum_posts_per_cell():
    posts = [
        # Tuesday 10:00 Kyiv (08:xx UTC), three posts: ERs 2, 3, 4 → median 3
        *(post(f"t{i}", datetime(2025, 1, d, 8, 15, tzinfo=UTC), likes=lk)
          for i, (d, lk) in enumerate([(7, 20), (14, 30), (21, 40)])),
        # Thursday 18:00, two great posts: not enough for a cell
        post("h1", at(9, 18), likes=200), post("h2", at(16, 18, 40), likes=220),
        # Saturday 12:00, three posts: ERs 1, 1.5, 8 → median 1.5
        post("s1", at(11, 12), likes=10), post("s2", at(18, 12, 5), likes=15),
        post("s3", at(25, 12, 59), likes=80),
    ]
    bt = cm.best_times(posts, tz=KYIV, followers=1000)
    assert bt.by == cm.BY_ER
    assert [(c.weekday, c.hour, c.posts, c.value) for c in bt.cells] == [
        (1, 10, 3, pytest.approx(3.0)), (5, 12, 3, pytest.approx(1.5))]
    loose = cm.best_times(posts, tz=KYIV, followers=1000, min_posts=2)
    assert (loose.cells[0].weekday, loose.cells[0].hour) == (3, 18)
    # in UTC the Tuesday cell is at 08:00
    assert (1, 8) in {(c.weekday, c.hour) for c in cm.best_times(posts, tz=UTC,
                                                                 followers=1000).cells}
    # no followers and no views: by interactions
    by_count = cm.best_times(posts, tz=KYIV)
    assert by_count.by == cm.BY_INTERACTIONS and by_count.cells[0].value == 30
    # three-hour slots join Thursday 18:00 and 18:40 with a post at 19:30
    wide = cm.best_times([*posts, post("h3", at(23, 19, 30), likes=90)], tz=KYIV,
                         followers=1000, slot_hours=3)
    assert (wide.cells[0].weekday, wide.cells[0].hour, wide.cells[0].posts) == (3, 18, 3)
    with pytest.raises(ValueError):
        cm.best_times(posts, tz=KYIV, slot_hours=5)


def test_summary_best_times_use_the_summary_min_cell_size():
    s = cm.summary(OURS, followers=4000, period_days=14, tz=KYIV)
    assert s.best_times.cells == ()  # three posts at 09:00, but on three weekdays
    s = cm.summary(OURS, followers=4000, period_days=14, tz=KYIV, min_cell_posts=1)
    assert (s.best_times.cells[0].weekday, s.best_times.cells[0].hour) == (1, 18)


# --- top posts -----------------------------------------------------------------------------

def test_top_posts_by_interactions_and_by_er():
    top = cm.top_posts(OURS, n=3)
    assert [r.post.id for r in top] == [2, 5, 1]  # 100 and 100: the later post first
    assert top[0].er_post is None  # no followers given
    by_view = cm.top_posts(OURS, n=10, by=cm.BY_ER_VIEW)
    # 5 % (9 Jan), 5 % (6 Jan), 4 % (13 Jan), 4 % (7 Jan): ties to the later; no views: out
    assert [r.post.id for r in by_view] == [3, 1, 5, 2]
    # each post with its day's followers: the smaller audience's post wins by ER
    posts = [post("big", at(6, 9), likes=300, followers=30000),
             post("small", at(7, 9), likes=100, followers=2000)]
    assert [r.post.id for r in cm.top_posts(posts, by=cm.BY_ER_POST)] == ["small", "big"]
    assert [r.post.id for r in cm.top_posts(posts)] == ["big", "small"]
    assert cm.top_posts(OURS, by=cm.BY_ER_POST) == []  # no followers: nothing to rank
    ranked = cm.top_posts(OURS, n=1, by=cm.BY_ER_POST, followers=4000)
    assert ranked[0].post.id == 2 and ranked[0].er_post == pytest.approx(5.0)
    with pytest.raises(ValueError):
        cm.top_posts(OURS, by="likes")


# --- outliers ------------------------------------------------------------------------------

def history(values, *, start=0, views=False):
    """One post a day from 1 January with these interactions (or views only)."""
    base = datetime(2025, 1, 1, 10, tzinfo=KYIV)
    return [post(start + i, base + timedelta(days=start + i),
                 **({"views": v} if views else {"likes": v})) for i, v in enumerate(values)]


BEFORE = [90, 110, 100, 100, 80, 120]  # median 100


@pytest.mark.parametrize("value, fires", [(300, True), (299, False), (290, False),
                                          (1000, True)])
def test_three_times_the_median_fires_and_less_does_not(value, fires):
    found = cm.outliers(history([*BEFORE, value]))
    assert [o.post.id for o in found] == ([6] if fires else [])
    if fires:
        o = found[0]
        assert (o.median, o.history, o.basis, o.id) == (100.0, 6, cm.BASIS_INTERACTIONS, 6)
        assert o.ratio == pytest.approx(value / 100)


def test_an_exact_multiple_fires_despite_float_rounding():
    assert 1.1 * 50 > 55  # 55.00000000000001 in floating point
    assert [o.id for o in cm.outliers(history([50] * 5 + [55]), factor=1.1)] == [5]
    assert cm.outliers(history([50] * 5 + [54]), factor=1.1) == []


def test_outliers_need_min_posts_before_the_post():
    assert cm.outliers(history([100, 100, 100, 100, 1000])) == []  # four before it
    assert [o.id for o in cm.outliers(history([100, 100, 100, 100, 1000]),
                                      min_posts=4)] == [4]
    # the first posts of a page never fire, however they did
    assert cm.outliers(history([5000, 1, 1, 1, 1])) == []


def test_outliers_median_is_rolling_and_excludes_the_post_itself():
    # the viral post joins the history of the next ones: 300 then 300 again
    # (history 100 ×5, 300 → median 100 → fires; then history has 300 → median 100 → fires)
    found = cm.outliers(history([100] * 5 + [300, 300]))
    assert [o.id for o in found] == [5, 6]
    # given out of order, taken in publication order
    shuffled = history([100] * 5 + [300])
    random.Random(4).shuffle(shuffled)
    assert [o.id for o in cm.outliers(shuffled)] == [5]
    # a page that grew: with a window of 5, the third post at 1000 already meets a
    # median of 1000 and stops firing; over the whole history the old 10s keep the
    # median at 10 and every 1000 fires
    page = history([10] * 10 + [1000] * 5 + [3000])
    assert [o.id for o in cm.outliers(page, window=5)] == [10, 11, 12, 15]
    assert [o.id for o in cm.outliers(page, window=None)] == [10, 11, 12, 13, 14, 15]
    assert cm.outliers(page, window=5)[-1].median == 1000.0


def test_outliers_on_views_where_that_is_all_there_is():
    tg = history([1000, 1200, 900, 1100, 1000, 3000], views=True)  # median 1000
    found = cm.outliers(tg)
    assert [(o.id, o.basis, o.median) for o in found] == [(5, cm.BASIS_VIEWS, 1000.0)]
    # a post with interactions is not measured against view counts
    mixed = [*tg[:5], post(99, at(20, 10), likes=5000)]
    assert cm.outliers(mixed) == []


def test_a_zero_median_makes_no_outlier():
    assert cm.outliers(history([0] * 5 + [3])) == []
    assert cm.outliers(history([0, 0, 0, 0, 0, 0])) == []


# --- topics and gaps -----------------------------------------------------------------------

LATTE, JOBS, SALE, MENU = "latte", "jobs", "sale", "menu"

TEXTS = {
    "us": [
        (LATTE, "Латте-арт дня: бариста Аня нарисовала лебедя на латте. Кто узнал?"),
        (LATTE, "Учимся рисовать на молоке: латте-арт мастер-класс в субботу, розетта "
                "и сердце на латте"),
        (LATTE, "Сердце на латте — классика латте-арта. Молоко взбиваем до бархатной пены"),
        (LATTE, "Тюльпан из молочной пены на латте: наш бариста тренировал этот "
                "латте-арт неделю"),
        (SALE, "Скидка 20% на все напитки до конца недели! Покажите этот пост на кассе"),
        (SALE, "Счастливые часы: скидка 30% на капучино с 8 до 10 утра"),
        (SALE, "Скидка именинникам — 50% на любой напиток в день рождения"),
        (MENU, "Чизкейк с малиной и новый десерт дня: заходите попробовать"),
        (MENU, "Новый десерт: морковный торт с орехами и кремом. Десерт к кофе"),
        (MENU, "Осеннее меню: тыквенный латте, десерт с корицей и горячий шоколад"),
        (None, "Фотоотчёт: как прошла наша дегустация эфиопского зерна"),
    ],
    "kofe_na_uglu": [
        (LATTE, "Латте-арт от нашего бариста: лебедь и розетта на латте"),
        (LATTE, "Рисуем на молоке: латте-арт сердце для вас"),
        (JOBS, "Вакансия: ищем бариста в команду! График 2/2, обучение, зарплата от 60 000"),
        (JOBS, "Вакансия бариста на Тверской: опыт не нужен, научим. Пишите в директ"),
        (JOBS, "Ищем бариста и кассира: открытые вакансии в новой кофейне"),
        (JOBS, "Вакансии в нашей кофейне: бариста, повар. Оформление по ТК, обучение"),
        (SALE, "Скидка 15% по карте гостя на все напитки"),
        (SALE, "Скидка на капучино: второй напиток со скидкой 50%"),
    ],
    "ranok": [
        (LATTE, "Латте-арт від нашого бариста: серце на лате з молочною піною"),
        (JOBS, "Вакансія: шукаємо бариста в команду, графік 2/2, навчання за наш рахунок"),
        (JOBS, "Вакансії в кав'ярні: бариста та кухар, офіційне працевлаштування"),
        (JOBS, "Шукаємо бариста! Вакансія на Подолі, досвід не потрібен"),
        (SALE, "Знижка 20% на всі напої до кінця тижня"),
        (SALE, "Знижка на капучино: другий напій зі знижкою 50%"),
        (SALE, "Знижка іменинникам — 30% на будь-який напій"),
    ],
    "bean_there": [
        (LATTE, "Latte art of the day: a swan on your latte by our barista"),
        (LATTE, "Latte art class this Saturday: learn the heart and rosetta on latte"),
        (JOBS, "We're hiring! Barista vacancy, full-time, training provided"),
        (JOBS, "Barista vacancy: join our team, flexible hours, hiring now"),
        (JOBS, "Hiring baristas for our new location, vacancy open, apply in store"),
        (SALE, "Discount: 20% off all drinks this week with the discount code"),
        (SALE, "Student discount: 15% off any coffee, discount with student ID"),
    ],
}
POSTS = {a: [t for _theme, t in rows] for a, rows in TEXTS.items()}


def themes_of(found: cm.Topics, topic: cm.Topic) -> set:
    return {TEXTS[a][i][0] for a, idx in topic.members.items() for i in idx}


@pytest.fixture(scope="module")
def found() -> cm.Topics:
    return cm.topics(POSTS)


def test_latte_art_vacancies_and_discounts_cluster_apart(found):
    themed = [t for t in found.topics if themes_of(found, t) - {None}]
    for topic in themed:
        assert len(themes_of(found, topic) - {None}) == 1, topic.label
    # Russian and Ukrainian vacancies meet: "вакансия", "вакансії" share their stem
    jobs = found.topic(found.assignments["kofe_na_uglu"][2])
    assert jobs.counts["ranok"] == 3 and jobs.counts["kofe_na_uglu"] == 4
    assert "бариста" in jobs.terms and any(t.startswith("вакан") for t in jobs.terms)
    latte = found.topic(found.assignments["us"][0])
    assert latte.terms[0] == "латте" and latte.counts["us"] == 4


def test_topic_shares_counts_and_assignments_agree(found):
    for account, texts in POSTS.items():
        assert len(found.assignments[account]) == len(texts)
        assigned = [i for i, t in enumerate(found.assignments[account]) if t is not None]
        assert found.posts[account] == len(assigned)
        assert sum(t.counts[account] for t in found.topics) == len(assigned)
        assert sum(t.shares[account] for t in found.topics) == pytest.approx(100.0)
        for topic in found.topics:
            assert all(found.assignments[account][i] == topic.id
                       for i in topic.members[account])
    sizes = [t.size for t in found.topics]
    assert sizes == sorted(sizes, reverse=True) and found.k == len(found.topics)
    terms = {term for t in found.topics for term in t.terms}
    assert "латте" in terms and "discount" in terms
    assert not terms & {"наш", "нашего", "the", "our", "для", "від", "на"}


def test_topics_are_deterministic(found):
    again = cm.topics(POSTS)
    assert again == found
    reordered = dict(reversed(list(POSTS.items())))
    assert cm.topics(reordered) == found


def test_gaps_find_what_only_competitors_post(found):
    found_gaps = cm.gaps(found, ours="us")
    assert found_gaps
    top = found_gaps[0]
    assert themes_of(found, top.topic) == {JOBS}
    assert top.ours_posts == 0 and top.ours_share == 0.0
    assert [c.account for c in top.competitors] == ["kofe_na_uglu", "ranok"]
    assert top.competitors[0].share == pytest.approx(50.0)  # 4 of 8 posts
    assert top.examples and all(e.account != "us" for e in top.examples)
    assert all("ваканс" in e.text.lower() for e in top.examples)
    # we post about latte art and (in Russian) discounts: neither is a gap
    for gap in found_gaps:
        assert gap.ours_posts == 0
        assert LATTE not in themes_of(found, gap.topic)


def test_topics_with_sentence_vectors_meet_across_languages():
    from smmdesk.nlp.model import embed

    found = cm.topics(POSTS, embed=embed)
    jobs = found.topic(found.assignments["bean_there"][2])
    assert themes_of(found, jobs) == {JOBS}
    assert {a: n for a, n in jobs.counts.items() if n} == {
        "kofe_na_uglu": 4, "ranok": 3, "bean_there": 3}
    sale = found.topic(found.assignments["ranok"][4])  # "Знижка 20% ..."
    assert sale.counts["us"] == 3 and sale.counts["bean_there"] == 2
    # the Ukrainian discounts are no longer a gap beside our Russian ones
    assert [g.topic.id for g in cm.gaps(found, ours="us")] == [jobs.id]
    assert cm.topics(POSTS, embed=embed) == found


def test_a_fixed_k_and_texts_without_topic_words():
    three = cm.topics(POSTS, k=3)
    assert three.k == 3 and three.silhouette is not None
    none = cm.topics({"us": ["", "👍 🔥", "https://zerno.coffee/menu"], "them": ["и а но"]})
    assert none.topics == () and none.assignments == {"us": (None, None, None),
                                                      "them": (None,)}
    one = cm.topics({"us": ["Латте-арт дня"], "them": []})
    assert one.k == 1 and one.assignments == {"us": (0,), "them": ()}
    assert one.topics[0].shares == {"them": None, "us": 100.0}


def test_copies_of_one_post_are_one_point():
    copies = {"us": ["Латте-арт дня"] * 5, "them": ["Вакансия бариста"] * 6}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # k-means warns when asked for more clusters
        free, fixed = cm.topics(copies), cm.topics(copies, k=5)
    assert free.k == fixed.k == 2 and free.silhouette == pytest.approx(1.0)
    assert free.assignments["us"] == (1,) * 5 and free.assignments["them"] == (0,) * 6


def test_stop_words_come_from_the_listening_lists_else_a_built_in_one(tmp_path,
                                                                       monkeypatch):
    assert "что" in cm.stopwords("ru") and "the" in cm.stopwords("en")
    monkeypatch.setattr(cm, "STOPWORD_DIR", tmp_path)
    cm.stopwords.cache_clear()
    try:
        assert cm.stopwords("ru") == frozenset(
            cm.normalize_word(w) for w in cm._BUILT_IN_STOPWORDS["ru"].split())
        (tmp_path / "en.txt").write_text("# a comment line\nlatte art\n", encoding="utf-8")
        assert cm.stopwords("en") == {"latte", "art"}
        # a stop word is never a topic word
        assert cm._words("Latte art, the swan", cm.stopwords("en")) == ["the", "swan"]
    finally:
        cm.stopwords.cache_clear()


def _topic(tid, counts, shares):
    accounts = sorted(counts)
    return cm.Topic(
        id=tid, label=f"t{tid}", terms=(f"t{tid}",), size=sum(counts.values()),
        counts=counts, shares=shares,
        members={a: tuple(range(counts[a])) for a in accounts},
        typical=tuple(cm.Example(a, i, f"{a} {i}") for a in accounts
                      for i in range(counts[a])))


def test_gap_thresholds():
    made = cm.Topics(
        topics=(
            # a: 3 posts = 10 % of its 30 (passes); ours 1 of 20 = 5 % (still "very few")
            _topic(0, {"us": 1, "a": 3, "b": 0}, {"us": 5.0, "a": 10.0, "b": 0.0}),
            # a: 9.9 % (too small a share); b: 2 posts (too few)
            _topic(1, {"us": 0, "a": 3, "b": 2}, {"us": 0.0, "a": 9.9, "b": 40.0}),
            # ours above 5 %
            _topic(2, {"us": 2, "a": 10, "b": 3}, {"us": 5.1, "a": 33.0, "b": 60.0}),
        ),
        assignments={}, posts={"us": 20, "a": 30, "b": 5}, k=3, silhouette=None)
    found = cm.gaps(made, ours="us")
    assert [g.topic.id for g in found] == [0]
    assert found[0].ours_posts == 1 and found[0].ours_share == 5.0
    assert [e.account for e in found[0].examples] == ["a", "a", "a"]  # not ours
    assert [g.topic.id for g in cm.gaps(made, ours="us", min_posts=2)] == [0, 1]
    assert [g.topic.id for g in cm.gaps(made, ours="us", ours_max_share=6)] == [2, 0]
    with pytest.raises(KeyError):
        cm.gaps(made, ours="nobody")


# --- the comparison table ------------------------------------------------------------------

def test_compare_ranks_each_metric():
    base = cm.summary(OURS, followers=4000, period_days=14, tz=KYIV)
    assert base.er_post == pytest.approx(2.4)
    rival = dataclasses.replace(base, er_post=3.0, followers=9000, er_view=None,
                                growth=cm.growth([(date(2025, 1, 1), 9000),
                                                  (date(2025, 1, 14), 9450)]))
    twin = dataclasses.replace(base, followers=1000)
    rows = cm.compare({"rival": rival, "us": base, "twin": twin}, ours="us")
    assert [r.account for r in rows] == ["us", "rival", "twin"]
    assert [r.ours for r in rows] == [True, False, False]
    by = {r.account: r for r in rows}
    assert {a: r.ranks["er_post"] for a, r in by.items()} == {"us": 2, "rival": 1, "twin": 2}
    assert {a: r.ranks["followers"] for a, r in by.items()} == {"us": 2, "rival": 1,
                                                                "twin": 3}
    assert by["rival"].ranks["er_view"] is None and by["us"].ranks["er_view"] == 1
    assert by["rival"].values["growth_rate"] == pytest.approx(5.0)
    assert by["rival"].ranks["growth_rate"] == 1 and by["us"].ranks["growth_rate"] is None
    assert by["rival"].vs_ours["er_post"] == pytest.approx(25.0)  # (3.0 − 2.4) / 2.4
    assert by["twin"].vs_ours["followers"] == pytest.approx(-75.0)
    assert by["us"].vs_ours["er_post"] is None
    assert set(by["us"].values) == set(cm.COMPARED)


def test_compare_takes_ten_competitors_at_most():
    base = cm.summary(OURS, followers=4000, period_days=14, tz=KYIV)
    ten = {f"c{i}": base for i in range(10)}
    assert len(cm.compare({"us": base, **ten}, ours="us")) == 11
    with pytest.raises(ValueError):
        cm.compare({"us": base, **ten, "c10": base}, ours="us")
    with pytest.raises(KeyError):
        cm.compare(ten, ours="us")
    no_ours = cm.compare(ten)
    assert all(r.vs_ours["er_post"] is None and r.ranks["er_post"] == 1 for r in no_ours)


def test_column_labels_reuse_the_metric_registry():
    assert cm.column_label("er_post") is own.METRICS["er_post"].label
    assert str(cm.column_label("posts_per_week")) == "Posts a week"
    for name in cm.COMPARED:
        assert str(cm.column_label(name))

"""Stories from realistic feed items in ru, uk, be and en: outlets telling one event in
their own words join, reposts join, a neighbour in the same hour or the same words a week
later do not."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from smmdesk.listening.stories import (
    Item,
    Story,
    StoryIndex,
    _containment,
    _names,
    _stem,
    stories_group,
)

T0 = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# A day and a half of other news, so that the index has seen the usual words (and names:
# Украина, Минск, Киев, Trump) before the events below arrive.
BACKGROUND = [
    ("bg1", "interfax", "ru", "Госдума приняла закон о маркировке пищевой продукции",
     "Государственная дума приняла в третьем чтении закон об обязательной маркировке "
     "молочной продукции и упакованной воды. Требования вступят в силу с 1 сентября, "
     "производителям дадут переходный период."),
    ("bg2", "rbc", "ru", "Курс доллара на Мосбирже опустился ниже 88 рублей",
     "Доллар на торгах Московской биржи подешевел до 87,6 рубля впервые с января. "
     "Аналитики связывают укрепление рубля с продажей валютной выручки экспортерами "
     "в период налоговых выплат."),
    ("bg3", "tass", "ru", "В Москве ожидается мокрый снег и гололедица",
     "Синоптики прогнозируют в столице мокрый снег, температура ночью опустится до минус "
     "трех градусов. Водителей просят быть внимательнее на дорогах из-за гололедицы."),
    ("bg4", "meduza", "ru", "Роскомнадзор ограничил работу еще одного VPN-сервиса",
     "Роскомнадзор заблокировал протоколы популярного VPN-сервиса, пользователи жалуются "
     "на сбои с вечера понедельника. В ведомстве заявили, что действуют по закону."),
    ("bg5", "sport_ru", "ru", "«Зенит» обыграл ЦСКА и вышел в полуфинал Кубка России",
     "Петербургский «Зенит» победил московский ЦСКА со счетом 2:1 в четвертьфинале "
     "Кубка России. Решающий гол на 88-й минуте забил Педро."),
    ("bg6", "kommersant", "ru", "Правительство продлило запрет на экспорт бензина",
     "Кабинет министров продлил временный запрет на вывоз бензина до конца мая, чтобы "
     "сдержать рост цен на внутреннем рынке топлива."),
    ("bg7", "ukrpravda", "uk", "Верховна Рада ухвалила закон про електронні петиції",
     "Народні депутати ухвалили в цілому законопроєкт, який спрощує подання електронних "
     "петицій до органів місцевого самоврядування. Документ має підписати президент."),
    ("bg8", "suspilne", "uk", "У Львові відкрили новий міст через залізницю",
     "На вулиці Городоцькій у Львові після реконструкції відкрили рух мостом через "
     "залізничні колії. Роботи тривали понад два роки, кошторис склав 420 мільйонів гривень."),
    ("bg9", "tsn", "uk", "Синоптики попередили про сильний вітер на заході України",
     "У Львівській, Закарпатській та Івано-Франківській областях очікуються пориви вітру "
     "до 20 метрів на секунду. Рятувальники радять не залишати авто під деревами."),
    ("bg10", "epravda", "uk", "Нацбанк залишив облікову ставку без змін",
     "Національний банк України зберіг облікову ставку на рівні 15,5% річних. Інфляція "
     "в лютому пришвидшилася, повідомили в НБУ."),
    ("bg11", "tg_kyiv", "uk", "",
     "Київ: у метро на Святошинсько-Броварській лінії змінили графік руху поїздів на "
     "вихідні через ремонт станції Дніпро. Будьте уважні, плануйте маршрут заздалегідь."),
    ("bg12", "nashaniva", "be", "У Мінску адкрылі новую станцыю метро",
     "На Зеленалужскай лініі мінскага метрапалітэна адкрылася станцыя «Слуцкі гасцінец». "
     "Пасажыры змогуць карыстацца ёй з шостай раніцы."),
    ("bg13", "zerkalo", "be", "Беларускія хакеі пачалі плэй-оф з перамогі",
     "Мінскае «Дынама» перамагло ў першым матчы серыі плэй-оф з лікам 4:2. Наступная "
     "гульня адбудзецца ў чацвер на той жа арэне."),
    ("bg14", "svaboda", "be", "Цэны на бульбу ў Беларусі выраслі за месяц на 9%",
     "Паводле звестак Белстата, бульба за лютаўскі месяц падаражэла ў сярэднім на 9%, "
     "гародніна ў цэлым — на 5%."),
    ("bg15", "reuters", "en", "Oil prices rise as OPEC+ signals supply discipline",
     "Brent crude futures rose 1.2% to $74.30 a barrel after OPEC+ delegates said the "
     "group would keep output cuts in place through the second quarter."),
    ("bg16", "bbc", "en", "Storm Eowyn: thousands still without power in Ireland",
     "More than 40,000 homes and businesses in Ireland remain without electricity days "
     "after the storm brought record winds, network operators said."),
    ("bg17", "verge", "en", "Microsoft retires Skype in favour of Teams",
     "Microsoft will shut down Skype in May and move users to the free version of Teams, "
     "ending the calling service it bought in 2011 for $8.5 billion."),
    ("bg18", "guardian", "en", "UK inflation falls to 2.5% as fuel prices drop",
     "Consumer price inflation in the UK fell to 2.5% in the year to December, the Office "
     "for National Statistics said, helped by lower petrol prices and airfares."),
    ("bg19", "tass", "ru", "В Сочи открылся международный туристический форум",
     "В Сочи начал работу форум, на который приехали представители туриндустрии из 30 "
     "стран. Главная тема — развитие внутреннего туризма."),
    ("bg20", "tg_msk", "ru", "",
     "На Садовом кольце огромная пробка из-за ДТП с автобусом, движение в сторону "
     "Курского вокзала затруднено. Объезжайте по Бульварному кольцу."),
]

# The event: three outlets, three wordings, one earthquake (no title in the Telegram one).
QUAKE = [
    ("q1", "tass", "ru", "Землетрясение магнитудой 7,4 произошло у побережья Камчатки",
     "Сильное землетрясение магнитудой 7,4 произошло в Тихом океане у восточного "
     "побережья Камчатки в 08:58 по местному времени, сообщили в Камчатском филиале "
     "Единой геофизической службы РАН. Эпицентр находился в 144 км от "
     "Петропавловска-Камчатского на глубине 40 км. В городе ощущались толчки силой до "
     "шести баллов."),
    ("q2", "rbc", "ru", "На Камчатке объявили угрозу цунами после мощных подземных толчков",
     "Жителей прибрежных районов Камчатки призвали подняться на возвышенности: после "
     "подземных толчков магнитудой 7,4 у побережья полуострова объявлена угроза цунами. "
     "По данным МЧС, в Петропавловске-Камчатском в домах качались люстры и падали "
     "предметы с полок, информации о пострадавших пока нет."),
    ("q3", "tg_kamchatka", "ru", "",
     "Трясло так, что проснулся весь Петропавловск! Сейсмологи ЕГС РАН оценили магнитуду "
     "в 7,4, эпицентр в океане в 144 километрах от города. МЧС предупреждает о возможной "
     "волне цунами, не подходите к берегу."),
]
# A Telegram channel reposts the first report and adds its own line.
REPOST = ("r1", "tg_dv_news", "ru", "",
          QUAKE[0][4] + "\nПодписывайтесь на «ДВ Новости», чтобы не пропустить главное.")
# The same region, the same hour, another story.
NEIGHBOUR = ("n1", "kamchatka_info", "ru", "На Камчатке стартовала гонка на собачьих упряжках",
             "В Петропавловске-Камчатском дали старт гонке на собачьих упряжках «Берингия». "
             "Каюрам предстоит преодолеть более 2000 км по полуострову, финиш намечен на "
             "конец марта.")
# Same names, other news: a tender by the same company, the same central banker on
# another subject.
TENDER = ("n2", "energoreforma", "uk", "Укренерго оголосило тендер на автотрансформатори",
          "НЕК «Укренерго» оголосила міжнародний тендер на постачання восьми "
          "автотрансформаторів для відновлення підстанцій. Фінансування надає Європейський "
          "інвестиційний банк, переможця визначать у травні.")
HEARING = ("n3", "politico", "en", "Lagarde faces MEPs over digital euro plans",
           "ECB President Christine Lagarde will appear before the European Parliament's "
           "economic committee to defend plans for a digital euro, a project that critics "
           "say could drain deposits from commercial banks.")

# Another event in Ukrainian, and one in English.
OUTAGES = [
    ("o1", "ukrpravda", "uk", "Укренерго запровадить графіки відключень у семи областях",
     "У вівторок НЕК «Укренерго» застосує графіки погодинних відключень електроенергії у "
     "Київській, Житомирській, Чернігівській, Сумській, Харківській, Полтавській та "
     "Дніпропетровській областях. Причина — пошкодження енергетичної інфраструктури "
     "внаслідок масованої атаки. Обмеження діятимуть з 07:00 до 22:00."),
    ("o2", "suspilne", "uk", "Світло вимикатимуть за графіками: де діятимуть обмеження",
     "Через наслідки нічної атаки на енергосистему у семи областях завтра вимикатимуть "
     "світло за графіками. В Укренерго закликали споживачів ощадливо користуватися "
     "електроприладами з 07:00 до 22:00."),
    ("o3", "tg_kyiv_operative", "uk", "",
     "⚡️Київщина та ще шість областей завтра житимуть за графіками відключень. Укренерго "
     "попереджає: черги вимкнень діятимуть із 7 ранку до 22:00. Перевірте свою чергу на "
     "сайті обленерго."),
]
RATES = [
    ("e1", "reuters", "en", "ECB cuts rates by a quarter point as inflation cools",
     "The European Central Bank lowered its deposit rate by 25 basis points to 2.25% on "
     "Thursday, its seventh cut in a year, as inflation in the euro zone eased toward its "
     "2% target. President Christine Lagarde said the bank was not pre-committing to a "
     "particular path."),
    ("e2", "bbc", "en", "Eurozone borrowing costs fall again",
     "Borrowing costs in the 20 countries that use the euro have been cut once more. The "
     "ECB's deposit rate now stands at 2.25%, down from 2.5%, after policymakers in "
     "Frankfurt agreed that price rises were back under control, Christine Lagarde told "
     "reporters."),
    ("e3", "tg_markets", "en", "",
     "ECB: -25 bp, deposit rate at 2.25%. Lagarde says no pre-commitment, decisions will be "
     "taken meeting by meeting. EUR/USD slides after the announcement."),
]


def item(row, hours: float) -> Item:
    id_, source, language, title, text = row
    return Item(id=id_, text=text, title=title, source_id=source, language=language,
                published_at=at(hours))


@pytest.fixture
def index() -> StoryIndex:
    idx = StoryIndex()
    for i, row in enumerate(BACKGROUND):
        idx.add(item(row, -36 + i * 1.5))
    return idx


def test_three_outlets_in_other_words_join_one_story(index):
    first = index.add(item(QUAKE[0], 0))
    second = index.add(item(QUAKE[1], 0.3))
    third = index.add(item(QUAKE[2], 0.6))

    assert first.created and first.reason == "new"
    assert (second.story, second.reason) == (first.story, "event")
    assert (third.story, third.reason) == (first.story, "event")
    story = index.get(first.story)
    assert story.count == 3
    assert story.sources == {"tass", "rbc", "tg_kamchatka"}
    assert story.title == QUAKE[0][3]
    assert story.first_seen == at(0) and story.last_seen == at(0.6)


@pytest.mark.parametrize("event", [OUTAGES, RATES], ids=["uk", "en"])
def test_other_languages_join_too(index, event):
    keys = {index.add(item(row, n * 0.5)).story for n, row in enumerate(event)}
    assert len(keys) == 1
    assert index.get(keys.pop()).count == 3


def test_repost_with_an_added_line_joins_as_duplicate(index):
    first = index.add(item(QUAKE[0], 0))
    repost = index.add(item(REPOST, 0.2))
    assert (repost.story, repost.reason) == (first.story, "duplicate")
    assert repost.score > 0.9
    assert index.get(first.story).sources == {"tass", "tg_dv_news"}


def test_unrelated_item_in_the_same_hour_starts_its_own_story(index):
    quake = [index.add(item(row, n * 0.2)) for n, row in enumerate(QUAKE)]
    races = index.add(item(NEIGHBOUR, 0.5))
    outages = index.add(item(OUTAGES[0], 0.7))
    assert races.created and outages.created
    assert races.story != quake[0].story != outages.story
    assert index.get(quake[0].story).count == 3


def test_the_same_company_with_other_news_starts_its_own_story(index):
    outages = [index.add(item(row, n * 0.5)) for n, row in enumerate(OUTAGES)]
    tender = index.add(item(TENDER, 1.5))
    assert tender.created
    assert {a.story for a in outages} == {outages[0].story}


def test_the_same_words_a_week_later_start_a_new_story(index):
    first = index.add(item(QUAKE[0], 0))
    index.add(item(QUAKE[1], 1))
    again = index.add(Item(id="q1-week", text=QUAKE[0][4], title=QUAKE[0][3],
                           source_id="tass", language="ru", published_at=at(7 * 24)))
    assert again.created and again.story != first.story
    closed = index.closed_take()
    assert first.story in {s.key for s in closed}
    assert index.closed_take() == []


def test_an_item_within_the_window_of_the_last_one_keeps_the_story_open(index):
    first = index.add(item(QUAKE[0], 0))
    index.add(item(QUAKE[1], 40))
    late = index.add(item(QUAKE[2], 80))  # 80 h after the first, 40 h after the last
    assert late.story == first.story


def test_items_of_unrelated_background_stay_apart():
    stories = stories_group(item(row, n * 0.25) for n, row in enumerate(BACKGROUND))
    assert len(stories) == len(BACKGROUND)


def test_a_late_item_takes_over_the_title_and_first_seen(index):
    first = index.add(item(QUAKE[1], 1))
    earlier = index.add(item(QUAKE[0], 0))  # arrives late, published first
    assert earlier.story == first.story
    story = index.get(first.story)
    assert story.first_seen == at(0)
    assert story.title == QUAKE[0][3]


def test_title_falls_back_to_the_first_sentence(index):
    a = index.add(item(QUAKE[2], 0))
    assert index.get(a.story).title == "Трясло так, что проснулся весь Петропавловск!"


def test_growth_compares_the_last_hours_with_the_hours_before(index):
    key = index.add(item(QUAKE[0], 0)).story
    index.add(item(QUAKE[1], 1))
    for n in range(4):
        index.add(Item(id=f"rp{n}", text=REPOST[4], source_id=f"tg{n}", language="ru",
                       published_at=at(7 + n)))
    growth = index.get(key).growth(now=at(10.5), hours=6)
    assert (growth.recent, growth.previous) == (4, 2)
    assert growth.ratio == pytest.approx(5 / 3)


def test_restored_index_keeps_matching(index):
    first = index.add(item(QUAKE[0], 0))
    state = json.loads(json.dumps(index.state()))
    restored = StoryIndex.from_state(state)
    second = restored.add(item(QUAKE[1], 0.3))
    repost = restored.add(item(REPOST, 0.4))
    assert second.story == first.story and repost.story == first.story
    assert restored.get(first.story).count == 3


def test_rebuilt_from_signatures_only(index):
    """The lead may store only the stories; the term statistics are then estimated."""
    first = index.add(item(QUAKE[0], 0))
    rows = [json.loads(json.dumps(s.signature())) for s in index.stories()]
    rebuilt = StoryIndex(stories=[Story.from_signature(r) for r in rows])
    assert rebuilt.add(item(QUAKE[1], 0.3)).story == first.story
    assert rebuilt.add(item(NEIGHBOUR, 0.5)).created


def test_signature_round_trip():
    idx = StoryIndex()
    key = idx.add(item(QUAKE[0], 0)).story
    story = idx.get(key)
    back = Story.from_signature(json.loads(json.dumps(story.signature())))
    assert (back.key, back.title, back.first_seen, back.count, back.sources) == (
        story.key, story.title, story.first_seen, story.count, story.sources)
    assert back.sketches == story.sketches and back.hours == story.hours
    assert set(back.terms) == set(story.terms)


def test_short_texts_never_join_as_duplicates():
    idx = StoryIndex()
    a = idx.add(Item(id=1, text="Срочно! Подробности позже.", published_at=at(0)))
    b = idx.add(Item(id=2, text="Срочно! Подробности позже.", published_at=at(0.1)))
    assert a.created and b.reason != "duplicate"


def test_an_item_without_words_gets_a_story_of_its_own():
    idx = StoryIndex()
    a = idx.add(Item(id=1, text="🔥🔥🔥 https://t.me/channel/5", published_at=at(0)))
    b = idx.add(Item(id=2, text="🔥🔥🔥 https://t.me/channel/6", published_at=at(0)))
    assert a.created and b.created
    assert idx.get(a.story).title == "🔥🔥🔥 https://t.me/channel/5"


def test_naive_datetimes_are_refused():
    idx = StoryIndex()
    idx.add(item(QUAKE[0], 0))
    with pytest.raises(TypeError):
        idx.add(Item(id="x", text="text", published_at=datetime(2025, 3, 4, 7)))


def test_stem_meets_inflected_forms():
    assert _stem("камчатке") == _stem("камчатки") == _stem("камчатку")
    assert _stem("киеве") == _stem("киева") == _stem("киев")
    assert _stem("відключень") == _stem("відключення")
    assert _stem("rates") == _stem("rate") == "rate"
    assert _stem("committee") != _stem("committing")


def test_names_are_capitalised_words_and_telling_numbers():
    names, caps = _names("Глава ЕЦБ Кристин Лагард сообщила о ставке 2,25% с 1 мая 2025 "
                         "года, а курс 350 рублей. Брифинг начнется в 09:30.",
                         skip_title_case=False)
    assert {"ецб", _stem("кристин"), _stem("лагард"), "2.25%", "350", "09:30"} <= names
    assert _stem("глава") not in names  # opens the sentence: maybe a name, maybe not
    assert _stem("глава") in caps and names <= caps
    assert "2025" not in names and "1" not in names  # a year and a day are everywhere


def test_a_title_in_title_case_gives_no_names_by_case():
    names, _caps = _names("Earthquake Hits Eastern Turkey, Killing 12", skip_title_case=True)
    assert names == set()
    names, _caps = _names("Earthquake hits eastern Turkey", skip_title_case=True)
    assert names == {_stem("turkey")}


def test_containment_of_a_text_with_a_line_added():
    idx = StoryIndex()
    a = idx._features(item(QUAKE[0], 0))
    b = idx._features(item(REPOST, 0))
    assert _containment(a.sketch, a.size, b.sketch, b.size) > 0.95
    c = idx._features(item(QUAKE[1], 0))
    assert _containment(a.sketch, a.size, c.sketch, c.size) < 0.2


def _synthetic(n: int, seed: int = 7) -> tuple[list[Item], dict]:
    """``n`` items (about two days per 4,000) and the event each tells: events told by
    one to five outlets in their own words (most of the event's names and its number,
    half of its topic words, the rest everyday words in another order), exact and
    edited reposts, from a Zipf-distributed vocabulary of 5,000 made-up Russian-looking
    words and 400 names."""
    rnd = random.Random(seed)
    syllables = ["ра", "ло", "ви", "ме", "ку", "ст", "но", "за", "пре", "дер", "тов", "ми",
                 "жа", "сло", "бы", "ген", "тр", "ска", "по", "ли"]
    endings = ["ция", "ность", "ение", "ами", "ский", "ого", "ать", "ила", "ые", "ом"]

    def made_up(parts: int) -> str:
        return "".join(rnd.choice(syllables) for _ in range(parts)) + rnd.choice(endings)

    vocab = list(dict.fromkeys(made_up(rnd.randint(1, 3)) for _ in range(6000)))[:5000]
    names = list(dict.fromkeys(made_up(2).capitalize() for _ in range(500)))[:400]
    weights = [1 / (r + 1) for r in range(len(vocab))]

    def everyday(k: int) -> list[str]:
        return rnd.choices(vocab, weights=weights, k=k)

    items, event_of, t = [], {}, T0
    while len(items) < n:
        t += timedelta(minutes=rnd.randint(1, 4))
        event = len(event_of)
        topic = rnd.sample(vocab[200:], 12)
        who = rnd.sample(names, 3) + [f"{rnd.randint(1, 99)},5%"]
        first = rnd.sample(topic, 8) + who + everyday(30)
        base = " ".join(first)
        tellings = [(base, " ".join(first[:8]), 0)]
        for _ in range(rnd.choice((0, 0, 1, 2, 4))):  # other outlets, other words
            words = rnd.sample(topic, 6) + [w for w in who if rnd.random() < 0.7]
            words += everyday(30)
            rnd.shuffle(words)
            tellings.append((" ".join(words), " ".join(words[:8]), rnd.randint(5, 600)))
        for _ in range(rnd.choice((0, 1, 3))):  # reposts with a line added
            tellings.append((base + ". " + " ".join(everyday(8)), "", rnd.randint(1, 900)))
        for text, title, minutes in tellings:
            items.append(Item(id=len(items), text=text, title=title,
                              source_id=rnd.randint(1, 300),
                              published_at=t + timedelta(minutes=minutes)))
            event_of[len(items) - 1] = event
    return items[:n], event_of


def _pairs(groups) -> set[tuple]:
    return {(a, b) for g in groups for a in g for b in g if a < b}


def test_two_thousand_items_take_seconds_and_group_right():
    items, event_of = _synthetic(2000)
    index = StoryIndex()
    started = time.perf_counter()
    story_of = {}
    for it in sorted(items, key=lambda i: i.published_at):
        story_of[it.id] = index.add(it).story
    elapsed = time.perf_counter() - started
    assert elapsed < 20, elapsed

    found, truth = {}, {}
    for i, key in story_of.items():
        found.setdefault(key, []).append(i)
        truth.setdefault(event_of[i], []).append(i)
    found_pairs, true_pairs = _pairs(found.values()), _pairs(truth.values())
    precision = len(found_pairs & true_pairs) / len(found_pairs)
    recall = len(found_pairs & true_pairs) / len(true_pairs)
    assert precision > 0.95, precision
    assert recall > 0.8, recall

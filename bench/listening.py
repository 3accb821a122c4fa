"""Listening matcher speed: many queries compiled, posts matched one at a time, one core.

    python bench/listening.py --queries 10000 --posts 200000

Posts are built from the project's own real-looking comments in ru, uk, be and en (the
sandbox audience and the labelled set), joined to a median of about 200 characters, with
what listening meets in the wild mixed in: brand names in Latin and Cyrillic, inflected,
as hashtags and @mentions; cities; products; apostrophes (кав'ярня, don't); emoji; now and
then a Latin look-alike letter inside a Cyrillic word. About 4 % mention a brand that has
a query, 5 % one that has none. The queries are the ones people write: a brand's spellings
joined with OR, NOT exclusions, phrases, NEAR/n, prefixes, hashtags, filters, and a few
broad topic queries. A seeded RNG makes every run the same.

Progress, the compile time and the match count go to stderr; figures are printed, not
asserted. Last line:
``listening: queries=Q posts=P posts_per_s=X p99_us=Y``
(X posts matched a second, wall clock over all posts; Y the 99th percentile of one
``match()`` call, in microseconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # see bench/dispatch.py
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "src"))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] / "src" / "smmdesk"
LANGS = ("ru", "uk", "be", "en")
LANG_WEIGHTS = (40, 25, 10, 25)

# Syllables of made-up brand names, with the Cyrillic spelling people would use.
SYLLABLES = [("ko", "ко"), ("fe", "фе"), ("la", "ла"), ("mi", "ми"), ("ro", "ро"),
             ("ta", "та"), ("zu", "зу"), ("ber", "бер"), ("nik", "ник"), ("sto", "сто"),
             ("va", "ва"), ("ri", "ри"), ("lo", "ло"), ("mar", "мар"), ("den", "ден"),
             ("po", "по"), ("sa", "са"), ("gra", "гра"), ("tel", "тел"), ("dor", "дор"),
             ("ka", "ка"), ("lin", "лин"), ("vel", "вел"), ("nor", "нор"), ("bi", "би"),
             ("tor", "тор"), ("gen", "ген"), ("mo", "мо"), ("ska", "ска"), ("vin", "вин")]
CITIES = {
    "ru": ["Москве", "Минске", "Киеве", "Питере", "Казани", "Новосибирске", "Сочи"],
    "uk": ["Києві", "Львові", "Одесі", "Харкові", "Дніпрі", "Вінниці"],
    "be": ["Мінску", "Гродне", "Брэсце", "Гомелі", "Віцебску", "Магілёве"],
    "en": ["London", "Berlin", "Warsaw", "New York", "Vilnius", "Kyiv"],
}
CITY_QUERY = {"ru": ["Москва", "Минск", "Киев", "Казань"], "uk": ["Київ", "Львів", "Одеса"],
              "be": ["Мінск", "Гродна", "Брэст"], "en": ["London", "Berlin", "Warsaw"]}
PRODUCTS = {
    "ru": ["кофе", "латте", "капучино", "круассан", "доставку", "кроссовки", "смартфон",
           "крем для лица", "пиццу", "бургер", "подписку", "наушники"],
    "uk": ["каву", "лате", "капучино", "круасан", "доставку", "кросівки", "смартфон",
           "крем для обличчя", "піцу", "бургер", "підписку", "навушники"],
    "be": ["каву", "латэ", "капучына", "круасан", "дастаўку", "красоўкі", "смартфон",
           "крэм для твару", "піцу", "бургер", "падпіску", "навушнікі"],
    "en": ["coffee", "latte", "cappuccino", "croissant", "delivery", "sneakers",
           "smartphone", "face cream", "pizza", "burger", "subscription", "headphones"],
}
# Words that frame a mention; the same words appear in queries' AND and NEAR parts.
CONTEXT = {
    "ru": ["доставка", "отзыв", "кофейня", "скидка", "магазин", "заказ"],
    "uk": ["доставка", "відгук", "кав'ярня", "знижка", "магазин", "замовлення"],
    "be": ["дастаўка", "водгук", "кавярня", "зніжка", "крама", "заказ"],
    "en": ["delivery", "review", "coffee shop", "discount", "store", "order"],
}
NEGATIVE = ["вакансия", "вакансія", "вакансія", "розыгрыш", "конкурс", "job", "giveaway",
            "бесплатно", "безкоштовно", "бясплатна"]
MENTION_FRAMES = {
    "ru": ["Заказали {product} в {brand}, {context} быстрая", "Были в {brand} в {city}",
           "Кто пробовал {product} от {brand}?", "{brand} опять подняли цены",
           "Отличный {context} у {brand}", "#{tag} лучший {product} в {city}"],
    "uk": ["Замовили {product} у {brand}, {context} швидка", "Були в {brand} у {city}",
           "Хто куштував {product} від {brand}?", "{brand} знову підняли ціни",
           "Чудовий {context} від {brand}", "#{tag} найкраща {product} у {city}"],
    "be": ["Замовілі {product} у {brand}, {context} хуткая", "Былі ў {brand} у {city}",
           "Хто спрабаваў {product} ад {brand}?", "{brand} зноў паднялі цэны",
           "Добры {context} у {brand}", "#{tag} найлепшая {product} у {city}"],
    "en": ["Ordered {product} from {brand}, {context} was fast", "Went to {brand} in {city}",
           "Anyone tried the {product} at {brand}?", "{brand} raised prices again",
           "Great {context} from {brand}", "#{tag} best {product} in {city}"],
}
EXTRAS = {
    "ru": ["В {city} открылась новая кофейня", "Купила {product} со скидкой",
           "Пишите в директ, ответим на все вопросы"],
    "uk": ["У {city} відкрилася нова кав’ярня", "Купила {product} зі знижкою",
           "Сім'я в захваті, п'ятниця вдалася"],
    "be": ["У {city} адкрылася новая кавярня", "Купіла {product} са зніжкай",
           "Сям'я ў захапленні, п'ятніца ўдалася"],
    "en": ["New coffee shop opened in {city}", "Got {product} on discount",
           "Don't miss it, it's the best place around"],
}
EMOJI = ["🔥", "😍", "☕", "👍", "🙏", "😡", "✨", "🎉"]
SOURCES = ["telegram", "vk", "rss", "mastodon", "bluesky", "youtube"]
LOOKALIKE = {"о": "o", "е": "e", "а": "a", "с": "c", "р": "p"}
# Cyrillic endings a brand name takes in a sentence.
ENDINGS = {"ru": ["", "", "е", "у", "а", "ом"], "uk": ["", "", "і", "у", "а", "ом"],
           "be": ["", "", "е", "у", "а", "ам"], "en": [""]}


def corpus() -> dict[str, list[str]]:
    """The project's real-looking comments, by language."""
    texts: dict[str, list[str]] = {lang: [] for lang in LANGS}
    audience = json.loads((ROOT / "sandbox" / "data" / "audience.json").read_text("utf-8"))
    for lang, data in audience["languages"].items():
        for comments in data["comments"].values():
            texts[lang] += comments
    for lang in LANGS:
        path = ROOT / "nlp" / "data" / f"labelled_{lang}.jsonl"
        texts[lang] += [json.loads(line)["text"] for line in path.read_text("utf-8").split("\n")
                        if line.strip()]
    return texts


class Brand:
    def __init__(self, parts: list[tuple[str, str]]):
        self.latin = "".join(p[0] for p in parts).capitalize()
        self.cyrillic = "".join(p[1] for p in parts).capitalize()


def brands(rng: random.Random, n: int, texts: dict[str, list[str]]) -> list[Brand]:
    """``n`` made-up names that no word of the corpus starts like, and whose forms are no
    word of it (so "Тортами" and "Котами", which are words, and "Котор*", which would find
    "которую", are not brands)."""
    from smmdesk.listening.query.morph import word_forms
    from smmdesk.listening.query.text import tokens

    words = {w for lang in texts.values() for t in lang for w in tokens(t)}
    for lang in LANGS:
        for group in (CITIES, PRODUCTS, CONTEXT, MENTION_FRAMES, EXTRAS):
            words.update(w for t in group[lang] for w in tokens(t))
    taken = {w[:k] for w in words for k in range(5, len(w) + 1)}
    seen: set[str] = set()
    out = []
    while len(out) < n:
        parts = rng.sample(SYLLABLES, rng.choice((3, 3, 3, 4)))
        brand = Brand(parts)
        stems = (brand.latin.lower()[:5], brand.cyrillic.lower()[:5])
        if (brand.latin not in seen and len(brand.latin) >= 6
                and not taken.intersection(stems)
                and words.isdisjoint(word_forms(brand.cyrillic.lower()))):
            seen.add(brand.latin)
            out.append(brand)
    return out


def query_for(rng: random.Random, b: Brand, lang: str) -> str:
    """One query about brand ``b``, in one of the shapes people write."""
    L, C = b.latin, b.cyrillic
    ctx = rng.sample(CONTEXT[lang], 2)
    ctx_q = [f'"{c}"' if " " in c else c for c in ctx]
    neg = rng.sample(NEGATIVE, 2)
    shape = rng.random()
    if shape < 0.25:
        return f"{L} OR {C}"
    if shape < 0.40:
        return f'({L} OR {C} OR "{L} {rng.choice(PRODUCTS["en"])}") NOT ({neg[0]} OR {neg[1]})'
    if shape < 0.52:
        return f"({L} OR {C}) AND ({ctx_q[0]} OR {ctx_q[1]})"
    if shape < 0.62:
        return f"({L} OR {C}) NEAR/{rng.randint(2, 6)} ({ctx_q[0]} OR {ctx_q[1]})"
    if shape < 0.70:
        return f"{C[:max(5, len(C) - 2)]}* OR {L}"
    if shape < 0.78:
        return f'#{L.lower()} OR "{C} {rng.choice(CITY_QUERY[lang])}" OR @{L.lower()}_official'
    if shape < 0.84:
        other = "lang:uk OR lang:be" if lang in ("uk", "be") else f"lang:{lang}"
        return f"({L} OR {C}) ({other})"
    if shape < 0.90:
        return f"{L} OR {C} NOT source:{rng.choice(SOURCES)}"
    if shape < 0.95:
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        return f"({L} OR {C}) since:{day.isoformat()}"
    return f"{C} OR {L} OR author:@{L.lower()}_official {C}"


def topic_query(rng: random.Random, lang: str) -> str:
    """A broad query with no brand in it: a place and a kind of business."""
    city = rng.choice(CITY_QUERY[lang])
    ctx = rng.choice(CONTEXT[lang])
    ctx = f'"{ctx}"' if " " in ctx else ctx
    return f"{city} NEAR/{rng.randint(2, 5)} {ctx} NOT {rng.choice(NEGATIVE)}"


def make_queries(rng: random.Random, n: int, with_query: list[Brand]) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
        text = (topic_query(rng, lang) if rng.random() < 0.005
                else query_for(rng, with_query[i % len(with_query)], lang))
        out.append((f"q{i}", text))
    return out


def mention(rng: random.Random, b: Brand, lang: str) -> str:
    r = rng.random()
    if lang == "en" or r < 0.35:
        name = b.latin if rng.random() < 0.8 else b.latin.upper()
    else:
        name = b.cyrillic + rng.choice(ENDINGS[lang])
    frame = rng.choice(MENTION_FRAMES[lang])
    return frame.format(brand=name, product=rng.choice(PRODUCTS[lang]),
                        context=rng.choice(CONTEXT[lang]), city=rng.choice(CITIES[lang]),
                        tag=b.latin.lower())


def lookalike(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c in LOOKALIKE]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + LOOKALIKE[text[i]] + text[i + 1:]


def make_posts(rng: random.Random, n: int, texts: dict[str, list[str]], with_query: list[Brand],
               without: list[Brand]) -> list[tuple[str, dict]]:
    posts = []
    for k in range(n):
        lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
        target = min(1500, max(30, int(rng.lognormvariate(math.log(190), 0.55))))
        parts: list[str] = []
        r = rng.random()
        if r < 0.04:
            parts.append(mention(rng, rng.choice(with_query), lang))
        elif r < 0.09:
            parts.append(mention(rng, rng.choice(without), lang))
        if rng.random() < 0.15:
            parts.append(rng.choice(EXTRAS[lang]).format(
                city=rng.choice(CITIES[lang]), product=rng.choice(PRODUCTS[lang])))
        size = sum(map(len, parts))
        while size < target:
            part = rng.choice(texts[lang])
            parts.append(part)
            size += len(part) + 1
        rng.shuffle(parts)
        if rng.random() < 0.3:
            parts.append(rng.choice(EMOJI))
        if rng.random() < 0.2:
            parts.append("#" + rng.choice(PRODUCTS["en"]).replace(" ", ""))
        text = " ".join(parts)
        if lang != "en" and rng.random() < 0.02:
            text = lookalike(rng, text)
        meta = {"language": lang, "source": rng.choice(SOURCES),
                "author": f"user{rng.randrange(50_000)}",
                "published_at": date(2023, 6, 1) + timedelta(days=rng.randrange(730))}
        posts.append((text, meta))
        if (k + 1) % 50_000 == 0:
            print(f"listening: generated {k + 1} posts", file=sys.stderr)
    return posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args()
    from smmdesk.listening.query.matcher import Matcher

    rng = random.Random(args.seed)
    texts = corpus()
    all_brands = brands(rng, args.queries + args.queries // 2, texts)
    with_query, without = all_brands[:args.queries], all_brands[args.queries:]
    queries = make_queries(rng, args.queries, with_query)
    posts = make_posts(rng, args.posts, texts, with_query, without)
    lengths = sorted(len(t) for t, _m in posts)
    print(f"listening: {len(posts)} posts, median {lengths[len(lengths) // 2]} characters",
          file=sys.stderr)

    from smmdesk.listening.query import morph

    for cached in (morph.word_forms, getattr(morph, "_forms", None)):  # brands() used them
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()
    started = time.perf_counter()
    matcher = Matcher(queries)
    print(f"listening: compiled {len(queries)} queries in {time.perf_counter() - started:.2f}s "
          f"(every word's forms made afresh) "
          f"({matcher.trigger_keys} trigger words and prefixes)", file=sys.stderr)
    for text, meta in posts[:2000]:  # warm up
        matcher.match(text, **meta)

    latencies = [0] * len(posts)
    matched = total = 0
    clock = time.perf_counter_ns
    match = matcher.match
    started, cpu = time.perf_counter(), time.process_time()
    for k, (text, meta) in enumerate(posts):
        t0 = clock()
        found = match(text, **meta)
        latencies[k] = clock() - t0
        if found:
            matched += 1
            total += len(found)
        if (k + 1) % 50_000 == 0:
            print(f"listening: matched {k + 1} posts", file=sys.stderr)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] / 1000
    sample = posts[:20_000]
    from smmdesk.listening.query.text import matching_text

    candidates = sum(len(matcher.candidates(matching_text(t))) for t, _m in sample) / len(sample)
    print(f"listening: {matched} posts ({matched / len(posts):.1%}) matched a query, "
          f"{total} matches in all; {candidates:.2f} candidate queries evaluated per post; "
          f"median {latencies[len(latencies) // 2] / 1000:.1f} µs; "
          f"{len(posts) / cpu:.0f} posts a CPU second (wall {elapsed:.1f}s, CPU {cpu:.1f}s)",
          file=sys.stderr)
    print(f"listening: queries={len(queries)} posts={len(posts)} "
          f"posts_per_s={len(posts) / elapsed:.0f} p99_us={p99:.0f}")


if __name__ == "__main__":
    main()

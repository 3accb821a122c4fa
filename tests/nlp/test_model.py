"""The fast text model: what it says of clear examples in each language, its confidences,
and how it is trained once, cached, and retrained when managers correct it."""

from __future__ import annotations

import pytest

from smmdesk.nlp import model
from smmdesk.nlp.model import Example, TextModel, cache_dir, fingerprint, get_model, training_set


@pytest.mark.parametrize("text, language, sentiment, intent", [
    ("Де моє замовлення? Третій тиждень чекаю, жах", "uk", "negative", "complaint"),
    ("Дякую, кава неймовірна! Ви найкращі", "uk", "positive", "praise"),
    ("Скільки коштує доставка до Львова?", "uk", "neutral", "question"),
    ("Хочу замовити два пакети, як оплатити?", "uk", "neutral", "purchase"),
    ("Заробіток від 500$ на день, пиши в особисті", "uk", "neutral", "spam"),
    ("Спасибо, кофе потрясающий! Вы лучшие", "ru", "positive", "praise"),
    ("Сколько стоит доставка в Москву?", "ru", "neutral", "question"),
    ("Заказ пришёл разбитым, деньги не вернули, ужасный сервис", "ru", "negative", "complaint"),
    ("Хочу заказать две пачки, как оплатить?", "ru", "neutral", "purchase"),
    ("Дзякуй, кава цудоўная! Вы найлепшыя", "be", "positive", "praise"),
    ("Колькі каштуе дастаўка ў Мінск?", "be", "neutral", "question"),
    ("Замова прыйшла разбітай, грошы не вярнулі, жахлівы сэрвіс", "be", "negative",
     "complaint"),
    ("Thank you, the coffee is amazing! You are the best", "en", "positive", "praise"),
    ("How much is delivery to London?", "en", "neutral", "question"),
    ("My order arrived broken and nobody answers, terrible service", "en", "negative",
     "complaint"),
    ("I want to order two bags, how do I pay?", "en", "neutral", "purchase"),
    ("Earn 500$ a day from home, dm me http://bit.ly/x", "en", "neutral", "spam"),
])
def test_clear_examples_get_their_language_sentiment_and_intent(held_out_model, text,
                                                                 language, sentiment, intent):
    p = held_out_model.predict([text])[0]
    assert (p.language, p.sentiment, p.intent) == (language, sentiment, intent)


def test_insults_are_toxic_with_the_words_found_and_polite_texts_are_not(held_out_model):
    rude, polite = held_out_model.predict(["ти ідіот, верніть гроші",
                                           "Дякую, все прийшло вчасно"])
    assert rude.toxic and rude.profanity == ["ідіот"] and rude.confidence["toxic"] >= 0.95
    assert not polite.toxic and polite.profanity == []


def test_letters_of_one_alphabet_overrule_the_language_head(held_out_model):
    p = held_out_model.predict(["Ўсё добра"])[0]
    assert p.language == "be" and p.confidence["language"] >= 0.99


def test_confidences_are_probabilities_for_every_task(held_out_model):
    texts = [e.text for e in model.labelled("test")[::10]] + ["", "+", "👍", "?!", "a" * 2000]
    predictions = held_out_model.predict(texts)
    assert len(predictions) == len(texts)
    for p in predictions:
        assert set(p.confidence) == {"language", "sentiment", "intent", "toxic"}
        assert all(0.0 <= c <= 1.0 for c in p.confidence.values()), p
        assert p.language in (*model.LANGUAGES, "other")
        assert p.sentiment in model.SENTIMENTS and p.intent in model.INTENTS
        assert p.as_dict() == {"language": p.language, "sentiment": p.sentiment,
                               "intent": p.intent, "toxic": p.toxic,
                               "confidence": p.confidence}


def test_an_empty_batch_is_answered_without_work(held_out_model):
    assert held_out_model.predict([]) == []


def test_an_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="unknown model variant"):
        TextModel("huge")


def test_the_model_is_trained_once_then_served_from_memory_and_from_disk(small_labelled,
                                                                          fits):
    first = get_model("fast")
    assert get_model("fast") is first
    assert len(fits) == 1 and len(fits[0]) == len(small_labelled)

    cached = list(cache_dir().glob("fast-*.joblib"))
    assert [p.name for p in cached] == [f"fast-{fingerprint(training_set(), 'fast')}.joblib"]

    model._loaded.clear()  # as a fresh process would start
    again = get_model("fast")
    assert again is not first and len(fits) == 1
    texts = ["Скільки коштує доставка?", "Thank you!"]
    assert [p.as_dict() for p in again.predict(texts)] == \
        [p.as_dict() for p in first.predict(texts)]


def test_the_fingerprint_follows_every_label_and_weight():
    base = Example("Скільки коштує?", "uk", "neutral", "question", False)
    seen = {fingerprint([base], "fast"), fingerprint([base], "accurate")}
    for changed in [Example("Скільки коштує?!", "uk", "neutral", "question", False),
                    Example("Скільки коштує?", "ru", "neutral", "question", False),
                    Example("Скільки коштує?", "uk", "negative", "question", False),
                    Example("Скільки коштує?", "uk", "neutral", "purchase", False),
                    Example("Скільки коштує?", "uk", "neutral", "question", True),
                    Example("Скільки коштує?", "uk", "neutral", "question", False, weight=2.0)]:
        seen.add(fingerprint([changed], "fast"))
    assert len(seen) == 8
    assert fingerprint([base], "fast") == fingerprint([base], "fast")


TEXT = "Зерно сорок два, будь ласка"


def test_a_correction_retrains_the_model_which_then_learns_it(small_labelled, fits):
    before = get_model("fast").predict([TEXT])[0]
    assert (before.language, before.intent, before.toxic) != ("be", "spam", True)

    fix = Example(TEXT, "be", "positive", "spam", True, weight=2.0)
    assert fingerprint(training_set([fix]), "fast") != fingerprint(training_set(), "fast")
    corrected = get_model("fast", [fix])
    after = corrected.predict([TEXT])[0]
    assert (after.language, after.sentiment, after.intent, after.toxic) == \
        ("be", "positive", "spam", True)
    assert len(fits) == 2 and fits[1][-1] == fix

    assert get_model("fast", [fix]) is corrected and len(fits) == 2
    assert list(model._loaded) == [f"fast:{fingerprint(training_set([fix]), 'fast')}"]
    assert len(list(cache_dir().glob("fast-*.joblib"))) == 1  # the stale file is gone


class Accurate:
    """Stands in for the accurate model: records what it is asked, answers "spam"."""

    def __init__(self):
        self.asked: list[str] = []

    def predict(self, texts):
        self.asked += texts
        return [model.Prediction("en", "neutral", "spam", False,
                                 {"language": 1.0, "sentiment": 1.0, "intent": 1.0,
                                  "toxic": 1.0}) for _ in texts]


def test_the_cascade_asks_the_accurate_model_only_where_the_fast_one_is_unsure(
        held_out_model):
    texts = [e.text for e in model.labelled("test")[::5]]
    fast = held_out_model.predict(texts)
    unsure = [t for t, p in zip(texts, fast, strict=True) if model.cascade_unsure(p)]
    assert 0 < len(unsure) < len(texts)
    cascade, accurate = TextModel("cascade"), Accurate()
    cascade.parts = {"fast": held_out_model, "accurate": accurate}
    answers = cascade.predict(texts)
    assert accurate.asked == unsure
    for t, f, a in zip(texts, fast, answers, strict=True):
        said = accurate.predict([t])[0] if t in unsure else f
        assert (a.sentiment, a.intent) == (said.sentiment, said.intent)
        assert (a.language, a.toxic, a.profanity) == (f.language, f.toxic, f.profanity)
        assert a.confidence == {**f.confidence, "sentiment": said.confidence["sentiment"],
                                "intent": said.confidence["intent"]}


def test_the_cascade_is_made_of_the_cached_fast_and_accurate_models(small_labelled,
                                                                     monkeypatch):
    trained = []
    real_train = model.train

    def spy(examples, variant="fast"):
        trained.append(variant)
        if variant == "accurate":
            return Accurate()
        return real_train(examples, variant)

    monkeypatch.setattr(model, "train", spy)
    cascade = model.train(training_set(), "cascade")
    assert trained == ["cascade", "fast", "accurate"]
    assert cascade.parts["fast"].variant == "fast"
    assert [p.name for p in cache_dir().glob("*.joblib")] == \
        [f"fast-{fingerprint(training_set(), 'fast')}.joblib"]
    assert isinstance(cascade.parts["accurate"], Accurate)


def test_the_calibration_error_weighs_each_bins_gap_by_its_size():
    from smmdesk.nlp.selection import Bin, calibration_error

    bins = [Bin(0.5, 0.6, 10, 0.55, 0.45), Bin(0.9, 1.0, 30, 0.95, 0.95)]
    assert calibration_error(bins) == pytest.approx(0.1 * 10 / 40)
    assert calibration_error([]) == 0.0


def _pred(sentiment, intent, conf, toxic=False):
    return model.Prediction("ru", sentiment, intent, toxic,
                            {"language": 1.0, "sentiment": conf, "intent": conf,
                             "toxic": conf})


def test_an_action_threshold_is_the_least_confidence_right_often_enough_above_it():
    from smmdesk.nlp.selection import action_threshold, reliability

    gold = [Example(str(i), "ru", "neutral", "purchase" if i % 10 else "question", False)
            for i in range(100)]
    # Sure answers (0.9) are right 9 times in 10; unsure ones (0.4) half the time.
    preds = [_pred("neutral", "purchase", 0.9 if i < 50 else 0.4) for i in range(100)]
    for i in range(50, 100, 2):
        gold[i] = Example(str(i), "ru", "neutral", "question", False)
    check = action_threshold(gold, preds, "lead")
    assert check.threshold == pytest.approx(0.45) and check.acted == 50
    assert check.precision == pytest.approx(0.9)
    assert action_threshold(gold, preds, "lead", target=0.95).threshold is None
    bins = reliability(gold, preds, "intent")
    assert [(b.n, round(b.accuracy, 2)) for b in bins] == [(50, 0.5), (50, 0.9)]


def test_heads_given_the_cues_see_more_columns_than_the_others(small_labelled, monkeypatch):
    monkeypatch.setitem(model.CUE_HEADS, "fast", ("sentiment", "toxic"))
    monkeypatch.setattr(model, "NEGATION", True)
    cued = TextModel("fast").fit(small_labelled)
    width = {task: cued.heads[task].coef_.shape[1] for task in ("sentiment", "intent", "toxic")}
    assert width["sentiment"] == width["toxic"] > width["intent"] == cued.features.core
    [p] = cued.predict(["Не дуже смачно((( 👎"])
    assert p.sentiment in model.SENTIMENTS and 0.0 <= p.confidence["sentiment"] <= 1.0

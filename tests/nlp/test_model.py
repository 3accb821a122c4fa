"""The fast text model: what it says of clear examples in each language, its confidences,
and how it is trained once, cached, and retrained when managers correct it."""

from __future__ import annotations

import pytest

from smmdesk.nlp import model
from smmdesk.nlp.model import Example, TextModel, cache_dir, fingerprint, get_model, training_set
from smmdesk.nlp.service import classify


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


@pytest.mark.django_db
def test_classify_learns_from_the_corrections_saved_in_the_inbox(small_labelled, fits,
                                                                 workspace, owner):
    from smmdesk.nlp.models import Correction

    Correction.objects.create(workspace=workspace, text=TEXT, language="be",
                              sentiment="positive", intent="spam", toxic=True,
                              created_by=owner)
    [p] = classify([TEXT], variant="fast")
    assert (p.language, p.sentiment, p.intent, p.toxic) == ("be", "positive", "spam", True)
    assert fits[0][-1] == Example(TEXT, "be", "positive", "spam", True, weight=2.0)

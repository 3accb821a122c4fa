"""Text as the models see it (normalize.model_text, signals) and the letters that settle a
language on their own (model.script_language)."""

from __future__ import annotations

import pytest

from smmdesk.nlp.cues import address_row, cue_rows, emoji_row, negation_text, punctuation_row
from smmdesk.nlp.model import has_letters, script_language
from smmdesk.nlp.normalize import model_text, signals


def test_model_text_lowers_and_turns_links_emails_and_phones_into_tokens():
    text = "Пиши на Olena@zerno.ua або заходь на https://zerno.ua/shop?x=1, тел. +380 67 123 45 67"
    out = model_text(text)
    assert out.split() == ["пиши", "на", "emailtoken", "або", "заходь", "на", "urltoken",
                           "тел.", "phonetoken"]


@pytest.mark.parametrize("link", ["https://zerno.ua/shop", "http://x.com", "www.example.org",
                                  "bit.ly/abc", "zerno.shop", "promo.xyz/win"])
def test_links_with_or_without_a_scheme_become_one_token(link):
    assert model_text(f"дивись {link} швидко") == "дивись  urltoken  швидко"


def test_runs_of_one_letter_are_cut_to_two_and_punctuation_is_kept():
    assert model_text("СУПЕРРРР!!!") == "суперр!!!"
    assert model_text("дякуююююю") == "дякуюю"
    assert model_text("class") == "class"


def test_latin_lookalikes_are_mapped_back_in_cyrillic_words_only():
    assert model_text("xyйня") == "хуйня"
    assert model_text("п0шёл") == "пошёл"
    assert model_text("3ае6ал") == "заебал"
    assert model_text("Hello Kyiv, тест ok") == "hello kyiv, тест ok"


def test_model_text_normalises_compatibility_characters():
    assert model_text("ｆｕｌｌ ｗｉｄｔｈ") == "full width"


def test_signals_find_links_emails_phones_and_count_emoji_and_letters():
    assert signals("Great coffee 👍🔥") == {"link": False, "email": False, "phone": False,
                                           "emoji": 2, "letters": 11}
    assert signals("бонус тут bit.ly/x")["link"] is True
    assert signals("пиши olena@zerno.ua")["email"] is True
    assert signals("дзвоніть +380 67 123 45 67")["phone"] is True
    assert signals("звоните 067 123 45 67")["phone"] is True
    assert signals("12345")["letters"] == 0


@pytest.mark.parametrize("text", ["Ціна 2024 - 2025 рр.", "замовлення №123456", "3 x 500 г",
                                  "Дякую, все чудово"])
def test_plain_texts_carry_no_link_email_or_phone(text):
    s = signals(text)
    assert (s["link"], s["email"], s["phone"]) == (False, False, False)


def test_has_letters_counts_emoji_as_content_but_not_digits_and_signs():
    assert has_letters("ok")
    assert has_letters("👍")
    assert not has_letters("+ 100500 ?!")


@pytest.mark.parametrize("text, language", [
    ("Дзякуй за каву, вельмі смачна ўсё", "be"),
    ("ЎСЁ СУПЕР", "be"),
    ("Dziakuj, kava smačnaja ŭsio", "be"),
    ("Дякую, їжа чудова", "uk"),
    ("Є питання щодо доставки", "uk"),
    ("ґанок", "uk"),
    ("ЇЖА", "uk"),
    ("Dzięki, świetna kawa", "other"),
    ("Kahve çok güzel", "other"),
    ("SCHÖNE GRÜSSE", "other"),
    ("¿Dónde está?", "other"),
    ("Рақмет, өте жақсы", "other"),
    ("Хвала, одлична кафа, ђак", "other"),
])
def test_letters_of_one_alphabet_settle_the_language(text, language):
    assert script_language(text) == language


@pytest.mark.parametrize("text", [
    "Спасибо, всё отлично",  # ё and ы are Russian and Belarusian
    "Дякую, все добре",  # і without ї, є or ґ: Ukrainian or Belarusian
    "Thank you",
    "I LOVE IT",  # capital I is not the Turkish dotless ı
    "+ 100 👍",
    "",
])
def test_texts_without_such_letters_are_left_to_the_model(text):
    assert script_language(text) is None


@pytest.mark.parametrize("text, marked", [
    ("Кава не дуже смачна, але ок", "NEG_дуже NEG_смачна"),
    ("ещё ни разу не разочаровали!", "NEG_разу NEG_не NEG_разочаровали"),
    ("I don't like it. Love the cups though", "NEG_like NEG_it"),
    ("Never again will I order here", "NEG_again NEG_will NEG_i"),
    ("Жодного разу не пошкодувала", "NEG_разу NEG_не NEG_пошкодувала"),
    ("Кава смачна", ""),
])
def test_negation_marks_the_few_words_after_a_negator_up_to_punctuation(text, marked):
    assert negation_text(model_text(text)) == marked


def test_emoji_are_counted_by_polarity():
    assert emoji_row("Супер 👍🔥") == [2 / 3, 0.0, 1.0, 0.0]
    assert emoji_row("👎😡") == [0.0, 2 / 3, 0.0, 1.0]
    assert emoji_row("🤔") == [0.0, 0.0, 0.0, 0.0]


def test_punctuation_cues_find_shouting_smiles_and_frowns():
    assert punctuation_row("ДОСТАВКА ЗНОВУ ЗАПІЗНИЛАСЬ?!")[1] == 1.0
    assert punctuation_row("ДОСТАВКА ЗНОВУ ЗАПІЗНИЛАСЬ?!")[7] == 1.0
    smiles, frowns = punctuation_row("спасибо)))"), punctuation_row("опять не привезли((")
    assert (smiles[3], smiles[4]) == (1.0, 0.0) and (frowns[3], frowns[4]) == (0.0, 1.0)
    assert punctuation_row("Дякую, все добре") == [0.0] * 9


def test_an_insult_is_told_from_an_exclamation_by_a_second_person_word():
    assert address_row("ти ідіот, верніть гроші") == [1.0, 0.0, 1.0]
    assert address_row("бля, знову дощ") == [0.0, 1.0, 0.0]
    assert address_row("Дякую вам!") == [0.0, 0.0, 1.0]


def test_cue_rows_stack_the_chosen_cues_per_text():
    m = cue_rows(["👍", "ok"], ("emoji", "address"))
    assert m.shape == (2, 7)
    assert cue_rows(["👍"], ("emoji",)).toarray().tolist() == [emoji_row("👍")]

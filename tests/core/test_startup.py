"""``smmdesk run``'s first start: each step on its own line with what it does and how long
it took; the demo workspace's own words in the language of the person who makes it."""

from __future__ import annotations

import io
import re

import pytest
import regex
from django.core.management import call_command

from smmdesk.accounts.models import User, Workspace
from smmdesk.content.models import Campaign, HashtagGroup, Rubric, Snippet
from smmdesk.core.demo import DEMO_SLUG, TEXTS, demo_create, demo_language
from smmdesk.core.startup import startup_steps
from smmdesk.inbox.models import Message, Rule, SavedReply
from smmdesk.nlp import model
from smmdesk.sandbox import network
from smmdesk.team.models import Task
from tests.fakes import pin_model

pytestmark = pytest.mark.django_db
TIMED = re.compile(r"^  \S.* in \d+\.\d s$")


def _lines(**kwargs) -> list[str]:
    out = io.StringIO()
    startup_steps(lambda line: out.write(line + "\n"), **kwargs)
    return out.getvalue().splitlines()


def test_the_first_start_prints_each_step_and_its_time(monkeypatch):
    monkeypatch.setattr(model, "base_model_ready", lambda variant=None: False)
    lines = _lines(language="ru")
    assert lines[0] == "Preparing the database (1/4)…"
    assert TIMED.match(lines[1]) and "up to date" in lines[1]
    assert lines[2] == "Building the demo workspace in Russian (2/4)…"
    demo = lines[3:lines.index(next(x for x in lines[3:] if TIMED.match(x)))]
    assert re.search(r"^  · \d+ posts published over the last 365 days, \d+ comments",
                     "\n".join(demo), re.M)
    assert any(re.match(r"^  · \d+ posts scheduled for the next two weeks$", x) for x in demo)
    examples = len(model.training_set())
    assert lines[-1].startswith(f"Training the text model on {examples} examples (3/4): in "
                                "the background after the server starts")
    # Nothing waited for the model: the comments stay on the network for the worker.
    assert Workspace.objects.filter(slug=DEMO_SLUG).exists()
    assert not Message.objects.exists()


def test_a_second_start_says_what_is_there_already(monkeypatch):
    monkeypatch.setattr(model, "base_model_ready", lambda variant=None: True)
    _lines(language="en")
    lines = _lines(language="en")
    assert lines[2:] == ["Demo workspace (2/4): already there",
                         "Text model (3/4): trained before, the worker loads it"]
    assert _lines(demo=False)[2] == "Demo workspace (2/4): skipped (--no-demo)"


def test_the_demo_made_in_russian_speaks_russian(monkeypatch):
    pin_model(monkeypatch, {})  # the inbox is not what this reads
    call_command("demo", language="ru", stdout=io.StringIO())
    ws = Workspace.objects.get(slug=DEMO_SLUG)
    assert ws.language == "ru" and ws.name == "Обжарочная Zerno (демо)"
    assert User.objects.get(email="demo@smmdesk.local").language == "ru"
    assert sorted(Rubric.objects.filter(workspace=ws).values_list("name", flat=True)) == [
        "О команде", "Полезное", "Продающее", "Развлекательное"]
    assert Rule.objects.get(workspace=ws).name == "Скрывать спам"
    assert set(SavedReply.objects.filter(workspace=ws).values_list("name", flat=True)) == {
        "Благодарность · EN", "Благодарность · UK", "Благодарность · BE",
        "Благодарность · RU", "Извинение · EN", "Извинение · UK", "Извинение · BE",
        "Извинение · RU", "Как заказать"}
    assert SavedReply.objects.get(workspace=ws, name="Как заказать").text.startswith(
        "{name}, заказать можно здесь")
    assert Campaign.objects.get(workspace=ws).name == "Запуск зимнего бленда"
    assert set(HashtagGroup.objects.filter(workspace=ws).values_list("name", flat=True)) == {
        "Бренд", "Минск", "Новые лоты"}
    assert set(Snippet.objects.filter(workspace=ws).values_list("name", flat=True)) == {
        "Ссылка на магазин", "Наш кофе"}
    assert Task.objects.filter(workspace=ws, title="Фото новых пачек").exists()
    # Every name the workspace shows is Russian: no Latin word but the brand and a code.
    names = [*Rubric.objects.filter(workspace=ws).values_list("name", flat=True),
             *SavedReply.objects.filter(workspace=ws).values_list("name", flat=True),
             *Snippet.objects.filter(workspace=ws).values_list("name", flat=True),
             *Task.objects.filter(workspace=ws).exclude(title="").values_list("title",
                                                                                flat=True)]
    latin = {w for n in names for w in regex.findall(r"\p{Latin}+", n)}
    assert latin <= {"EN", "UK", "BE", "RU"}


@pytest.mark.parametrize("language", ["en", "ru", "uk", "be"])
def test_every_language_has_every_demo_text(language):
    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return type(value).__name__

    assert shape(TEXTS[language]) == shape(TEXTS["en"])
    assert "{name}" in TEXTS[language]["order_reply"]


def test_the_creator_language_comes_from_the_option_the_setting_then_the_locale(
        settings, monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    settings.SMMDESK_LANGUAGE = ""
    assert demo_language() == "en"
    monkeypatch.setenv("LANG", "uk_UA.UTF-8")
    assert demo_language() == "uk"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # says nothing about the language
    assert demo_language() == "uk"
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")  # a language smmdesk does not speak
    assert demo_language() == "en"
    settings.SMMDESK_LANGUAGE = "be"
    assert demo_language() == "be"
    assert demo_language("ru") == "ru"


# What the audience may name, per language: each must be something the demo brand sells.
PRODUCTS = {
    "en": ("ethiop", "kenya", "colomb", "brazil", "guatemal", "rwand", "decaf", "blend",
           "subscri", "sample", "drip", "guji"),
    "ru": ("эфиоп", "кени", "колумб", "бразил", "гватемал", "руанд", "декаф", "смес",
           "подписк", "сэмпл", "дрип", "гуджи"),
    "uk": ("ефіоп", "кені", "колумб", "бразил", "гватемал", "руанд", "декаф", "суміш",
           "підписк", "семпл", "дрип", "гуджі"),
    "be": ("эфіоп", "кені", "калумб", "бразіл", "гватэмал", "руанд", "дэкаф", "сумес",
           "падпіск", "сэмпл", "дрып", "гуджы"),
}


@pytest.mark.parametrize("language", ["en", "ru", "uk", "be"])
def test_the_audience_talks_about_the_demo_brands_own_coffees(language):
    catalogue = dict(TEXTS[language]["snippets"])[TEXTS[language]["snippets"][1][0]].lower()
    comments = [t.lower() for texts in network.corpus()[language]["comments"].values()
                for t in texts]
    named = {stem for stem in PRODUCTS[language] if any(stem in c for c in comments)}
    assert len(named) >= 6  # the audience does talk about the coffees
    assert {stem for stem in named if stem not in catalogue} == set()


def test_the_demo_without_reading_the_inbox_leaves_it_to_the_worker():
    demo_create(language="uk", read_inbox=False)
    ws = Workspace.objects.get(slug=DEMO_SLUG)
    assert Rule.objects.get(workspace=ws).name == "Приховувати спам"
    assert not Message.objects.filter(workspace=ws).exists()

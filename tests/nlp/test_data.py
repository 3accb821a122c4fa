"""The labelled set the models learn from and are scored on."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from smmdesk.nlp.model import DATA, INTENTS, LANGUAGES, SENTIMENTS, labelled


def test_each_language_has_at_least_150_examples_and_a_held_out_share():
    counts = Counter(e.lang for e in labelled())
    tests = Counter(e.lang for e in labelled("test"))
    for lang in LANGUAGES:
        assert counts[lang] >= 150, lang
        assert 0.2 <= tests[lang] / counts[lang] <= 0.4, lang


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_class_of_every_task_is_in_both_splits(lang, split):
    examples = [e for e in labelled(split) if e.lang == lang]
    assert {e.sentiment for e in examples} == set(SENTIMENTS)
    assert {e.intent for e in examples} == set(INTENTS)
    assert {e.toxic for e in examples} == {True, False}


def test_no_text_is_in_both_the_train_and_the_test_split():
    train = {e.text.strip().lower() for e in labelled("train")}
    test = {e.text.strip().lower() for e in labelled("test")}
    assert train & test == set()


def test_the_splits_partition_the_set_and_every_row_is_well_formed():
    assert len(labelled("train")) + len(labelled("test")) == len(labelled())
    ids = []
    for path in sorted(DATA.glob("labelled_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            ids.append(row["id"])
            assert row["text"].strip()
            assert row["lang"] in (*LANGUAGES, "other")
            assert path.name == f"labelled_{row['lang']}.jsonl"
            assert row["sentiment"] in SENTIMENTS
            assert row["intent"] in INTENTS
            assert isinstance(row["toxic"], bool)
            assert row["split"] in ("train", "test")
    assert len(ids) == len(set(ids)) == len(labelled())

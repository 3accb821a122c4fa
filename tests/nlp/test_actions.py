"""Knowing when we do not know: thresholds per action, and what counts as uncertain."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from smmdesk.nlp.actions import (
    confidence_confirmed,
    label_sure,
    labels_sure,
    labels_uncertain,
    lowest_threshold,
    message_acts,
    threshold,
)

THRESHOLDS = {"pin": 0.7, "alert": 0.8, "lead": 0.6, "hide": 0.9, "rule": 0.65}


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.SMMDESK_NLP_THRESHOLDS = dict(THRESHOLDS)


def test_each_action_has_its_own_threshold_and_an_unknown_one_is_refused():
    assert {a: threshold(a) for a in THRESHOLDS} == THRESHOLDS
    assert lowest_threshold() == 0.6
    with pytest.raises(ValueError, match="unknown action 'shout'"):
        threshold("shout")


@pytest.mark.parametrize("value, action, sure", [
    (0.69, "pin", False), (0.7, "pin", True), (0.79, "alert", False), (0.8, "alert", True),
    (0.85, "hide", False), (0.9, "hide", True), (0.6, "lead", True), (0.59, "lead", False),
])
def test_a_label_is_sure_from_its_actions_threshold_up(value, action, sure):
    assert label_sure(confidence={"intent": value}, task="intent", action=action) is sure


def test_a_label_without_a_confidence_counts_as_sure():
    """Set by a person, or stored before confidences were kept."""
    assert label_sure(confidence={}, task="intent", action="hide")
    assert label_sure(confidence=None, task="sentiment", action="pin")


def test_an_action_needs_every_label_it_reads():
    both = {"sentiment": 0.95, "intent": 0.75}
    assert labels_sure(confidence=both, action="pin")
    assert not labels_sure(confidence=both, action="alert")  # the intent is below 0.8
    assert labels_sure(confidence={"sentiment": 0.1, "intent": 0.75}, action="lead")
    assert not labels_sure(confidence={"toxic": 0.7}, action="hide", tasks=("toxic",))
    assert labels_sure(confidence={"toxic": 0.7}, action="hide", tasks=())


def test_uncertain_means_below_every_threshold_and_only_shown_labels_count():
    confidence = {"language": 0.3, "sentiment": 0.55, "intent": 0.65, "toxic": 0.99}
    assert labels_uncertain(confidence=confidence) == ["sentiment"]
    assert labels_uncertain(confidence={}) == []


def test_message_acts_reads_the_messages_confidence():
    unsure = SimpleNamespace(confidence={"sentiment": 0.9, "intent": 0.5})
    assert not message_acts(message=unsure, action="pin")
    assert message_acts(message=SimpleNamespace(confidence={"intent": 0.61}), action="lead")


def test_a_person_makes_labels_sure_and_keeps_the_others():
    confirmed = confidence_confirmed(confidence={"sentiment": 0.4, "intent": 0.5},
                                     tasks=["intent"])
    assert confirmed == {"sentiment": 0.4, "intent": 1.0}
    assert not labels_uncertain(confidence=confidence_confirmed(
        confidence=confirmed, tasks=["sentiment"]))

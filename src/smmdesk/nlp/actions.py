"""Knowing when we do not know: how sure the model must be of a label before smmdesk acts
on it by itself.

Each prediction carries, per task, the probability of the label it chose
(``Prediction.confidence``, also kept on ``Message.confidence``). An action (pin a
negative complaint on top, alert the team, make a lead, a moderation rule acting) needs
the labels it reads to reach its threshold (``settings.SMMDESK_NLP_THRESHOLDS``). A label
below the lowest threshold is *uncertain*: the inbox says so and a person settles it with
one key. A task with no confidence recorded counts as sure: a person set it (a correction
writes 1.0), or it was stored before confidences were.
"""

from __future__ import annotations

from django.conf import settings

ACTIONS = ("pin", "alert", "lead", "hide", "rule")
# The labels each automatic action reads (a rule reads those its conditions name).
ACTION_TASKS = {"pin": ("sentiment", "intent"), "alert": ("sentiment", "intent"),
                "lead": ("intent",)}
# The labels the inbox shows as badges, and so may mark as uncertain.
SHOWN_TASKS = ("sentiment", "intent", "toxic")
SURE = 1.0  # a person's correction


def threshold(action: str) -> float:
    """The least confidence ``action`` needs; unknown actions are refused."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {ACTIONS}")
    return float(settings.SMMDESK_NLP_THRESHOLDS[action])


def lowest_threshold() -> float:
    return min(threshold(a) for a in ACTIONS)


def label_sure(*, confidence: dict, task: str, action: str) -> bool:
    """Whether the model is sure enough of ``task``'s label to do ``action`` on its own."""
    value = (confidence or {}).get(task)
    return value is None or float(value) >= threshold(action)


def labels_sure(*, confidence: dict, action: str, tasks: tuple[str, ...] | None = None) -> bool:
    """All the labels ``action`` reads (``ACTION_TASKS``, or ``tasks``) are sure enough."""
    tasks = ACTION_TASKS.get(action, ()) if tasks is None else tasks
    return all(label_sure(confidence=confidence, task=t, action=action) for t in tasks)


def labels_uncertain(*, confidence: dict, tasks: tuple[str, ...] = SHOWN_TASKS) -> list[str]:
    """The tasks whose label is below every threshold: shown as "uncertain", no action
    is taken on them."""
    floor = lowest_threshold()
    return [t for t in tasks if (confidence or {}).get(t) is not None
            and float(confidence[t]) < floor]


def message_acts(*, message, action: str) -> bool:
    """Whether smmdesk acts on ``message`` (anything with ``.confidence``) for one of the
    fixed actions ("pin", "alert", "lead") without a person: its labels are sure enough."""
    return labels_sure(confidence=message.confidence, action=action)


def confidence_confirmed(*, confidence: dict, tasks) -> dict:
    """``confidence`` with ``tasks`` made sure: a person set these labels."""
    return {**(confidence or {}), **dict.fromkeys(tasks, SURE)}

"""Moderation rules: conditions on a message → actions.

Conditions (all that are given must hold; a list means "any of these")::

    {"keywords": ["giveaway", "розыгрыш"], "regex": "\\\\bbit\\\\.ly/",
     "languages": ["ru", "uk"], "sentiments": ["negative"], "intents": ["spam"],
     "toxic": true, "has_link": true, "has_phone": true, "has_email": true,
     "new_author": true, "channels": [3, 4], "kinds": ["comment"]}

Actions, in order::

    [{"do": "hide"}, {"do": "delete"}, {"do": "label", "label": "Spam"},
     {"do": "assign", "user": 7}, {"do": "status", "status": "spam"},
     {"do": "reply", "saved_reply": 2}, {"do": "notify", "user": 7}]

Hide, delete and reply act on the network, so they are queued and done by the worker;
the others are immediate. Everything a rule does is logged (``RuleAction``) and can be
undone where the network allows.

A condition on the model's labels (languages, sentiments, intents, toxic) holds only
when the model is sure of that label (nlp/actions.py): at the "hide" threshold for a rule
that acts on the network, at the "rule" threshold otherwise. A rule with
``act_on_uncertain`` takes any label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import regex
from django.utils.translation import gettext as _

from smmdesk.inbox.models import Message, Rule
from smmdesk.lib.errors import InvalidInput
from smmdesk.nlp.actions import labels_sure
from smmdesk.nlp.normalize import signals

CONDITION_KEYS = {"keywords", "regex", "languages", "sentiments", "intents", "toxic",
                  "has_link", "has_phone", "has_email", "new_author", "channels", "kinds"}
ACTIONS = {"hide", "delete", "label", "assign", "status", "reply", "notify"}
NETWORK_ACTIONS = {"hide", "delete", "reply"}
# The model's label each condition reads.
CONDITION_TASKS = {"languages": "language", "sentiments": "sentiment", "intents": "intent",
                   "toxic": "toxic"}


def clean_conditions(conditions: dict) -> dict:
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        raise InvalidInput(_("Unknown condition: %(name)s.") % {"name": sorted(unknown)[0]},
                           code="invalid_condition")
    out = {k: v for k, v in conditions.items() if v not in (None, "", [], False)
           or (k == "toxic" and v is False)}
    if "regex" in out:
        try:
            regex.compile(out["regex"], regex.IGNORECASE)
        except regex.error as exc:
            raise InvalidInput(_("The regular expression is not valid: %(error)s")
                               % {"error": exc}, code="invalid_regex") from exc
    if not out:
        raise InvalidInput(_("A rule needs at least one condition."), code="no_conditions")
    return out


def clean_actions(actions: list[dict]) -> list[dict]:
    if not actions:
        raise InvalidInput(_("A rule needs at least one action."), code="no_actions")
    for action in actions:
        if action.get("do") not in ACTIONS:
            raise InvalidInput(_("Unknown action: %(name)s.") % {"name": action.get("do")},
                               code="invalid_action")
    return actions


def rule_gate(rule: Rule) -> str | None:
    """The threshold (nlp/actions.py) the labels a rule reads must reach: "hide" when it
    acts on the network, "rule" otherwise; None when it acts on uncertain labels too."""
    if rule.act_on_uncertain:
        return None
    return "hide" if any(a.get("do") in NETWORK_ACTIONS for a in rule.actions) else "rule"


@dataclass
class Matcher:
    conditions: dict
    gate: str | None = None  # see rule_gate; None: any label will do

    @cached_property
    def _keywords(self):
        words = [w.strip() for w in self.conditions.get("keywords", []) if w.strip()]
        if not words:
            return None
        return regex.compile("|".join(regex.escape(w) for w in words), regex.IGNORECASE)

    @cached_property
    def _regex(self):
        pattern = self.conditions.get("regex")
        return regex.compile(pattern, regex.IGNORECASE) if pattern else None

    def matches(self, message: Message, *, new_author: bool = False) -> bool:
        c = self.conditions
        checks = [
            ("keywords", lambda: bool(self._keywords.search(message.text))),
            ("regex", lambda: bool(self._regex.search(message.text, timeout=0.5))),
            ("languages", lambda: message.language in c["languages"]),
            ("sentiments", lambda: message.sentiment in c["sentiments"]),
            ("intents", lambda: message.intent in c["intents"]),
            ("toxic", lambda: message.toxic == bool(c["toxic"])),
            ("has_link", lambda: signals(message.text)["link"]),
            ("has_phone", lambda: signals(message.text)["phone"]),
            ("has_email", lambda: signals(message.text)["email"]),
            ("new_author", lambda: new_author),
            ("channels", lambda: message.channel_id in [int(x) for x in c["channels"]]),
            ("kinds", lambda: message.kind in c["kinds"]),
        ]
        try:
            return all(test() for key, test in checks if key in c) and self._sure(message)
        except TimeoutError:
            return False  # a pathological regex on a long text: no match, never a hang

    def _sure(self, message: Message) -> bool:
        """The labels the conditions read are sure enough for this rule to act."""
        if self.gate is None:
            return True
        tasks = tuple(task for key, task in CONDITION_TASKS.items() if key in self.conditions)
        return labels_sure(confidence=message.confidence, action=self.gate, tasks=tasks)


def enabled_rules(workspace) -> list[tuple[Rule, Matcher]]:
    return [(r, Matcher(r.conditions, gate=rule_gate(r)))
            for r in Rule.objects.filter(workspace=workspace, enabled=True)]

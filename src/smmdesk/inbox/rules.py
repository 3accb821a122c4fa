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
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import regex
from django.utils.translation import gettext as _

from smmdesk.inbox.models import Message, Rule
from smmdesk.lib.errors import InvalidInput
from smmdesk.nlp.normalize import signals

CONDITION_KEYS = {"keywords", "regex", "languages", "sentiments", "intents", "toxic",
                  "has_link", "has_phone", "has_email", "new_author", "channels", "kinds"}
ACTIONS = {"hide", "delete", "label", "assign", "status", "reply", "notify"}
NETWORK_ACTIONS = {"hide", "delete", "reply"}


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


@dataclass
class Matcher:
    conditions: dict

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
            return all(test() for key, test in checks if key in c)
        except TimeoutError:
            return False  # a pathological regex on a long text: no match, never a hang


def enabled_rules(workspace) -> list[tuple[Rule, Matcher]]:
    return [(r, Matcher(r.conditions)) for r in Rule.objects.filter(workspace=workspace,
                                                                    enabled=True)]

"""The demo: its audience's comments fill the inbox, and its "Hide spam" rule hid the spam."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from smmdesk.accounts.models import Workspace
from smmdesk.inbox.models import Message, Rule, RuleAction
from smmdesk.nlp.actions import label_sure
from smmdesk.sandbox.models import SandboxComment

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_inbox_and_hides_the_spam(real_model):
    call_command("demo", stdout=io.StringIO())
    ws = Workspace.objects.get(slug="zerno-demo")
    messages = Message.objects.filter(workspace=ws, by_us=False)
    assert messages.count() > 50
    assert messages.filter(publication__isnull=False).count() == messages.count()
    assert {m.channel.kind for m in messages.select_related("channel")} == {"sandbox"}
    assert messages.exclude(language="").count() == messages.count()
    assert {"negative", "positive"} <= set(messages.values_list("sentiment", flat=True))
    hidden = messages.filter(hidden=True)
    assert hidden.count() > 0
    assert set(hidden.values_list("intent", flat=True)) == {"spam"}
    sure = [m.pk for m in messages.filter(intent="spam")
            if label_sure(confidence=m.confidence, task="intent", action="hide")]
    # every spam message the model is sure of, and nothing else: unsure ones wait for a person
    assert set(hidden.values_list("pk", flat=True)) == set(sure)
    assert set(hidden.values_list("status", flat=True)) == {"spam"}
    assert all(m.labels.filter(name="Spam").exists() for m in hidden)
    rule = Rule.objects.get(workspace=ws, name="Hide spam")
    hides = RuleAction.objects.filter(rule=rule, action="hide")
    assert hides.count() == hidden.count() and set(hides.values_list("state", flat=True)) == {
        "done"}
    assert SandboxComment.objects.filter(
        pk__in=[int(x) for x in hidden.values_list("external_id", flat=True)],
        hidden=True).count() == hidden.count()  # hidden on the simulated network too

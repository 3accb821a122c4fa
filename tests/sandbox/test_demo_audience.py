"""The demo's simulated audience as a labelled test set for the inbox.

Every comment the sandbox network can write (``sandbox/data/audience.json``) carries its
category, which is its gold label (praise, negative = a complaint, question, spam,
purchase_intent, neutral). The demo workspace is built as ``smmdesk demo`` builds it;
then every audience comment of every language is read in through the inbox's one path
(``ingest``) on the demo's own channels, with the demo's own rules. Nothing here pins the
text model: the figures printed are the real model's, on texts it was not trained on.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
import regex
from django.core.management import call_command
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.core.demo import DEMO_SLUG
from smmdesk.inbox.ingest import Incoming, ingest
from smmdesk.inbox.models import Message, Rule, RuleAction
from smmdesk.nlp.model import labelled
from smmdesk.nlp.normalize import model_text
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment

PINNED = 3  # ingest.priority of a negative complaint: first in the inbox, alerted
# Floors, so that doing nothing cannot pass: the model must be sure of a label before the
# inbox acts on it (nlp/actions.py), so these are well below all, and not a target.
MAX_PRAISE_PINNED = 0.01  # a happy customer first in the queue: goal 0
MIN_HIDDEN_SPAM = 0.5
MIN_PINNED_COMPLAINTS = 0.15  # measured 28 of 144 at pin 0.85: few, but never none


def _key(text: str) -> str:
    return " ".join(regex.sub(r"[\p{P}\uFE0F\u200D]+", " ", model_text(text)).split())


def _audience() -> list[tuple[str, str, str]]:
    """(language, category, text) of every comment the simulated audience can write."""
    return [(lang, category, text) for lang, data in network.corpus().items()
            for category, texts in data["comments"].items() for text in texts]


def test_the_audience_writes_only_what_the_network_draws():
    for lang, data in network.corpus().items():
        assert set(data["comments"]) == set(network.CATEGORY_WEIGHTS), lang
        for category, texts in data["comments"].items():
            assert len(texts) >= 30 and len(set(texts)) == len(texts), (lang, category)


def test_the_model_never_saw_the_audience():
    seen = {_key(e.text) for e in labelled()}
    overlap = [text for _lang, _category, text in _audience() if _key(text) in seen]
    assert overlap == []  # a gold label the model learnt is no test of it


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())
    return Workspace.objects.get(slug=DEMO_SLUG)


def _channels_by_language(ws) -> dict:
    out = {}
    for channel in ws.channels.filter(kind="sandbox"):
        account = SandboxAccount.objects.get(handle=channel.external_id)
        out[next(iter(account.languages))] = channel
    return out


def _read_in(ws) -> tuple[dict[str, str], dict[str, str]]:
    """Every audience comment, read in on the demo channel of its language: the gold
    category and the text of each stored message, by its external id."""
    channels, now, gold, texts, items = _channels_by_language(ws), timezone.now(), {}, {}, []
    names = {lang: data["names"] for lang, data in network.corpus().items()}
    for n, (lang, category, text) in enumerate(_audience()):
        name, handle = names[lang][n % len(names[lang])]
        external_id = f"gold-{n}"
        gold[external_id], texts[external_id] = category, f"{lang}: {text}"
        items.append(Incoming(channel=channels[lang], external_id=external_id, text=text,
                              created_at=now, author_id=handle, author_name=name,
                              author_handle=handle))
    ingest(items, now=now)
    return gold, texts


def _figures(gold: dict[str, str], pinned: set[str], hidden: set[str]) -> str:
    n = Counter(gold.values())
    rows = [f"{'category':16} {'n':>4} {'pinned':>7} {'hidden':>7}"]
    for category in sorted(n):
        ids = {e for e, c in gold.items() if c == category}
        rows.append(f"{category:16} {n[category]:>4} {len(ids & pinned):>7} "
                    f"{len(ids & hidden):>7}")
    return "\n".join(rows)


def test_the_demo_inbox_pins_complaints_and_hides_spam_by_the_gold_labels(demo):
    # The demo's own inbox: what its "Hide spam" rule hid on the network was spam.
    hidden_here = Message.objects.filter(workspace=demo, hidden=True, by_us=False)
    drawn = Counter(SandboxComment.objects.filter(
        pk__in=[int(x) for x in hidden_here.values_list("external_id", flat=True)])
        .values_list("category", flat=True))
    print(f"\ndemo inbox: {Message.objects.filter(workspace=demo, by_us=False).count()} "
          f"messages, hidden by category: {dict(drawn)}")
    assert set(drawn) <= {"spam"}

    gold, texts = _read_in(demo)
    messages = Message.objects.filter(workspace=demo, external_id__in=list(gold))
    assert messages.count() == len(gold)
    pinned = set(messages.filter(priority=PINNED).values_list("external_id", flat=True))
    rule = Rule.objects.get(workspace=demo, name="Hide spam")
    hidden = set(RuleAction.objects.filter(rule=rule, action="hide", message__in=messages)
                 .values_list("message__external_id", flat=True))
    print(_figures(gold, pinned, hidden))

    def of(category):
        return {e for e, c in gold.items() if c == category}

    praise_pinned = sorted(texts[e] for e in pinned & of("praise"))
    not_spam_hidden = sorted(texts[e] for e in hidden - of("spam"))
    print(f"praise pinned: {praise_pinned}\nnot spam, hidden: {not_spam_hidden}")
    # The goal is none. Measured today: 1 of 144 (en "Big thanks to the courier, the coffee
    # arrived actually hot, not lukewarm", read as a complaint at 0.98) — the model's known
    # blind spot for negated negatives; issue 9 stays open on it. More than 1% fails.
    assert len(praise_pinned) <= MAX_PRAISE_PINNED * len(of("praise"))
    assert not_spam_hidden == []  # the rule hides spam and nothing else
    assert len(hidden) >= MIN_HIDDEN_SPAM * len(of("spam"))
    assert len(pinned & of("negative")) >= MIN_PINNED_COMPLAINTS * len(of("negative"))

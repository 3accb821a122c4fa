"""Moderation rules: each condition matches and does not, each action does what it says
and is logged, undo takes back what can be taken back, a dry run changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from smmdesk.channels.models import Channel
from smmdesk.inbox.actions import run_pending, undo
from smmdesk.inbox.ingest import Incoming, ingest
from smmdesk.inbox.models import Label, Message, MessageKind, Rule, RuleAction
from smmdesk.inbox.rules import Matcher, clean_actions, clean_conditions
from smmdesk.inbox.services import rule_dry_run, rule_save, saved_reply_save
from smmdesk.lib.crypto import encrypt_json
from smmdesk.lib.errors import Conflict, InvalidInput
from smmdesk.sandbox.models import SandboxComment
from smmdesk.team.models import Notification
from tests.inbox.conftest import COMPLAINT, INSULT, PRAISE, QUESTION, SPAM

pytestmark = pytest.mark.django_db

TG_TOKEN = "7234567890:AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"
TG_GROUP = -1001987654321  # the channel's discussion group, as the recorded contract has it


# ---------------------------------------------------------------- conditions


def msg(text: str = "Добрий день", *, language: str = "uk", sentiment: str = "neutral",
        intent: str = "other", toxic: bool = False, kind: str = MessageKind.COMMENT,
        channel_id: int = 1) -> Message:
    return Message(text=text, language=language, sentiment=sentiment, intent=intent,
                   toxic=toxic, kind=kind, channel_id=channel_id)


@pytest.mark.parametrize("conditions,yes,no", [
    ({"keywords": ["giveaway", "розыгрыш"]},
     msg("Big GIVEAWAY today"), msg("Great coffee, thanks")),
    ({"keywords": ["giveaway", "розыгрыш"]},
     msg("РОЗЫГРЫШ призов!"), msg("розіграш у нас чесний")),
    ({"keywords": ["free followers"]},
     msg("Get FREE followers now"), msg("free coffee for our followers")),
    ({"keywords": ["(a+)"]},  # a keyword is a phrase, never a pattern
     msg("look: (a+)"), msg("aaa")),
    ({"regex": r"\bbit\.ly/\w+"},
     msg("see Bit.ly/abc"), msg("see bitXly/abc")),
    ({"languages": ["ru", "uk"]}, msg(language="uk"), msg(language="en")),
    ({"sentiments": ["negative"]}, msg(sentiment="negative"), msg(sentiment="positive")),
    ({"intents": ["spam", "purchase"]}, msg(intent="spam"), msg(intent="question")),
    ({"toxic": True}, msg(toxic=True), msg(toxic=False)),
    ({"toxic": False}, msg(toxic=False), msg(toxic=True)),
    ({"has_link": True}, msg("Дивись https://example.com/x"), msg("Дивись у профілі")),
    ({"has_link": True}, msg("Заходь на promo.shop"), msg("Заходь на каву")),
    ({"has_phone": True}, msg("Дзвоніть +380 67 123 45 67"), msg("Дзвоніть о 12:30")),
    ({"has_email": True}, msg("Пишіть на olha@example.com"), msg("Пишіть @olha у директ")),
    ({"channels": ["7", 8]}, msg(channel_id=7), msg(channel_id=9)),
    ({"kinds": ["message", "mention"]}, msg(kind=MessageKind.MESSAGE), msg()),
    ({"keywords": ["доставка"], "languages": ["uk"]},  # all conditions must hold
     msg("Де моя доставка?"), msg("Де моя доставка?", language="ru")),
])
def test_each_condition_matches_and_does_not(conditions, yes, no):
    matcher = Matcher(clean_conditions(conditions))
    assert matcher.matches(yes)
    assert not matcher.matches(no)


def test_the_new_author_condition_asks_whether_we_know_them():
    matcher = Matcher({"new_author": True})
    assert matcher.matches(msg(), new_author=True)
    assert not matcher.matches(msg(), new_author=False)


def test_a_pathological_regex_gives_up_instead_of_hanging():
    matcher = Matcher({"regex": r"(a+)+$"})
    assert not matcher.matches(msg("a" * 40000 + "!"))


@pytest.mark.parametrize("conditions,code", [
    ({"mood": "bad"}, "invalid_condition"),
    ({"regex": "(unclosed"}, "invalid_regex"),
    ({"keywords": [], "regex": "", "has_link": False}, "no_conditions"),
])
def test_bad_conditions_are_refused(conditions, code):
    with pytest.raises(InvalidInput) as exc:
        clean_conditions(conditions)
    assert exc.value.code == code


def test_bad_actions_are_refused():
    for actions in ([], [{"do": "hide"}, {"do": "explode"}], [{"label": "x"}]):
        with pytest.raises(InvalidInput):
            clean_actions(actions)
    assert clean_actions([{"do": "hide"}]) == [{"do": "hide"}]


# ---------------------------------------------------------------- rules at work


def rule(workspace, owner, conditions: dict, actions: list[dict], *, name: str = "Rule",
         enabled: bool = True) -> Rule:
    return rule_save(workspace=workspace, name=name, conditions=conditions, actions=actions,
                     user=owner, enabled=enabled)


def on_network(remote, text: str, *, author: str = "olha_k", name: str = "Olha Kovalenko",
               minutes_ago: float = 5):
    """A comment that exists on the simulated network, and the item the inbox receives."""
    c = SandboxComment.objects.create(
        post=remote, author_handle=author, author_name=name, language="uk", category="spam",
        text=text, created_at=timezone.now() - timedelta(minutes=minutes_ago))
    channel = Channel.objects.get(kind="sandbox", external_id=remote.account.handle)
    return c, Incoming(channel=channel, external_id=str(c.pk), text=text,
                       created_at=c.created_at, author_id=author, author_name=name,
                       post_external_id=str(remote.pk))


def test_label_assign_and_status_are_done_at_once_logged_and_undone(
        pinned, workspace, owner, editor, channel, item):
    r = rule(workspace, owner, {"intents": ["spam"]},
             [{"do": "label", "label": "Spam"}, {"do": "assign", "user": editor.pk},
              {"do": "status", "status": "spam"}], name="Spam away")
    report = ingest([item("c1", SPAM), item("c2", QUESTION, author="u2")])
    assert report.rule_actions == 3
    m = Message.objects.get(external_id="c1")
    assert m.status == "spam" and m.assignee == editor
    assert [x.name for x in m.labels.all()] == ["Spam"]
    untouched = Message.objects.get(external_id="c2")
    assert untouched.status == "new" and untouched.assignee is None
    assert not untouched.labels.exists()
    log = {a.action: a for a in RuleAction.objects.filter(message=m)}
    assert set(log) == {"label", "assign", "status"}
    assert all(a.rule == r and a.state == "done" and a.workspace == workspace
               for a in log.values())
    assert log["label"].detail["label_id"] == Label.objects.get(name="Spam").pk
    assert log["assign"].detail["previous"] is None and log["status"].detail["previous"] == "new"
    assert not RuleAction.objects.filter(message=untouched).exists()
    for action in ("label", "assign", "status"):
        done = undo(log[action], user=owner)
        done.refresh_from_db()
        assert done.state == "undone" and done.undone_by == owner and done.undone_at
    m.refresh_from_db()
    assert m.status == "new" and m.assignee is None and not m.labels.exists()
    with pytest.raises(Conflict) as exc:  # once undone, it is not undone again
        undo(log["status"], user=owner)
    assert exc.value.code == "not_done"


def test_notify_tells_the_member_and_cannot_be_taken_back(pinned, workspace, owner, editor,
                                                          channel, item, run_outbox):
    rule(workspace, owner, {"sentiments": ["positive"]},
         [{"do": "notify", "user": editor.pk}], name="Praise")
    ingest([item("c1", PRAISE), item("c2", QUESTION, author="u2")])
    m = Message.objects.get(external_id="c1")
    note = Notification.objects.get()
    assert note.user == editor and note.url == f"/w/{workspace.slug}/inbox/{m.pk}/"
    assert note.text == f"Rule “Praise” matched: “{PRAISE}”"
    run_outbox()
    assert [x.to for x in mail.outbox] == [["editor@example.com"]]
    logged = RuleAction.objects.get()
    assert (logged.action, logged.state, logged.message) == ("notify", "done", m)
    with pytest.raises(Conflict) as exc:
        undo(logged, user=owner)
    assert exc.value.code == "not_undoable"
    logged.refresh_from_db()
    assert logged.state == "done"


def test_notify_reaches_no_one_outside_the_workspace(pinned, workspace, owner, outsider,
                                                     channel, item, run_outbox):
    rule(workspace, owner, {"sentiments": ["positive"]}, [{"do": "notify", "user": outsider.pk}])
    ingest([item("c1", PRAISE)])
    run_outbox()
    assert not Notification.objects.exists() and mail.outbox == []
    assert RuleAction.objects.get().action == "notify"


def test_hide_is_queued_done_on_the_network_and_undone(pinned, workspace, owner, channel,
                                                       published):
    _pub, remote = published
    rule(workspace, owner, {"keywords": ["free followers"]}, [{"do": "hide"}])
    comment, incoming = on_network(remote, SPAM)
    ingest([incoming])
    m = Message.objects.get(external_id=str(comment.pk))
    hide = RuleAction.objects.get(message=m)
    assert (hide.action, hide.state) == ("hide", "pending") and not m.hidden
    with pytest.raises(Conflict):  # nothing to undo while it waits for the worker
        undo(hide, user=owner)
    assert run_pending() == 1
    hide.refresh_from_db()
    m.refresh_from_db()
    comment.refresh_from_db()
    assert hide.state == "done" and m.hidden and comment.hidden
    assert run_pending() == 0  # done once
    undo(hide, user=owner)
    m.refresh_from_db()
    comment.refresh_from_db()
    assert not m.hidden and not comment.hidden
    assert RuleAction.objects.get(pk=hide.pk).state == "undone"


def test_delete_is_done_on_the_network_and_cannot_be_undone(pinned, workspace, owner, item,
                                                            contract):
    telegram = Channel.objects.create(
        workspace=workspace, kind="telegram", name="Zerno TG", external_id="-1001234567890",
        credentials_encrypted=encrypt_json({"bot_token": TG_TOKEN}),
        settings={"chat_id": -1001234567890, "username": "zerno_coffee",
                  "bot_username": "zerno_bot", "bot_id": 7234567890,
                  "linked_chat_id": TG_GROUP})
    rule(workspace, owner, {"intents": ["spam"], "channels": [telegram.pk]}, [{"do": "delete"}])
    ingest([item(f"{TG_GROUP}:58", SPAM, on=telegram)])
    m = Message.objects.get(channel=telegram)
    transport = contract("telegram", "deleteMessage.comment", values={"token": TG_TOKEN})
    run_pending()
    assert len(transport.requests) == 1
    m.refresh_from_db()
    action = RuleAction.objects.get()
    assert action.state == "done" and m.deleted
    with pytest.raises(Conflict) as exc:
        undo(action, user=owner)
    assert exc.value.code == "not_undoable" and Message.objects.get(pk=m.pk).deleted


def test_a_network_action_the_network_refuses_is_logged_as_failed(pinned, workspace, owner,
                                                                  channel, published):
    _pub, remote = published
    rule(workspace, owner, {"intents": ["spam"]}, [{"do": "delete"}])
    comment, incoming = on_network(remote, SPAM)
    ingest([incoming])
    run_pending()
    action = RuleAction.objects.get()
    assert action.state == "failed"
    assert action.error == "Sandbox does not let smmdesk delete comments."
    assert not Message.objects.get(external_id=str(comment.pk)).deleted
    assert SandboxComment.objects.filter(pk=comment.pk, deleted=False).exists()


def test_reply_answers_with_the_saved_reply_filled_in(pinned, workspace, owner, channel,
                                                      published):
    _pub, remote = published
    saved = saved_reply_save(workspace=workspace, name="Вибачте",
                             text="{name}, перепрошуємо! Деталі: {link}")
    rule(workspace, owner, {"sentiments": ["negative"], "intents": ["complaint"]},
         [{"do": "reply", "saved_reply": saved.pk}])
    comment, incoming = on_network(remote, COMPLAINT)
    ingest([incoming])
    m = Message.objects.get(external_id=str(comment.pk))
    action = RuleAction.objects.get()
    assert action.state == "pending" and not Message.objects.filter(by_us=True).exists()
    run_pending()
    action.refresh_from_db()
    ours = Message.objects.get(by_us=True)
    text = "Olha, перепрошуємо! Деталі: https://zerno.example/k"
    assert action.state == "done" and action.detail["reply_id"] == ours.pk
    assert ours.parent == m and ours.text == text and ours.status == "done"
    assert SandboxComment.objects.filter(parent=comment, by_owner=True, text=text).exists()
    m.refresh_from_db()
    assert m.status == "done" and m.first_reply_at is not None and m.resolved_at is not None
    with pytest.raises(Conflict):
        undo(action, user=owner)


def test_a_reply_whose_saved_reply_is_gone_fails_and_says_why(pinned, workspace, owner,
                                                              channel, published):
    _pub, remote = published
    saved = saved_reply_save(workspace=workspace, name="Thanks", text="Дякуємо!")
    rule(workspace, owner, {"intents": ["complaint"]}, [{"do": "reply", "saved_reply": saved.pk}])
    _comment, incoming = on_network(remote, COMPLAINT)
    ingest([incoming])
    saved.delete()
    run_pending()
    action = RuleAction.objects.get()
    assert action.state == "failed"
    assert action.error == "The saved reply of this rule no longer exists."
    assert not Message.objects.filter(by_us=True).exists()


def test_only_enabled_rules_act_and_every_matching_rule_does(pinned, workspace, owner, channel,
                                                             item):
    first = rule(workspace, owner, {"toxic": True}, [{"do": "label", "label": "Toxic"}],
                 name="Toxic")
    second = rule(workspace, owner, {"sentiments": ["negative"]},
                  [{"do": "label", "label": "Negative"}], name="Negative")
    rule(workspace, owner, {"toxic": True}, [{"do": "status", "status": "spam"}],
         name="Draft", enabled=False)
    ingest([item("c1", INSULT), item("c2", COMPLAINT, author="u2")])
    insult, complaint = (Message.objects.get(external_id=x) for x in ("c1", "c2"))
    assert sorted(x.name for x in insult.labels.all()) == ["Negative", "Toxic"]
    assert [x.name for x in complaint.labels.all()] == ["Negative"]
    assert insult.status == "new"  # the disabled rule did nothing
    assert {(a.rule_id, a.message_id) for a in RuleAction.objects.all()} == {
        (first.pk, insult.pk), (second.pk, insult.pk), (second.pk, complaint.pk)}


def test_a_new_author_is_new_only_until_we_know_them(pinned, workspace, owner, channel, item):
    rule(workspace, owner, {"new_author": True}, [{"do": "label", "label": "Newcomer"}])
    ingest([item("c1", QUESTION, author="olha"), item("c2", PRAISE, author="olha")])
    ingest([item("c3", QUESTION, author="olha"), item("c4", QUESTION, author="taras")])
    labelled = set(Label.objects.get(name="Newcomer").messages.values_list("external_id",
                                                                           flat=True))
    assert labelled == {"c1", "c2", "c4"}


# ---------------------------------------------------------------- dry run


def test_a_dry_run_lists_the_last_30_days_matches_and_changes_nothing(
        pinned, workspace, owner, editor, channel, item, published, run_outbox):
    _pub, remote = published
    comment, recent = on_network(remote, SPAM, minutes_ago=2 * 24 * 60)
    ingest([recent,
            item("old", SPAM + " (old)", minutes_ago=40 * 24 * 60, author="u2"),
            item("other", QUESTION, minutes_ago=60, author="u3"),
            item("ours", SPAM + " (ours)", minutes_ago=30, by_us=True, author="shop")])
    saved = saved_reply_save(workspace=workspace, name="Bye", text="Bye")
    r = rule(workspace, owner, {"keywords": ["free followers"]},
             [{"do": "hide"}, {"do": "delete"}, {"do": "label", "label": "Spam"},
              {"do": "assign", "user": editor.pk}, {"do": "status", "status": "spam"},
              {"do": "reply", "saved_reply": saved.pk}, {"do": "notify", "user": owner.pk}],
             enabled=False)

    def snapshot():
        return list(Message.objects.order_by("pk").values_list(
            "pk", "status", "hidden", "deleted", "assignee", "first_reply_at", "labels"))

    before = snapshot()
    matched = rule_dry_run(rule=r)
    assert [m.external_id for m in matched] == [str(comment.pk)]
    assert snapshot() == before
    assert not RuleAction.objects.exists() and not Label.objects.exists()
    assert run_outbox() == 0
    assert not Notification.objects.exists() and mail.outbox == []
    assert run_pending() == 0
    comment.refresh_from_db()
    assert not comment.hidden and not comment.deleted
    assert Rule.objects.get(pk=r.pk).enabled is False


def test_a_dry_run_counts_only_an_authors_first_message_as_new(pinned, workspace, owner,
                                                               channel, item):
    ingest([item("c1", QUESTION, minutes_ago=300, author="olha"),
            item("c2", PRAISE, minutes_ago=200, author="olha"),
            item("c3", QUESTION, minutes_ago=100, author="taras")])
    r = rule(workspace, owner, {"new_author": True}, [{"do": "label", "label": "New"}],
             enabled=False)
    assert sorted(m.external_id for m in rule_dry_run(rule=r)) == ["c1", "c3"]
    assert sorted(m.external_id for m in rule_dry_run(rule=r, days=0)) == []

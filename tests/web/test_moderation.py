"""Moderation pages: the rule builder, dry runs, the rule log and undo, saved replies,
leads, response times and the inbox settings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.inbox.actions import apply_local, network_reply, run_pending
from smmdesk.inbox.ingest import Incoming, ingest
from smmdesk.inbox.models import (
    InboxSettings,
    Lead,
    Message,
    Rule,
    RuleAction,
    SavedReply,
)
from smmdesk.inbox.services import saved_reply_save
from smmdesk.lib.crypto import decrypt_json
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment

pytestmark = pytest.mark.django_db

SPAM = "Free followers for your page!!! bit.ly/abc"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Kyiv", "audience": "uk"})


@pytest.fixture
def sandbox_post(channel):
    account = SandboxAccount.objects.get(handle=channel.external_id)
    return network.post_create(account=account, text="Новий бленд",
                               at=timezone.now() - timedelta(hours=6))


def comment(sandbox_post, channel, text: str, *, minutes_ago: float = 5,
            author: str = "spam_bot") -> Incoming:
    """A comment that exists on the simulated network, as the inbox receives it."""
    c = SandboxComment.objects.create(
        post=sandbox_post, author_handle=author, author_name=author.title(), language="en",
        category="spam", text=text, created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return Incoming(channel=channel, external_id=str(c.pk), text=text,
                    created_at=c.created_at, author_id=author, author_name=author.title(),
                    post_external_id=str(sandbox_post.pk))


def message(channel, external_id: str, text: str, *, ago: timedelta = timedelta(hours=1),
            author: str = "u1") -> Message:
    ingest([Incoming(channel=channel, external_id=external_id, text=text,
                     created_at=timezone.now() - ago, author_id=author, author_name="Olha")])
    return Message.objects.get(channel=channel, external_id=external_id)


def rule_url(workspace, tail: str = "") -> str:
    return f"/w/{workspace.slug}/moderation/{tail}"


def spam_rule(client: Client, workspace, **extra) -> Rule:
    r = client.post(rule_url(workspace, "save/"), {
        "name": "Spam away", "keywords": "free followers", "hide": "1", "label": "Spam",
        "status": "spam", "do": "save", **extra})
    assert r.status_code == 302, r.content.decode()[:2000]
    return Rule.objects.get(workspace=workspace, name="Spam away")


# ---------------------------------------------------------------- the rule builder


def test_it_builds_the_rule_json_from_the_form(workspace, owner, editor, channel):
    reply = saved_reply_save(workspace=workspace, name="Thanks", text="Thank you, {name}!")
    r = login(owner).post(rule_url(workspace, "save/"), {
        "name": " Links in comments ", "keywords": "giveaway, free  coffee,, розыгрыш",
        "regex": r"bit\.ly/", "languages": ["ru", "uk", "xx"], "sentiments": ["negative"],
        "intents": ["spam"], "toxic": "yes", "flags": ["has_link", "new_author"],
        "channels": [str(channel.pk), "999999"], "kinds": ["comment", "mention"],
        "hide": "1", "label": "Spam", "assign": str(editor.pk), "status": "spam",
        "reply": str(reply.pk), "notify": str(owner.pk), "do": "save"})
    rule = Rule.objects.get(workspace=workspace)
    assert r.status_code == 302 and r.url == rule_url(workspace, f"{rule.pk}/dry-run/")
    assert rule.name == "Links in comments" and rule.enabled is False
    assert rule.conditions == {
        "keywords": ["giveaway", "free  coffee", "розыгрыш"], "regex": r"bit\.ly/",
        "languages": ["ru", "uk"], "sentiments": ["negative"], "intents": ["spam"],
        "kinds": ["comment", "mention"], "channels": [channel.pk], "has_link": True,
        "new_author": True, "toxic": True}
    assert rule.actions == [
        {"do": "hide"}, {"do": "label", "label": "Spam"}, {"do": "assign", "user": editor.pk},
        {"do": "status", "status": "spam"}, {"do": "reply", "saved_reply": reply.pk},
        {"do": "notify", "user": owner.pk}]
    page = login(owner).get(rule_url(workspace)).content.decode()
    assert "Contains any of: giveaway, free  coffee, розыгрыш" in page
    assert "Reply with “Thanks”" in page and "Hide it on the network" in page
    # Editing loads the same choices back into the form, and saving keeps them.
    edit = login(owner).get(rule_url(workspace) + f"?edit={rule.pk}").content.decode()
    assert 'value="has_link" checked' in edit and f'value="{editor.pk}" selected' in edit
    assert f'name="rule_id" value="{rule.pk}"' in edit


def test_it_saves_polite_only_and_edits_in_place(workspace, owner):
    rule = spam_rule(login(owner), workspace)
    Rule.objects.filter(pk=rule.pk).update(enabled=True)
    login(owner).post(rule_url(workspace, "save/"), {
        "rule_id": rule.pk, "name": "Spam away", "toxic": "no", "delete": "1", "do": "save"})
    rule.refresh_from_db()
    assert Rule.objects.filter(workspace=workspace).count() == 1
    assert rule.conditions == {"toxic": False} and rule.actions == [{"do": "delete"}]
    assert rule.enabled is False  # changed: it waits for a new look at its dry run


def test_it_shows_a_bad_regex_and_missing_conditions_next_to_the_form(workspace, owner):
    c = login(owner)
    r = c.post(rule_url(workspace, "save/"), {"name": "Broken", "regex": "(unclosed",
                                              "hide": "1", "do": "save"})
    page = r.content.decode()
    assert r.status_code == 400 and "The regular expression is not valid" in page
    assert 'value="(unclosed"' in page  # what was typed stays in the form
    r = c.post(rule_url(workspace, "save/"), {"name": "Nothing", "label": "x", "do": "save"})
    assert r.status_code == 400 and "A rule needs at least one condition." in r.content.decode()
    r = c.post(rule_url(workspace, "save/"), {"name": "Idle", "keywords": "a", "do": "save"})
    assert r.status_code == 400 and "A rule needs at least one action." in r.content.decode()
    assert not Rule.objects.filter(workspace=workspace).exists()


def test_a_foreign_member_or_rule_is_refused(workspace, owner, outsider):
    c = login(owner)
    r = c.post(rule_url(workspace, "save/"), {"name": "X", "keywords": "a",
                                              "assign": str(outsider.pk), "do": "save"})
    assert r.status_code == 400 and "Choose a member of this workspace." in r.content.decode()
    r = c.post(rule_url(workspace, "save/"), {"rule_id": "987654", "name": "X",
                                              "keywords": "a", "hide": "1", "do": "save"})
    assert r.status_code == 404
    assert not Rule.objects.filter(workspace=workspace).exists()


# ---------------------------------------------------------------- dry run


def test_the_dry_run_lists_the_matches_of_the_last_30_days_and_changes_nothing(
        workspace, owner, channel):
    recent = message(channel, "c1", "Giveaway! Free followers here", ago=timedelta(days=2))
    old = message(channel, "c2", "Free followers, old news", ago=timedelta(days=40))
    other = message(channel, "c3", "Коли буде новий бленд?", ago=timedelta(days=1))
    before = list(Message.objects.values_list("pk", "status", "hidden"))
    c = login(owner)
    r = c.post(rule_url(workspace, "save/"), {"name": "Spam", "keywords": "free followers",
                                              "hide": "1", "status": "spam", "do": "dry_run"})
    page = r.content.decode()
    assert r.status_code == 200 and "It would have matched 1 message" in page
    assert f"/w/{workspace.slug}/inbox/{recent.pk}/" in page
    assert f"/inbox/{old.pk}/" not in page and f"/inbox/{other.pk}/" not in page
    assert not Rule.objects.exists()  # a dry run from the form saves nothing
    rule = spam_rule(c, workspace)
    page = c.get(rule_url(workspace, f"{rule.pk}/dry-run/")).content.decode()
    assert "It would have matched 1 message" in page and "Kyiv" in page and "Olha" in page
    assert f"/inbox/{recent.pk}/" in page and f"/inbox/{old.pk}/" not in page
    assert list(Message.objects.values_list("pk", "status", "hidden")) == before
    assert not RuleAction.objects.exists() and not recent.labels.exists()


# ---------------------------------------------------------------- a rule at work


def _enabled_spam_rule(workspace, owner, channel, sandbox_post) -> tuple[Rule, Message]:
    c = login(owner)
    rule = spam_rule(c, workspace)
    ingest([comment(sandbox_post, channel, SPAM + " (before)", author="early_bot")])
    early = Message.objects.get(text=SPAM + " (before)")
    assert early.status == "new" and not RuleAction.objects.exists()  # saved, not enabled
    r = c.post(rule_url(workspace, f"{rule.pk}/enable/"), {"enabled": "1"})
    assert r.status_code == 302
    ingest([comment(sandbox_post, channel, SPAM)])
    return rule, Message.objects.get(text=SPAM)


def test_an_enabled_rule_acts_on_new_messages(workspace, owner, channel, sandbox_post):
    rule, m = _enabled_spam_rule(workspace, owner, channel, sandbox_post)
    assert m.status == "spam" and list(m.labels.values_list("name", flat=True)) == ["Spam"]
    hide = RuleAction.objects.get(message=m, action="hide")
    assert hide.state == "pending" and not m.hidden  # the network part waits for the worker
    run_pending()
    hide.refresh_from_db()
    m.refresh_from_db()
    assert hide.state == "done" and m.hidden
    assert SandboxComment.objects.get(pk=m.external_id).hidden
    log = login(owner).get(rule_url(workspace, "log/")).content.decode()
    assert "Spam away" in log and "Hide it on the network" in log and "Undo" in log
    login(owner).post(rule_url(workspace, f"{rule.pk}/enable/"), {"enabled": "0"})
    ingest([comment(sandbox_post, channel, SPAM + " (after)", author="late_bot")])
    assert Message.objects.get(text=SPAM + " (after)").status == "new"


def test_undo_takes_back_label_status_and_hide(workspace, owner, channel, sandbox_post):
    _rule, m = _enabled_spam_rule(workspace, owner, channel, sandbox_post)
    run_pending()
    c = login(owner)
    for action in ("label", "status", "hide"):
        done = RuleAction.objects.get(message=m, action=action)
        r = c.post(rule_url(workspace, f"log/{done.pk}/undo/"), follow=True)
        assert "Undone." in r.content.decode()
        done.refresh_from_db()
        assert done.state == "undone" and done.undone_by == owner
    m.refresh_from_db()
    assert m.status == "new" and not m.labels.exists() and not m.hidden
    assert not SandboxComment.objects.get(pk=m.external_id).hidden


def test_undo_says_why_an_action_cannot_be_taken_back(workspace, owner, channel):
    m = message(channel, "n1", "Де ваша кавʼярня?")
    note = apply_local(None, m, {"do": "notify", "user": owner.pk})
    c = login(owner)
    log = c.get(rule_url(workspace, "log/")).content.decode()
    assert "A notification cannot be taken back." in log
    r = c.post(rule_url(workspace, f"log/{note.pk}/undo/"), follow=True)
    assert "A notification cannot be taken back." in r.content.decode()
    note.refresh_from_db()
    assert note.state == "done"
    pending = RuleAction.objects.create(workspace=workspace, message=m, action="hide",
                                        state="pending")
    r = c.post(rule_url(workspace, f"log/{pending.pk}/undo/"), follow=True)
    assert "Waiting for the worker" in r.content.decode()


# ---------------------------------------------------------------- saved replies


def test_saved_replies_can_be_added_edited_and_deleted(workspace, editor):
    c = login(editor)
    url = rule_url(workspace, "replies/")
    page = c.get(url).content.decode()
    assert "{name}" in page and "{product}" in page and "{link}" in page
    r = c.post(url + "save/", {"name": "Дякуємо", "text": "{name}, дякуємо!", "language": "uk",
                               "for_intent": "praise", "for_sentiment": "positive"})
    assert r.status_code == 302
    reply = SavedReply.objects.get(workspace=workspace)
    assert (reply.language, reply.for_intent, reply.for_sentiment) == ("uk", "praise",
                                                                      "positive")
    c.post(url + "save/", {"reply_id": reply.pk, "name": "Thanks", "text": "Thanks, {name}!",
                           "language": "", "for_intent": "nonsense", "for_sentiment": ""})
    reply.refresh_from_db()
    assert (reply.name, reply.text, reply.language, reply.for_intent) == (
        "Thanks", "Thanks, {name}!", "", "")
    r = c.post(url + "save/", {"reply_id": reply.pk, "name": "Thanks", "text": "  "})
    assert r.status_code == 400 and "needs a name and a text" in r.content.decode()
    c.post(url + f"{reply.pk}/delete/")
    assert not SavedReply.objects.filter(workspace=workspace).exists()


# ---------------------------------------------------------------- leads


@pytest.fixture
def leads(workspace, owner, channel):
    second = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                             data={"name": "Minsk", "audience": "be"})
    rows = []
    for i, (ch, text, days) in enumerate([(channel, "Хочу замовити 2 кг", 3),
                                          (channel, "Скільки коштує доставка?", 2),
                                          (second, "Можна купити з собою?", 1)]):
        m = message(ch, f"lead{i}", text, ago=timedelta(days=days), author=f"buyer{i}")
        rows.append(m)
    Lead.objects.all().delete()  # whatever the model thought: these three are the leads
    return [Lead.objects.create(workspace=workspace, message=m, channel=m.channel,
                                author=m.author, created_at=m.created_at) for m in rows]


def test_leads_are_listed_newest_first_and_filtered(workspace, analyst, leads, channel):
    c = login(analyst)
    page = c.get(f"/w/{workspace.slug}/leads/").content.decode()
    positions = [page.index(lead.message.text) for lead in reversed(leads)]
    assert positions == sorted(positions)
    assert f"/w/{workspace.slug}/inbox/{leads[0].message_id}/" in page
    page = c.get(f"/w/{workspace.slug}/leads/?channel={channel.pk}").content.decode()
    assert "Можна купити" not in page and "Хочу замовити" in page


def test_a_lead_gets_a_status_and_a_value_and_the_totals_follow(workspace, editor, leads):
    c = login(editor)
    url = f"/w/{workspace.slug}/leads/"
    c.post(url + f"{leads[0].pk}/", {"status": "won", "value": "1 200,50"})
    c.post(url + f"{leads[1].pk}/", {"status": "won", "value": "300"})
    c.post(url + f"{leads[2].pk}/", {"status": "contacted"})
    assert Lead.objects.get(pk=leads[0].pk).value == Decimal("1200.50")
    r = c.post(url + f"{leads[2].pk}/", {"status": "won", "value": "a lot"}, follow=True)
    assert "The value is a number" in r.content.decode()
    assert Lead.objects.get(pk=leads[2].pk).status == "contacted"
    page = c.get(url).content.decode()
    assert '<div class="n">2</div><div class="l">Won</div>' in page
    assert '<div class="n">1</div><div class="l">Contacted</div>' in page
    assert "1,500.50" in page
    won = c.get(url + "?status=won").content.decode()
    assert "Хочу замовити" in won and "Можна купити" not in won


def test_leads_export_as_csv(workspace, owner, leads):
    leads[0].status, leads[0].value = "won", Decimal("99.90")
    leads[0].save()
    r = login(owner).get(f"/w/{workspace.slug}/leads/export.csv?status=won")
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Status", "Value"] and len(rows) == 2
    assert rows[1][1:4] == ["Won", "99.90", "Kyiv"] and rows[1][5] == "Хочу замовити 2 кг"


def test_a_commenter_cannot_put_a_formula_in_the_export(workspace, owner, channel):
    m = message(channel, "f1", "=HYPERLINK(\"http://evil\")")
    Lead.objects.all().delete()
    Lead.objects.create(workspace=workspace, message=m, channel=channel)
    r = login(owner).get(f"/w/{workspace.slug}/leads/export.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][5] == "'=HYPERLINK(\"http://evil\")"


# ---------------------------------------------------------------- response times


def test_response_times_show_the_first_reply_and_the_overdue(workspace, owner, editor, channel,
                                                              sandbox_post):
    ingest([comment(sandbox_post, channel, "Коли відкриєтесь?", minutes_ago=95,
                    author="asker"),
            comment(sandbox_post, channel, "Чекаю відповіді вже давно", minutes_ago=200,
                    author="waiter")])
    asked = Message.objects.get(text="Коли відкриєтесь?")
    network_reply(asked, "О 8:00!", user=editor)
    page = login(owner).get(rule_url(workspace, "metrics/") + "?days=7").content.decode()
    assert "editor@example.com" in page and "1 h 35 min" in page
    assert "Answer target: <b>2 h</b>" in page
    assert "1 message is waiting longer than the answer target." in page
    assert 'class="late-task"' in page


# ---------------------------------------------------------------- settings


def test_settings_save_the_answer_time_and_the_responsible(workspace, owner, editor):
    c = login(owner)
    url = rule_url(workspace, "settings/")
    r = c.post(url + "save/", {"sla_value": "3", "sla_unit": "hours",
                               "responsible": str(editor.pk)})
    assert r.status_code == 302
    s = InboxSettings.objects.get(workspace=workspace)
    assert s.sla_minutes == 180 and s.responsible == editor and not s.telegram_alerts_encrypted
    r = c.post(url + "save/", {"sla_value": "soon", "sla_unit": "minutes", "responsible": ""})
    assert r.status_code == 400 and "Answer time is a number" in r.content.decode()
    c.post(url + "save/", {"sla_value": "45", "sla_unit": "minutes", "responsible": ""})
    s.refresh_from_db()
    assert s.sla_minutes == 45 and s.responsible is None


def test_telegram_alerts_are_stored_encrypted_and_tested(workspace, owner, contract):
    c = login(owner)
    url = rule_url(workspace, "settings/")
    token = "7012345678:AAExampleTokenForTests"
    r = c.post(url + "save/", {"sla_value": "2", "sla_unit": "hours", "responsible": "",
                               "bot_token": "", "chat_id": "-1001234567890"})
    assert "need the bot token" in r.content.decode()
    c.post(url + "save/", {"sla_value": "2", "sla_unit": "hours", "responsible": "",
                           "bot_token": token, "chat_id": "-1001234567890"})
    stored = InboxSettings.objects.get(workspace=workspace).telegram_alerts_encrypted
    assert token not in stored
    assert decrypt_json(stored) == {"bot_token": token, "chat_id": "-1001234567890"}
    page = c.get(url).content.decode()
    assert token not in page and "Alerts go to the chat -1001234567890" in page
    # Saving again without retyping the token keeps it.
    c.post(url + "save/", {"sla_value": "2", "sla_unit": "hours", "responsible": "",
                           "bot_token": "", "chat_id": "-1001234567890"})
    assert decrypt_json(InboxSettings.objects.get(workspace=workspace)
                        .telegram_alerts_encrypted)["bot_token"] == token
    transport = contract("telegram", "sendMessage.alert", values={"token": token})
    r = c.post(url + "test-alert/", follow=True)
    assert "Test alert sent" in r.content.decode() and len(transport.requests) == 1


def test_a_test_alert_needs_a_bot_first(workspace, owner):
    r = login(owner).post(rule_url(workspace, "settings/test-alert/"), follow=True)
    assert "Save the bot token and the chat id first." in r.content.decode()


# ---------------------------------------------------------------- who may do what


def test_an_analyst_sees_but_cannot_change(workspace, owner, analyst, editor, leads):
    rule = spam_rule(login(owner), workspace)
    c = login(analyst)
    page = c.get(rule_url(workspace)).content.decode()
    assert "Spam away" in page and 'id="builder"' not in page
    for url, data in [(rule_url(workspace, "save/"), {"name": "x", "keywords": "a",
                                                      "hide": "1", "do": "save"}),
                      (rule_url(workspace, f"{rule.pk}/enable/"), {"enabled": "1"}),
                      (rule_url(workspace, f"{rule.pk}/delete/"), {}),
                      (rule_url(workspace, "settings/save/"), {"sla_value": "1"}),
                      (rule_url(workspace, "replies/save/"), {"name": "x", "text": "y"}),
                      (f"/w/{workspace.slug}/leads/{leads[0].pk}/", {"status": "won"})]:
        assert c.post(url, data).status_code == 403, url
    assert c.get(rule_url(workspace, f"{rule.pk}/dry-run/")).status_code == 403
    assert login(editor).post(rule_url(workspace, f"{rule.pk}/enable/"),
                              {"enabled": "1"}).status_code == 403
    rule.refresh_from_db()
    assert not rule.enabled and Lead.objects.get(pk=leads[0].pk).status == "new"
    for tail in ("", "log/", "replies/", "metrics/", "settings/"):
        assert c.get(rule_url(workspace, tail)).status_code == 200, tail
    assert c.get(f"/w/{workspace.slug}/leads/").status_code == 200


# ---------------------------------------------------------------- uncertain labels


def test_a_rule_acts_on_uncertain_labels_only_when_told_so(workspace, owner, channel,
                                                          settings):
    settings.SMMDESK_NLP_THRESHOLDS = {"pin": 0.7, "alert": 0.7, "lead": 0.7, "hide": 0.85,
                                       "rule": 0.7}
    Message.objects.create(workspace=workspace, channel=channel, external_id="m1",
                           text="Заходьте до мене в профіль", intent="spam",
                           created_at=timezone.now(), confidence={"intent": 0.6})
    c = login(owner)
    form = {"name": "Bold", "intents": ["spam"], "hide": "1"}
    careful = c.post(rule_url(workspace, "save/"), {**form, "do": "dry_run"}).content.decode()
    bold = c.post(rule_url(workspace, "save/"), {**form, "do": "dry_run",
                                                 "act_on_uncertain": "1"}).content.decode()
    assert "It would have matched 0 messages" in careful
    assert "It would have matched 1 message" in bold

    c.post(rule_url(workspace, "save/"), {**form, "do": "save", "act_on_uncertain": "1"})
    c.post(rule_url(workspace, "save/"), {**form, "name": "Careful", "do": "save"})
    rules = {r.name: r for r in Rule.objects.filter(workspace=workspace)}
    assert rules["Bold"].act_on_uncertain and not rules["Careful"].act_on_uncertain
    page = c.get(rule_url(workspace)).content.decode()
    assert "Also when smmdesk is not sure of the tone, intent, language or toxicity" in page
    assert "Only when smmdesk is at least 85% sure of the tone, intent, language or " \
           "toxicity" in page
    edit = c.get(rule_url(workspace) + f"?edit={rules['Bold'].pk}").content.decode()
    assert 'name="act_on_uncertain" value="1" aria-describedby="r-uncertain-help" checked' \
        in edit

"""The manager's inbox walk, in a real browser: comments under our post on the sandbox
network come in through the real collection and ingest path, the worst one (a negative
complaint) is on top, the keyboard moves, opens, answers (the answer goes out on the
sandbox network) and marks done, "?" shows the keys, a filter narrows the stream, and a
moderation rule is built with the form, dry-run against what came in, and switched on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.inbox.actions import run_pending
from smmdesk.inbox.collect import comments_of
from smmdesk.inbox.ingest import ingest
from smmdesk.inbox.models import Message, MessageStatus, Rule, RuleAction
from smmdesk.inbox.services import saved_reply_save
from smmdesk.nlp.model import Prediction
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment
from smmdesk.web.views.inbox import INTENT_NAMES, SENTIMENT_NAMES
from tests.browser.conftest import sign_in
from tests.fakes import pin_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
POST = "Новий бленд «Карпати» вже в магазині: https://zerno.example/k"
COMPLAINT = ("Замовила каву, прийшла розбита пачка, і вже тиждень ніхто не відповідає! "
             "Жахливий сервіс")
SPAM = "Заробіток від 500$ на день, переходь за посиланням http://easy-money.example/join"
QUESTION = "Подскажите, сколько стоит доставка в Харьков?"
PURCHASE = "How can I order two packs of the Karpaty blend? I want to buy them today"
LATE_SPAM = "Earn $500 a day from home!!! Click here http://easy-money.example/join"
ANSWER = "Оксано, вибачте! Нову пачку вже відправили, номер накладної в особистих."

# Who wrote what on the sandbox network, and how long ago (hours).
AUDIENCE = {
    "complaint": (COMPLAINT, "Оксана Мельник", "oksana_m", 3.0),
    "question": (QUESTION, "Дмитрий", "dima_kh", 1.5),
    "spam": (SPAM, "Легкі гроші", "easy_money", 1.0),
    "purchase": (PURCHASE, "Anna Smith", "anna_s", 0.5),
}
# What the text model makes of each text. The model itself is tested in tests/nlp and
# takes ~20 s to train, so it is pinned here; these are its real answers for these texts.
UNDERSTOOD = {
    COMPLAINT: Prediction("uk", "negative", "complaint", False),
    SPAM: Prediction("uk", "neutral", "spam", False),
    QUESTION: Prediction("ru", "neutral", "question", False),
    PURCHASE: Prediction("en", "neutral", "purchase", False),
    LATE_SPAM: Prediction("en", "neutral", "spam", False),
}


@pytest.fixture(autouse=True)
def pinned_model(monkeypatch):
    return pin_model(monkeypatch, UNDERSTOOD)


def say(lang: str, text) -> str:
    """What the user sees for ``text`` (a msgid or a lazy string) in their language."""
    with override(lang):
        return str(gettext(text) if isinstance(text, str) else text)


def audience_comment(post, key: str):
    """A comment on the sandbox network (its server side): one of AUDIENCE, or any text."""
    text, name, handle, ago = AUDIENCE.get(key) or (key, "Bot", "bot_spam", 0.05)
    return SandboxComment.objects.create(
        post=post, author_handle=handle, author_name=name, language="", category="test",
        text=text, created_at=timezone.now() - timedelta(hours=ago))


@pytest.fixture
def desk(db):
    def make(lang: str):
        owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena",
                            language=lang)
        ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
        channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                                  data={"name": "Zerno Sandbox", "audience": "uk"})
        # Our post, published on the sandbox network a day ago; its audience is ours.
        post = post_create(workspace=ws, actor=owner, body=POST)
        pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
        account = SandboxAccount.objects.get(handle=channel.external_id)
        day_ago = timezone.now() - timedelta(days=1)
        remote = network.post_create(account=account, text=POST, at=day_ago)
        remote.comments.all().delete()  # the simulator's random audience: not this walk's
        Publication.objects.filter(pk=pub.pk).update(
            status=Status.PUBLISHED, published_at=day_ago, external_id=str(remote.pk))
        for key in AUDIENCE:
            audience_comment(remote, key)
        report = ingest(comments_of(channel))  # the worker's path: connector → ingest
        assert (report.new, report.leads) == (4, 1)
        msgs = {k: Message.objects.get(channel=channel, text=AUDIENCE[k][0]) for k in AUDIENCE}
        saved_reply_save(workspace=ws, name="Sorry", text="{name}, вибачте, ми все виправимо.",
                         for_intent="complaint")
        return ws, channel, remote, msgs
    return make


def listed(page) -> list[int]:
    return [int(x) for x in page.eval_on_selector_all(
        "#inbox-rows .inbox-row", "rows => rows.map(r => r.dataset.id)")]


def cursor_row(page) -> int:
    return int(page.get_attribute("#inbox-rows .inbox-row.cursor", "data-id"))


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_inbox_walk(lang, desk, live_server, new_page, shots):
    ws, channel, remote, msgs = desk(lang)
    complaint, question, spam, purchase = (msgs[k] for k in ("complaint", "question", "spam",
                                                            "purchase"))
    page = new_page("uk-UA" if lang == "uk" else "en-US")
    base = live_server.url

    sign_in(page, base, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")

    # The stream: the negative complaint first, though it is the oldest; then the person
    # who wants to buy; then the rest, newest first.
    page.goto(f"{base}/w/{ws.slug}/inbox/")
    assert page.get_attribute("html", "lang") == lang
    assert page.inner_text("#inbox-h") == say(lang, "Inbox")
    assert listed(page) == [complaint.pk, purchase.pk, spam.pk, question.pk]
    bad = page.locator(f"#row-{complaint.pk}")
    assert bad.locator(".badge.i-negative").inner_text() == say(lang,
                                                                SENTIMENT_NAMES["negative"])
    assert bad.locator(".badge.i-intent").inner_text() == say(lang, INTENT_NAMES["complaint"])
    assert bad.locator(".badge.i-lang").inner_text() == "UK"
    assert bad.locator(".badge.i-overdue").count() == 1  # 3 h unanswered, the limit is 2 h
    assert "prio" in bad.get_attribute("class")
    buyer = page.locator(f"#row-{purchase.pk}")
    assert buyer.locator(".badge.i-intent").inner_text() == say(lang, INTENT_NAMES["purchase"])
    assert buyer.locator(".badge.i-lang").inner_text() == "EN"
    assert page.locator(f"#row-{spam.pk} .badge.i-intent").inner_text() == \
        say(lang, INTENT_NAMES["spam"])
    assert page.locator(f"#row-{question.pk} .badge.i-lang").inner_text() == "RU"
    assert page.locator(f"#row-{question.pk} .badge.i-overdue").count() == 0
    shots(page, "inbox")

    # The keyboard: j / k move the cursor, Enter opens the message in the pane.
    assert cursor_row(page) == complaint.pk
    page.keyboard.press("j")
    assert cursor_row(page) == purchase.pk
    page.keyboard.press("j")
    assert cursor_row(page) == spam.pk
    assert page.locator("#inbox-rows .inbox-row.cursor").count() == 1
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert cursor_row(page) == complaint.pk
    page.keyboard.press("Enter")
    pane = page.locator(f"#pane .inbox-msg[data-message='{complaint.pk}']")
    pane.wait_for()
    page.wait_for_url(f"**/w/{ws.slug}/inbox/{complaint.pk}/")
    page.wait_for_selector(f"#row-{complaint.pk}.on")  # its row is marked as the open one
    assert POST in pane.locator(".inbox-post").inner_text()  # under which post
    assert COMPLAINT in pane.locator(".inbox-thread li.this").inner_text()
    card = pane.locator(".inbox-author")
    assert card.is_visible() and "Оксана Мельник" in card.inner_text()
    # The saved reply for complaints is offered, with the author's first name filled in.
    assert pane.locator(".inbox-suggest [data-fill]").get_attribute("data-fill") == \
        "Оксана, вибачте, ми все виправимо."

    # r: into the answer; Ctrl+Enter sends it on the network.
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-text"
    page.keyboard.type(ANSWER)
    shots(page, "message-open")
    page.keyboard.press("Control+Enter")
    ours = pane.locator(".inbox-thread li.ours")
    ours.wait_for()
    assert ANSWER in ours.inner_text()
    assert page.input_value("#reply-text") == ""  # sent: the box is empty again
    sent = Message.objects.get(parent=complaint, by_us=True)
    assert sent.text == ANSWER and sent.channel == channel
    assert SandboxComment.objects.filter(parent_id=int(complaint.external_id), by_owner=True,
                                         text=ANSWER, post=remote).exists()
    complaint.refresh_from_db()
    assert complaint.status == MessageStatus.DONE and complaint.first_reply_at is not None
    assert complaint.first_reply_by.email == "olena@example.com"
    page.wait_for_selector(f"#row-{complaint.pk}.st-done")  # the row came back, answered
    assert page.locator(f"#row-{complaint.pk} .badge.i-answered").count() == 1
    shots(page, "answered")

    # e: the next message (the buyer, answered elsewhere) is marked done from the list.
    # The answer went out, so the focus left the box: the keys work again at once.
    page.wait_for_function("() => document.activeElement.id !== 'reply-text'")
    page.keyboard.press("j")
    assert cursor_row(page) == purchase.pk
    page.keyboard.press("e")
    page.wait_for_selector(f"#row-{purchase.pk}.st-done")
    assert page.inner_text("#toast") == say(lang, "Marked as done.")
    purchase.refresh_from_db()
    assert purchase.status == MessageStatus.DONE and purchase.resolved_at is not None
    assert cursor_row(page) == spam.pk  # the cursor went on to the next one
    assert Message.objects.get(pk=spam.pk).status == MessageStatus.NEW

    # ?: the keyboard help, and again to close it.
    help_box = page.locator("#inbox-keys")
    assert not help_box.is_visible()
    page.keyboard.press("?")
    help_box.wait_for(state="visible")
    assert page.inner_text("#inbox-keys-h") == say(lang, "Keyboard shortcuts")
    assert say(lang, "send the answer") in help_box.inner_text()
    shots(page, "keys")
    page.keyboard.press("j")  # keys other than ? do nothing while the help is open
    assert cursor_row(page) == spam.pk
    page.keyboard.press("?")
    help_box.wait_for(state="hidden")

    # Filters: the open stream is what is left; intent "spam" narrows it to the spam.
    page.goto(f"{base}/w/{ws.slug}/inbox/")
    assert listed(page) == [spam.pk, question.pk]
    page.click(".inbox-status a:last-child")  # every status
    page.wait_for_url("**status=all**")
    assert set(listed(page)) == {complaint.pk, purchase.pk, spam.pk, question.pk}
    page.select_option("select[name=intent]", "spam")
    page.wait_for_url("**intent=spam**")
    assert listed(page) == [spam.pk]
    page.select_option("select[name=sentiment]", "negative")
    page.wait_for_url("**sentiment=negative**")
    assert listed(page) == []
    page.select_option("select[name=intent]", "")
    page.wait_for_function("() => !location.search.includes('intent=spam')")
    assert listed(page) == [complaint.pk]
    assert page.input_value("select[name=sentiment]") == "negative"
    shots(page, "filtered")

    # Moderation: intent spam → hide, saved switched off, dry-run, switched on.
    page.goto(f"{base}/w/{ws.slug}/moderation/")
    page.fill("#r-name", "Spam away")
    page.check("input[name=intents][value=spam]")
    page.check("input[name=hide]")
    shots(page, "rule-builder")
    page.click("button[name=do][value=save]")
    page.wait_for_url(re.compile(r"/moderation/\d+/dry-run/"))  # (#builder may tag along)
    rule = Rule.objects.get(workspace=ws)
    assert (rule.name, rule.enabled) == ("Spam away", False)
    assert rule.conditions == {"intents": ["spam"]} and rule.actions == [{"do": "hide"}]
    matches = page.locator("#dry-run tbody tr")
    assert matches.count() == 1
    assert SPAM in matches.inner_text()
    assert matches.locator("a").get_attribute("href") == f"/w/{ws.slug}/inbox/{spam.pk}/"
    assert not RuleAction.objects.exists()  # a dry run changes nothing
    shots(page, "dry-run")
    page.click(f"form[action$='/moderation/{rule.pk}/enable/'] button")
    page.wait_for_url(f"**/moderation/#rule-{rule.pk}")
    rule.refresh_from_db()
    assert rule.enabled
    assert page.get_attribute(f"#rule-{rule.pk} [role=switch]", "aria-checked") == "true"
    shots(page, "rule-on")

    # From now on the rule acts on new spam (the worker hides it on the network).
    late = audience_comment(remote, LATE_SPAM)
    assert ingest(comments_of(channel)).rule_actions == 1
    action = RuleAction.objects.get()
    assert (action.message.text, action.action, action.state) == (LATE_SPAM, "hide", "pending")
    assert run_pending() == 1
    late.refresh_from_db()
    assert late.hidden and not SandboxComment.objects.get(pk=spam.external_id).hidden

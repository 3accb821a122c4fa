"""The inbox page: the stream with its filters and bulk actions, one message with its post,
thread and author, answering and moderating through the sandbox network, and who may."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from smmdesk.accounts.services import membership_set
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.inbox.collect import comments_of
from smmdesk.inbox.ingest import Incoming, ingest
from smmdesk.inbox.models import InboxVisit, Label, Message, MessageStatus
from smmdesk.inbox.services import message_assign, message_label, saved_reply_save
from smmdesk.nlp.model import Prediction
from smmdesk.nlp.models import Correction
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment
from tests.fakes import pin_model

pytestmark = pytest.mark.django_db

COMPLAINT = "Замовила каву, прийшла розбита пачка, і вже тиждень ніхто не відповідає!"
PRAISE = "Дуже смачна кава, дякую! Ви найкращі"
QUESTION = "Скільки коштує доставка до Львова?"
ENGLISH = "Great coffee, thank you so much!"
SPAMMY = "Заробіток від 500$ на день, пиши в особисті"

# What the text model says of each text (the model itself is tested in nlp; here the
# inbox is, so its answers are pinned and the tests need no ten-second training).
UNDERSTOOD = {
    COMPLAINT: Prediction("uk", "negative", "complaint", False),
    PRAISE: Prediction("uk", "positive", "praise", False),
    QUESTION: Prediction("uk", "neutral", "question", False),
    ENGLISH: Prediction("en", "positive", "praise", False),
    SPAMMY: Prediction("uk", "neutral", "spam", True),
}


@pytest.fixture(autouse=True)
def pinned_model(monkeypatch):
    return pin_model(monkeypatch, UNDERSTOOD)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Kyiv", "audience": "uk"})


def incoming(channel, external_id: str, text: str, *, hours_ago: float = 0.1,
             author: str = "u1", name: str = "Olha", **extra) -> Incoming:
    return Incoming(channel=channel, external_id=external_id, text=text,
                    created_at=timezone.now() - timedelta(hours=hours_ago), author_id=author,
                    author_name=name, **extra)


def take(channel, *items: Incoming) -> list[Message]:
    ingest(list(items))
    return [Message.objects.get(channel=channel, external_id=i.external_id) for i in items]


def url(workspace, rest: str = "") -> str:
    return f"/w/{workspace.slug}/inbox/{rest}"


def row(page: str, m: Message) -> str:
    """The HTML of one message's row in the stream ("" when it is not listed)."""
    found = re.search(rf'<div class="inbox-row[^"]*" id="row-{m.pk}".*?</a>\s*</div>', page,
                      re.S)
    return found.group(0) if found else ""


def listed(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="inbox-row[^"]*" id="row-(\d+)"', page)]


# ---------------------------------------------------------------- the stream


def test_it_shows_ingested_messages_with_badges_worst_first(workspace, owner, channel):
    complaint, praise = take(channel, incoming(channel, "c1", COMPLAINT, hours_ago=3),
                             incoming(channel, "c2", PRAISE, author="u2", name="Taras"))
    page = login(owner).get(url(workspace)).content.decode()
    assert listed(page) == [complaint.pk, praise.pk]  # the older complaint comes first
    bad = row(page, complaint)
    assert "Olha" in bad and "Kyiv" in bad and COMPLAINT in bad
    assert 'class="badge i-negative"' in bad and "complaint" in bad and ">UK<" in bad
    assert "overdue" in bad  # three hours unanswered; the answer time is two
    good = row(page, praise)
    assert 'class="badge i-positive"' in good and "praise" in good
    assert "overdue" not in good


def test_it_shows_labels_assignee_and_toxic_on_a_row(workspace, owner, editor, channel):
    (m,) = take(channel, incoming(channel, "c1", SPAMMY))
    message_label(workspace=workspace, messages=[m], name="Розіграш")
    message_assign(workspace=workspace, messages=[m], user_id=editor.pk)
    shown = row(login(owner).get(url(workspace)).content.decode(), m)
    assert "Розіграш" in shown and "toxic" in shown and "editor@example.com" in shown
    assert "In progress" in shown


@pytest.fixture
def stream(workspace, owner, editor, channel):
    minsk = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Minsk", "audience": "en"})
    complaint, question, spam = take(
        channel, incoming(channel, "c1", COMPLAINT, name="Olha Kovalenko"),
        incoming(channel, "c2", QUESTION, author="u2", name="Ivan"),
        incoming(channel, "c3", SPAMMY, author="u3", name="Bot"))
    (english,) = take(minsk, incoming(minsk, "m1", ENGLISH, author="u4", name="Anna"))
    message_assign(workspace=workspace, messages=[complaint], user_id=editor.pk)
    message_label(workspace=workspace, messages=[complaint], name="Delivery")
    Message.objects.filter(pk=question.pk).update(status=MessageStatus.DONE)
    Message.objects.filter(pk=spam.pk).update(status=MessageStatus.SPAM)
    return {"complaint": complaint, "question": question, "spam": spam, "english": english,
            "minsk": minsk}


@pytest.mark.parametrize("query,expected", [
    ("", {"complaint", "english"}),
    ("status=new", {"english"}),
    ("status=in_progress", {"complaint"}),
    ("status=done", {"question"}),
    ("status=spam", {"spam"}),
    ("status=all", {"complaint", "question", "spam", "english"}),
    ("language=en", {"english"}),
    ("sentiment=negative", {"complaint"}),
    ("status=all&intent=question", {"question"}),
    ("status=all&sentiment=positive", {"english"}),
    ("assignee=unassigned", {"english"}),
    ("q=розбита", {"complaint"}),
    ("q=kovalenko", {"complaint"}),
    ("status=bogus&channel=x&language=zz&hours=-3&label=abc&assignee=?", {"complaint",
                                                                         "english"}),
])
def test_each_filter_narrows_the_stream(workspace, owner, stream, query, expected):
    r = login(owner).get(url(workspace) + "?" + query)
    assert r.status_code == 200
    assert set(listed(r.content.decode())) == {stream[k].pk for k in expected}


def test_a_filter_id_in_other_digits_is_ignored_not_a_500(workspace, owner, stream):
    """"²" and "٣" are digits to str.isdigit, not to int()."""
    client = login(owner)
    everything = listed(client.get(url(workspace)).content.decode())
    for odd in ("²", "٣", "1²"):
        response = client.get(url(workspace) + "?channel=" + odd)
        assert response.status_code == 200, odd
        assert listed(response.content.decode()) == everything, odd


def test_the_channel_label_and_assignee_filters(workspace, owner, editor, stream):
    client = login(owner)
    label = Label.objects.get(workspace=workspace, name="Delivery")
    for query, expected in ((f"channel={stream['minsk'].pk}", "english"),
                            (f"label={label.pk}", "complaint"),
                            (f"assignee={editor.pk}", "complaint")):
        page = client.get(url(workspace) + "?" + query).content.decode()
        assert listed(page) == [stream[expected].pk], query
    message_assign(workspace=workspace, messages=[stream["english"]], user_id=owner.pk)
    assert listed(client.get(url(workspace) + "?assignee=me").content.decode()) == \
        [stream["english"].pk]


def test_unanswered_for_more_than_n_hours(workspace, owner, channel):
    old, fresh, answered = take(
        channel, incoming(channel, "c1", "Де моє замовлення?", hours_ago=5),
        incoming(channel, "c2", "А є без кофеїну?", hours_ago=1, author="u2"),
        incoming(channel, "c3", "Дякую за відповідь", hours_ago=6, author="u3"))
    Message.objects.filter(pk=answered.pk).update(first_reply_at=timezone.now())
    page = login(owner).get(url(workspace) + "?hours=3").content.decode()
    assert listed(page) == [old.pk]
    assert 'name="hours" min="1" step="1" value="3"' in page


def test_the_stream_is_paginated_by_fifty(workspace, owner, channel):
    take(channel, *[incoming(channel, f"c{i}", f"Питання номер {i}", hours_ago=i / 100)
                    for i in range(55)])
    client = login(owner)
    first = client.get(url(workspace)).content.decode()
    second = client.get(url(workspace) + "?page=2").content.decode()
    assert len(listed(first)) == 50 and len(listed(second)) == 5
    assert "Page 1 of 2" in first and "page=2" in first
    assert not set(listed(first)) & set(listed(second))


# ---------------------------------------------------------------- many at once


def test_bulk_done_spam_open_assign_and_label(workspace, owner, editor, outsider, channel):
    a, b = take(channel, incoming(channel, "c1", COMPLAINT),
                incoming(channel, "c2", QUESTION, author="u2"))
    foreign_ws = outsider.memberships.get().workspace
    foreign_channel = channel_connect(workspace=foreign_ws, kind="sandbox", actor=outsider,
                                      data={"name": "Theirs"})
    (foreign,) = take(foreign_channel, incoming(foreign_channel, "f1", QUESTION))
    client = login(editor)

    def bulk(action, **extra):
        return client.post(url(workspace, "bulk/"), {"ids": [a.pk, b.pk, foreign.pk],
                                                    "action": action, **extra}, follow=True)

    r = bulk("done", keep="status=all&language=uk")
    assert r.redirect_chain[-1][0] == url(workspace) + "?status=all&language=uk"
    assert "2 messages updated." in r.content.decode()
    assert {m.status for m in Message.objects.filter(pk__in=[a.pk, b.pk])} == {"done"}
    assert Message.objects.get(pk=foreign.pk).status == MessageStatus.NEW
    bulk("spam")
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) \
        == {"spam"}
    bulk("open")
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) \
        == {"new"}
    bulk("assign", assignee=str(owner.pk))
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee", flat=True)) \
        == {owner.pk}
    bulk("label", label="Опт")
    assert {m.pk for m in Label.objects.get(workspace=workspace, name="Опт").messages.all()} \
        == {a.pk, b.pk}
    assert Message.objects.get(pk=foreign.pk).assignee_id is None
    assert not foreign.labels.exists()


def test_bulk_says_what_is_wrong(workspace, owner, outsider, channel):
    (a,) = take(channel, incoming(channel, "c1", COMPLAINT))
    client = login(owner)
    nothing = client.post(url(workspace, "bulk/"), {"action": "done"}, follow=True)
    assert "Tick the messages first." in nothing.content.decode()
    stranger = client.post(url(workspace, "bulk/"), {"ids": [a.pk], "action": "assign",
                                                     "assignee": str(outsider.pk)}, follow=True)
    assert "not a member of this workspace" in stranger.content.decode()
    odd = client.post(url(workspace, "bulk/"), {"ids": [a.pk, "x", "99999999999999999999"],
                                                "action": "explode"}, follow=True)
    assert odd.status_code == 200 and "Choose what to do" in odd.content.decode()
    assert Message.objects.get(pk=a.pk).status == MessageStatus.NEW


# ---------------------------------------------------------------- one message


@pytest.fixture
def published(workspace, owner, channel):
    """Our post, published on the sandbox network a day ago, and its comments taken in."""
    post = post_create(workspace=workspace, actor=owner,
                       body="Новий бленд «Карпати» вже в магазині: https://zerno.example/k")
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    account = SandboxAccount.objects.get(handle=channel.external_id)
    day_ago = timezone.now() - timedelta(days=1)
    remote = network.post_create(account=account, text=post.body, at=day_ago)
    Publication.objects.filter(pk=pub.pk).update(status=Status.PUBLISHED, published_at=day_ago,
                                                 external_id=str(remote.pk))
    ingest(comments_of(channel))
    first = SandboxComment.objects.filter(post=remote).order_by("created_at").first()
    return {"pub": pub, "remote": remote, "comment": first,
            "message": Message.objects.get(channel=channel, external_id=str(first.pk))}


def test_the_message_pane_shows_post_thread_and_author(workspace, owner, channel, published):
    m, comment = published["message"], published["comment"]
    take(channel,
         incoming(channel, "r1", "Підтримую, теж чекаю", author="u9", name="Petro",
                  post_external_id=m.post_external_id, parent_external_id=m.external_id),
         incoming(channel, "e1", COMPLAINT, hours_ago=30, author=comment.author_handle,
                  name=comment.author_name))
    page = login(owner).get(url(workspace, f"{m.pk}/")).content.decode()
    pane = page.split('id="pane"')[1]
    assert "Новий бленд «Карпати»" in pane
    assert f'href="/w/{workspace.slug}/publications/{published["pub"].pk}/"' in pane
    thread = pane.split('class="inbox-thread"')[1].split("</ol>")[0]
    assert thread.index(escape(m.text)) < thread.index("Підтримую, теж чекаю")
    card = pane.split('class="inbox-author"')[1]
    theirs = Message.objects.filter(author=m.author).count()  # the audience may add more
    assert theirs >= 2 and f"{theirs} messages since" in card
    assert escape(comment.author_name) in card
    assert COMPLAINT in card  # the author's earlier message, with its mood
    assert 'class="inbox-strip"' in card and "complaint · 1" in card
    same = login(owner).get(url(workspace) + f"?m={m.pk}").content.decode()
    assert 'id="reply-text"' in same and f'id="row-{m.pk}"' in same


def test_htmx_gets_only_the_pane(workspace, owner, published):
    m = published["message"]
    r = login(owner).get(url(workspace, f"{m.pk}/"), HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="pane")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body and f'data-message="{m.pk}"' in body
    assert "HX-Request" in r["Vary"]


def test_a_reply_goes_out_and_joins_the_thread(workspace, owner, published):
    m, comment = published["message"], published["comment"]
    r = login(owner).post(url(workspace, f"{m.pk}/reply/"),
                          {"text": "Дякуємо! Чекаємо у кав'ярні", "keep": "status=all"})
    assert r.status_code == 302 and r.url == url(workspace, f"{m.pk}/") + "?status=all"
    ours = Message.objects.get(parent=m, by_us=True)
    assert ours.text == "Дякуємо! Чекаємо у кав'ярні"
    assert SandboxComment.objects.filter(parent=comment, by_owner=True,
                                         text=ours.text).exists()
    m.refresh_from_db()
    assert m.status == MessageStatus.DONE and m.first_reply_at is not None
    assert m.first_reply_by == owner
    page = login(owner).get(r.url).content.decode()
    thread = page.split('class="inbox-thread"')[1].split("</ol>")[0]
    assert "our answer" in thread and escape(ours.text) in thread


def test_a_reply_over_htmx_returns_the_pane_and_the_row(workspace, owner, published):
    m = published["message"]
    r = login(owner).post(url(workspace, f"{m.pk}/reply/"), {"text": "Дякуємо!"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pane")
    body = r.content.decode()
    assert r.status_code == 200 and "Answer sent." in body
    assert f'id="row-{m.pk}"' in body and 'hx-swap-oob="true"' in body
    assert '<textarea id="reply-text" name="text"' in body and "Дякуємо!</textarea>" not in body


def test_an_empty_reply_keeps_the_page_and_says_why(workspace, owner, published):
    m = published["message"]
    r = login(owner).post(url(workspace, f"{m.pk}/reply/"), {"text": "   "})
    assert r.status_code == 400 and "Write the answer first." in r.content.decode()
    assert not Message.objects.filter(parent=m).exists()


def test_a_network_failure_is_said_in_plain_words(workspace, owner, channel, published):
    (orphan,) = take(channel, incoming(channel, "999999", QUESTION))  # not on the network
    r = login(owner).post(url(workspace, f"{orphan.pk}/reply/"), {"text": "Так, є"})
    body = r.content.decode()
    assert r.status_code == 400 and "that comment does not exist (deleted?)" in body
    assert "Так, є</textarea>" in body  # what was typed is still there
    orphan.refresh_from_db()
    assert orphan.first_reply_at is None


def test_an_odd_network_answer_keeps_the_typed_text(workspace, owner, published, monkeypatch):
    def odd(self, comment, text):
        raise KeyError("data")

    monkeypatch.setattr("smmdesk.connectors.sandbox.SandboxConnector.reply", odd)
    m = published["message"]
    r = login(owner).post(url(workspace, f"{m.pk}/reply/"), {"text": "Так, є"})
    body = r.content.decode()
    assert r.status_code == 400 and "Kyiv did not accept this" in body
    assert "Так, є</textarea>" in body
    assert not Message.objects.filter(parent=m).exists()


def test_saved_replies_are_suggested_with_variables_filled(workspace, owner, channel, published):
    m = published["message"]
    Message.objects.filter(pk=m.pk).update(intent="question", language="uk")
    reply = saved_reply_save(workspace=workspace, name="Ціна", text="{name}, дивіться: {link}",
                             language="uk", for_intent="question")
    saved_reply_save(workspace=workspace, name="Для скарг", text="Вибачте", for_intent="complaint")
    first_name = published["comment"].author_name.split()[0]
    page = login(owner).get(url(workspace, f"{m.pk}/")).content.decode()
    filled = f"{first_name}, дивіться: https://zerno.example/k"
    assert f'data-fill="{escape(filled)}"' in page and "Для скарг" not in page
    prefilled = login(owner).get(url(workspace, f"{m.pk}/") + f"?saved={reply.pk}")
    assert f">{escape(filled)}</textarea>" in prefilled.content.decode()


def test_hide_works_on_the_sandbox_and_delete_says_why_not(workspace, owner, published):
    m, comment = published["message"], published["comment"]
    client = login(owner)
    page = client.get(url(workspace, f"{m.pk}/")).content.decode()
    assert "Sandbox does not let smmdesk delete comments." in page
    assert f'action="/w/{workspace.slug}/inbox/{m.pk}/delete/"' not in page
    client.post(url(workspace, f"{m.pk}/hide/"), {"hidden": "1"})
    m.refresh_from_db()
    comment.refresh_from_db()
    assert m.hidden and comment.hidden
    assert "hidden on the network" in client.get(url(workspace, f"{m.pk}/")).content.decode()
    client.post(url(workspace, f"{m.pk}/hide/"), {"hidden": "0"})
    comment.refresh_from_db()
    assert not comment.hidden
    r = client.post(url(workspace, f"{m.pk}/delete/"), follow=True)
    assert r.status_code == 400 and "does not let smmdesk delete comments" in r.content.decode()
    m.refresh_from_db()
    assert not m.deleted


def test_a_correction_is_kept_and_shown(workspace, owner, channel):
    (m,) = take(channel, incoming(channel, "c1", "Ну звісно, «швидка» доставка. Два тижні."))
    client = login(owner)
    r = client.post(url(workspace, f"{m.pk}/correct/"), {
        "language": "uk", "sentiment": "negative", "intent": "complaint", "toxic": ""})
    assert r.status_code == 302
    fix = Correction.objects.get(workspace=workspace)
    assert (fix.text, fix.sentiment, fix.intent, fix.toxic, fix.created_by) == \
        (m.text, "negative", "complaint", False, owner)
    m.refresh_from_db()
    assert (m.sentiment, m.intent) == ("negative", "complaint")
    page = client.get(r.url).content.decode()
    assert "Corrected by Olena" in page and 'class="badge i-negative"' in page
    bad = client.post(url(workspace, f"{m.pk}/correct/"), {"intent": "gossip"})
    assert bad.status_code == 400 and "Unknown label: gossip." in bad.content.decode()
    assert Correction.objects.count() == 1


def test_status_assign_label_and_author_notes_from_the_pane(workspace, owner, editor, channel):
    (m,) = take(channel, incoming(channel, "c1", COMPLAINT))
    client = login(owner)
    client.post(url(workspace, f"{m.pk}/assign/"), {"user": str(editor.pk)})
    client.post(url(workspace, f"{m.pk}/label/"), {"name": "Доставка"})
    client.post(url(workspace, f"{m.pk}/author/"), {"tags": "vip, опт, vip", "note": "Постійна"})
    m.refresh_from_db()
    assert m.assignee == editor and m.status == MessageStatus.IN_PROGRESS
    assert [x.name for x in m.labels.all()] == ["Доставка"]
    assert (m.author.tags, m.author.note) == (["vip", "опт"], "Постійна")
    client.post(url(workspace, f"{m.pk}/label/"), {"name": "Доставка", "remove": "1"})
    client.post(url(workspace, f"{m.pk}/status/"), {"status": "done"})
    m.refresh_from_db()
    assert not m.labels.exists() and m.status == MessageStatus.DONE and m.resolved_at
    client.post(url(workspace, f"{m.pk}/status/"), {"status": "open"})
    m.refresh_from_db()
    assert m.status == MessageStatus.NEW and m.resolved_at is None
    r = client.post(url(workspace, f"{m.pk}/status/"), {"status": "lost"})
    assert r.status_code == 400 and "Unknown status." in r.content.decode()
    assert client.post(url(workspace, f"{m.pk}/explode/")).status_code == 404


def test_the_keyboard_marks_over_json(workspace, owner, channel):
    (m,) = take(channel, incoming(channel, "c1", COMPLAINT))
    r = login(owner).post(url(workspace, f"{m.pk}/status/"), {"status": "spam"},
                          HTTP_ACCEPT="application/json")
    answer = json.loads(r.content)
    assert answer["ok"] and answer["message"] == "Marked as spam."
    assert f'id="row-{m.pk}"' in answer["row"] and "Spam" in answer["row"]
    assert Message.objects.get(pk=m.pk).status == MessageStatus.SPAM
    bad = login(owner).post(url(workspace, f"{m.pk}/assign/"), {"user": "x"},
                            HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and json.loads(bad.content)["ok"] is False


def test_the_page_carries_the_keyboard_help(workspace, owner):
    page = login(owner).get(url(workspace)).content.decode()
    assert "smmdesk/inbox.js" in page and 'id="inbox-keys"' in page
    assert "Nothing is waiting for an answer." in page


# ---------------------------------------------------------------- who may


def test_an_analyst_reads_but_cannot_answer_or_assign(workspace, owner, analyst, published):
    m = published["message"]
    client = login(analyst)
    assert client.get(url(workspace)).status_code == 200
    page = client.get(url(workspace, f"{m.pk}/")).content.decode()
    assert escape(m.text) in page and 'id="reply-text"' not in page and 'form="bulk"' not in page
    assert client.post(url(workspace, f"{m.pk}/reply/"), {"text": "Hi"}).status_code == 403
    assert client.post(url(workspace, f"{m.pk}/assign/"),
                       {"user": str(analyst.pk)}).status_code == 403
    assert client.post(url(workspace, "bulk/"), {"ids": [m.pk],
                                                 "action": "done"}).status_code == 403
    m.refresh_from_db()
    assert m.assignee_id is None and m.status == MessageStatus.NEW
    assert not Message.objects.filter(by_us=True).exists()


def test_a_client_does_not_see_the_inbox(workspace, owner, client_user, channel):
    (m,) = take(channel, incoming(channel, "c1", COMPLAINT))
    client = login(client_user)
    assert client.get(url(workspace)).status_code == 403
    assert client.get(url(workspace, f"{m.pk}/")).status_code == 403
    calendar = client.get(reverse("web:calendar", args=[workspace.slug])).content.decode()
    assert reverse("web:approvals", args=[workspace.slug]) in calendar
    assert url(workspace) not in calendar  # no link to a page that refuses them
    assert reverse("web:channels", args=[workspace.slug]) not in calendar
    staff = login(owner).get(reverse("web:calendar", args=[workspace.slug])).content.decode()
    assert url(workspace) in staff and reverse("web:channels", args=[workspace.slug]) in staff


def test_an_outsider_gets_404(workspace, outsider, channel):
    (m,) = take(channel, incoming(channel, "c1", COMPLAINT))
    client = login(outsider)
    assert client.get(url(workspace)).status_code == 404
    assert client.get(url(workspace, f"{m.pk}/")).status_code == 404
    assert client.post(url(workspace, f"{m.pk}/status/"), {"status": "done"}).status_code == 404
    assert client.post(url(workspace, "bulk/"), {"ids": [m.pk],
                                                 "action": "done"}).status_code == 404
    theirs = outsider.memberships.get().workspace
    assert client.get(url(theirs, f"{m.pk}/")).status_code == 404  # not theirs either
    assert Message.objects.get(pk=m.pk).status == MessageStatus.NEW


def test_a_member_of_two_workspaces_cannot_reach_across(workspace, owner, outsider, channel):
    (m,) = take(channel, incoming(channel, "c1", COMPLAINT))
    theirs = outsider.memberships.get().workspace
    membership_set(workspace=theirs, user=owner, role="manager")
    client = login(owner)
    assert client.get(url(theirs, f"{m.pk}/")).status_code == 404
    assert client.get(url(theirs) + f"?m={m.pk}").status_code == 404
    assert client.post(url(theirs, f"{m.pk}/status/"), {"status": "done"}).status_code == 404


# ---------------------------------------------------------------- uncertain labels

VAGUE = "Ну таке. Чекала більшого, якщо чесно"
THRESHOLDS = {"pin": 0.7, "alert": 0.7, "lead": 0.7, "hide": 0.85, "rule": 0.7}


@pytest.fixture
def vague(pinned_model, settings, channel):
    """A message the model reads as a complaint, unsure of it (40%)."""
    settings.SMMDESK_NLP_THRESHOLDS = dict(THRESHOLDS)
    pinned_model.table[VAGUE] = Prediction("uk", "negative", "complaint", True, {
        "language": 0.99, "sentiment": 0.9, "intent": 0.4, "toxic": 0.8})
    (m,) = take(channel, incoming(channel, "c1", VAGUE))
    return m


def test_the_list_and_the_message_say_uncertain(workspace, owner, channel, vague):
    (sure,) = take(channel, incoming(channel, "c2", COMPLAINT, author="u2"))
    client = login(owner)
    page = client.get(url(workspace)).content.decode()
    assert 'class="badge i-uncertain"' in row(page, vague) and "complaint?" in row(page, vague)
    assert "smmdesk is not sure of: intent (40%)" in row(page, vague)
    assert "i-uncertain" not in row(page, sure)
    pane = client.get(url(workspace, f"{vague.pk}/")).content.decode()
    assert "Uncertain: smmdesk is not sure of the intent (40%)." in pane
    assert 'class="badge i-uncertain"' in pane
    assert "Uncertain:" not in client.get(url(workspace, f"{sure.pk}/")).content.decode()


def test_one_key_corrects_one_label_and_makes_it_sure(workspace, owner, vague):
    r = login(owner).post(url(workspace, f"{vague.pk}/correct/"), {"intent": "question"},
                          HTTP_ACCEPT="application/json")
    answer = json.loads(r.content)
    assert answer["ok"] and "i-uncertain" not in answer["row"] and "question" in answer["row"]
    vague.refresh_from_db()
    assert (vague.intent, vague.sentiment, vague.toxic) == ("question", "negative", True)
    assert vague.confidence["intent"] == 1.0 and vague.confidence["toxic"] == 0.8
    assert Correction.objects.get().tasks == ["intent"]


def test_the_correction_form_sends_every_label(workspace, owner, vague):
    client = login(owner)
    pane = client.get(url(workspace, f"{vague.pk}/")).content.decode()
    assert '<input type="hidden" name="toxic" value="0">' in pane
    client.post(url(workspace, f"{vague.pk}/correct/"), {
        "language": "uk", "sentiment": "negative", "intent": "complaint", "toxic": "0"})
    vague.refresh_from_db()
    assert vague.toxic is False and vague.priority == 3
    assert Correction.objects.get().tasks == ["language", "sentiment", "intent", "toxic"]


def test_the_keyboard_help_lists_the_correction_keys_for_those_who_may(workspace, owner,
                                                                      analyst, vague):
    page = login(owner).get(url(workspace)).content.decode()
    assert 'data-correct-key="1" data-field="intent" data-value="question"' in page
    assert 'data-correct-key="6" data-field="intent" data-value="other"' in page
    assert 'data-correct-key="7" data-field="sentiment" data-value="negative"' in page
    assert 'data-correct-key="9" data-field="sentiment" data-value="positive"' in page
    assert f'data-correct="/w/{workspace.slug}/inbox/{vague.pk}/correct/"' in page
    assert "1–6 correct the intent, 7–9 the tone." in page
    pane = login(owner).get(url(workspace, f"{vague.pk}/")).content.decode()
    assert 'aria-keyshortcuts="1 2 3 4 5 6"' in pane and 'aria-keyshortcuts="7 8 9"' in pane
    read_only = login(analyst).get(url(workspace)).content.decode()
    assert "data-correct-key" not in read_only and "data-correct=" not in read_only


# ---------------------------------------------------------------- order, and what is new


def test_the_order_is_chosen_and_remembered_per_person(workspace, owner, editor, channel):
    urgent, old, fresh = take(channel, incoming(channel, "c1", COMPLAINT, hours_ago=2),
                              incoming(channel, "c2", QUESTION, hours_ago=5, author="u2"),
                              incoming(channel, "c3", PRAISE, hours_ago=0.1, author="u3"))
    assert urgent.priority > fresh.priority  # the complaint is the urgent one
    client = login(owner)
    page = client.get(url(workspace)).content.decode()
    assert listed(page) == [urgent.pk, fresh.pk, old.pk]
    assert '<option value="priority" selected>Most urgent first</option>' in page
    page = client.get(url(workspace) + "?sort=newest").content.decode()
    assert listed(page) == [fresh.pk, urgent.pk, old.pk]
    # Kept without the parameter, after logging in again, and only for this person.
    assert listed(login(owner).get(url(workspace)).content.decode()) == [
        fresh.pk, urgent.pk, old.pk]
    assert listed(login(editor).get(url(workspace)).content.decode()) == [
        urgent.pk, fresh.pk, old.pk]
    page = client.get(url(workspace) + "?sort=oldest&status=all").content.decode()
    assert listed(page) == [old.pk, urgent.pk, fresh.pk]
    assert '<option value="oldest" selected>Oldest first</option>' in page
    assert "Clear filters" in page  # status is a filter; the order is not
    assert "Clear filters" not in client.get(url(workspace) + "?sort=newest").content.decode()
    # Nonsense is ignored: the remembered order stays.
    assert listed(client.get(url(workspace) + "?sort=random").content.decode()) == [
        fresh.pk, urgent.pk, old.pk]


def test_it_counts_and_marks_what_came_since_the_last_visit(workspace, owner, channel):
    seen, = take(channel, incoming(channel, "c1", QUESTION, hours_ago=3))
    client = login(owner)
    first = client.get(url(workspace)).content.decode()
    assert "since your last visit" not in first and " fresh" not in row(first, seen)
    # The last look was two hours ago; two messages came in since then.
    InboxVisit.objects.filter(user=owner).update(seen_at=timezone.now() - timedelta(hours=2))
    Message.objects.filter(pk=seen.pk).update(received_at=timezone.now() - timedelta(hours=3))
    new = take(channel, incoming(channel, "c2", PRAISE, author="u2"),
               incoming(channel, "c3", COMPLAINT, author="u3"))
    page = client.get(url(workspace)).content.decode()
    assert "2 new since your last visit" in page
    assert all('class="inbox-row' in row(page, m) and " fresh" in row(page, m) for m in new)
    assert ">new</span>" in row(page, new[0]) and ">new</span>" not in row(page, seen)
    assert " fresh" not in row(page, seen)
    assert "Show newest first" in page
    # Within the same visit the marks stay; filters count only what they show.
    again = client.get(url(workspace) + "?sentiment=negative").content.decode()
    assert "1 new since your last visit" in again and " fresh" in row(again, new[1])
    # The next visit, an hour after this one, starts from it: nothing came in between.
    InboxVisit.objects.filter(user=owner).update(seen_at=timezone.now() - timedelta(hours=1))
    Message.objects.filter(pk__in=[m.pk for m in new]).update(
        received_at=timezone.now() - timedelta(minutes=90))
    later = client.get(url(workspace)).content.decode()
    assert "since your last visit" not in later and " fresh" not in row(later, new[0])

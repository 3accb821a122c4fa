"""The listening walk, in a real browser, over the demo's monitor (sandbox bloggers and
local news feeds): a manager writes a query with a typo and sees the live check mark the
place the parser names, fixes it, previews it on the stored items and saves it; answers
a blogger's mention from the stream with the keyboard (the outbox sends the answer on
the sandbox network, the pane follows it to "answered"); and turns the story most
outlets tell into a draft post. No page may break the Content-Security-Policy or log an
error to the console on the way."""

from __future__ import annotations

import pytest

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import Post
from smmdesk.core.models import OutboxMessage, OutboxStatus
from smmdesk.core.outbox import outbox_process
from smmdesk.listening.demo import demo_listening
from smmdesk.listening.models import Mention, Query, Story
from smmdesk.listening.query.parser import QuerySyntaxError, parse
from smmdesk.listening.services import query_preview, reply_channels
from smmdesk.nlp.model import Prediction
from smmdesk.publishing.models import Publication
from smmdesk.sandbox.models import SandboxComment
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TYPO = "Zerno AND (кофе OR кава"      # the parenthesis is never closed
FIXED = TYPO + ")"
NAME = "Zerno and coffee"
ANSWER = "Дзякуй! Чакаем вас у Zerno ☕"


@pytest.fixture
def quick_model(monkeypatch):
    """The text model takes ~20 s to train and is tested in tests/nlp; the walk needs
    labels, not good ones (as in tests/listening/test_demo.py)."""
    def classify(texts, *, workspace=None, variant=None, may_train=False):
        return [Prediction("ru", "negative" if "разочаровала" in t else "neutral", "other",
                           False, {"sentiment": 0.95}) for t in texts]
    monkeypatch.setattr("smmdesk.listening.understand.classify", classify)


@pytest.fixture
def desk(db, quick_model, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the demo writes its news feeds here
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena",
                        language="en")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Zerno Sandbox", "audience": "ru"})
    demo_listening(workspace=ws, user=owner, read=True)
    return owner, ws, channel


@pytest.fixture
def watched(new_page):
    """A page whose CSP violations, console errors and uncaught exceptions are kept."""
    def make():
        page = new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"{page.url}: {m.type}: {m.text}")
                if m.type == "error" or "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
        return page, problems
    return make


def expected_problem(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    return caught.value


def type_query(page, text: str) -> None:
    """Type into the query box as a person does. Playwright types letters off the US
    keyboard (here Cyrillic) as text input without key events, and the live check fires
    on keyup: End, a key a person might press too, gives it one (without it the check
    sees the whole text only when the typing outruns its 300 ms delay)."""
    page.click("#query-text")
    page.keyboard.type(text)
    page.keyboard.press("End")


def test_the_listening_walk(desk, live_server, watched, shots):
    owner, ws, channel = desk
    base = live_server.url
    page, problems = watched()
    sign_in(page, base, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")

    # -- A query with a typo: the live check names the problem and marks its place,
    # exactly where the parser says it is.
    page.goto(f"{base}/w/{ws.slug}/listening/queries/new/")
    assert page.get_attribute("#query-check [data-check]", "data-check") == "empty"
    type_query(page, TYPO)
    page.wait_for_function(
        "t => { const b = document.querySelector('#query-check .listening-check');"
        " return b && b.querySelector('.listening-mirror').textContent === t; }", arg=TYPO)
    bad = expected_problem(TYPO)
    check = page.locator("#query-check [data-check=error]")
    assert (int(check.get_attribute("data-position")), int(check.get_attribute("data-end"))) \
        == (bad.position, bad.end) == (TYPO.index("("), TYPO.index("(") + 1)
    assert str(bad.message) in check.locator(".errorlist").inner_text()
    assert f"at character {bad.position + 1}" in check.locator(".errorlist").inner_text()
    mark = check.locator("mark.listening-error")
    assert mark.inner_text() == TYPO[bad.position:bad.end]
    # What stands before the mark in the mirror is the query up to the problem.
    assert page.eval_on_selector(
        "#query-check mark.listening-error",
        "m => { const r = document.createRange();"
        " r.setStart(m.parentNode, 0); r.setEndBefore(m); return r.toString(); }") \
        == TYPO[:bad.position]
    shots(page, "query-typo")

    # The fix: the closing parenthesis, and the check says the query reads.
    page.keyboard.type(")")
    page.wait_for_selector("#query-check [data-check=ok]")
    parse(FIXED)  # the parser agrees
    assert page.input_value("#query-text") == FIXED
    assert page.locator("#query-check [role=alert]").count() == 0

    # The preview counts what the service finds in the stored items.
    page.click("button[name=do][value=preview]")
    count = page.locator("#query-preview .listening-preview-count")
    count.wait_for()
    expected = query_preview(workspace=ws, text=FIXED).total
    assert expected > 0
    assert int(count.get_attribute("data-total")) == expected
    assert f"{expected} items match" in count.inner_text()
    assert page.locator("#query-preview .listening-preview li").count() == min(expected, 20)
    assert page.locator("#query-preview .listening-preview mark").count() > 0
    shots(page, "query-preview")

    # Named and saved: the list of queries shows it.
    page.fill("#query-name", NAME)
    page.click("button[name=do][value=save]")
    page.wait_for_url(f"**/w/{ws.slug}/listening/queries/")
    saved = Query.objects.get(workspace=ws, name=NAME)
    assert (saved.text, saved.enabled, saved.created_by) == (FIXED, True, owner)
    assert page.locator(f"#query-{saved.pk} .listening-qtext").inner_text() == FIXED
    shots(page, "query-saved")

    # -- A blogger's mention on the sandbox network, answered from the stream with the
    # keyboard: j to it, Enter, r, the text, Ctrl+Enter.
    page.goto(f"{base}/w/{ws.slug}/listening/")
    ids = [int(i) for i in page.eval_on_selector_all(
        "#listening-rows .listening-row", "rows => rows.map(r => r.dataset.id)")]
    assert ids, "the demo's mentions are in the stream"
    mentions = Mention.objects.select_related("item").in_bulk(ids)
    steps, mention = next((n, mentions[i]) for n, i in enumerate(ids)
                          if mentions[i].item.network == "sandbox"
                          and reply_channels(mentions[i]))
    assert [c.pk for c in reply_channels(mention)] == [channel.pk]
    assert page.get_attribute("#listening-rows .listening-row.cursor", "data-id") == str(ids[0])
    for _step in range(steps):
        page.keyboard.press("j")
    assert page.get_attribute("#listening-rows .listening-row.cursor", "data-id") \
        == str(mention.pk)
    page.keyboard.press("Enter")
    pane = page.locator(f"#pane .listening-msg[data-message='{mention.pk}']")
    pane.wait_for()
    page.wait_for_url(f"**/w/{ws.slug}/listening/{mention.pk}/")
    page.wait_for_selector(f"#mention-{mention.pk}.on")
    assert mention.item.text[:40] in pane.locator(".listening-body").inner_text()
    page.keyboard.press("r")
    assert page.evaluate("() => document.activeElement.id") == "reply-text"
    page.keyboard.type(ANSWER)
    assert page.input_value("#reply-channel") == str(channel.pk)
    shots(page, "mention-open")
    page.keyboard.press("Control+Enter")

    # Queued: the pane says so, and nothing is on the network before the outbox runs.
    pane.locator("#listening-reply .banner.warn").wait_for()
    assert pane.locator(".listening-answer").inner_text() == ANSWER
    post_id = int(mention.item.reply_ref)
    assert not SandboxComment.objects.filter(post_id=post_id, by_owner=True).exists()
    assert Mention.objects.get(pk=mention.pk).reply_state == "sending"
    shots(page, "answer-sending")
    queued = OutboxMessage.objects.get(kind="listening_reply")
    assert queued.payload == {"mention": mention.pk}
    outbox_process(worker_id="t")  # (the demo's alerts go out with it)
    queued.refresh_from_db()
    assert queued.status == OutboxStatus.SENT

    # The pane follows by itself to "answered", and so does the row.
    pane.locator("#listening-reply .banner.ok").wait_for(timeout=15_000)
    assert "by Olena" in pane.locator("#listening-reply .banner.ok").inner_text()
    page.wait_for_selector(f"#mention-{mention.pk} .badge.i-answered")
    sent = SandboxComment.objects.get(post_id=post_id, by_owner=True)
    assert sent.text == ANSWER and sent.parent_id is None
    mention.refresh_from_db()
    assert (mention.reply_state, mention.status, mention.replied_by) == ("sent", "done", owner)
    shots(page, "answered")

    # -- The story most outlets tell becomes a draft post, opened in the editor.
    story = Story.objects.filter(workspace=ws).order_by("-sources_count", "-items_count")[0]
    assert story.sources_count >= 3 and story.draft_post_id is None
    page.goto(f"{base}/w/{ws.slug}/news/")
    card = page.locator(f"#story-{story.pk}")
    assert card.locator("h3").inner_text() == story.title
    assert card.locator("[data-draft]").count() == 0
    shots(page, "news")
    card.get_by_role("button", name="React to this").click()
    page.wait_for_url(f"**/w/{ws.slug}/posts/*/")
    post = Post.objects.get(workspace=ws)  # exactly one post: the draft
    assert page.url.endswith(f"/posts/{post.pk}/")
    assert story.title in page.input_value("#id_body")
    assert post.body.startswith(story.title)
    assert not Publication.objects.filter(post=post).exists()  # a draft: nowhere yet
    story.refresh_from_db()
    assert story.draft_post_id == post.pk
    shots(page, "draft")

    page.goto(f"{base}/w/{ws.slug}/news/")
    made = page.locator(f"#story-{story.pk} [data-draft]")
    assert made.inner_text() == "Draft made"
    assert made.get_attribute("href") == f"/w/{ws.slug}/posts/{post.pk}/"
    assert page.locator(f"#story-{story.pk} button").count() == 0
    shots(page, "news-draft-made")

    assert problems == []

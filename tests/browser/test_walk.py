"""The manager's walk, in a real browser: compose for two channels, hit one network's
limit, fix it, queue it, drag it to another day, send it for approval, the team approves,
the client approves through the signed link, and the worker publishes it on the sandbox
network (and on Telegram, answered by the recorded Bot API contract)."""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import override

from smmdesk.accounts.models import ApprovalMode
from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_store
from smmdesk.connectors.base import ConnectResult
from smmdesk.content.models import ApprovalState, Post
from smmdesk.lib import http as http_lib
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.queue import slot_add
from smmdesk.sandbox.models import SandboxPost
from smmdesk.team.services import approval_mode_set
from tests.connectors.contract import FixtureTransport, load_fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "7234567890:AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"
SAY = {
    "en": {"too_long": "Telegram allows at most 4096 characters; this text has 4500.",
           "queued": "Added to the queue and sent for approval.", "moved": "Moved to",
           "approved": "approved by the client",
           "published": "Published"},
    "ru": {"too_long": "Telegram допускает не более 4096 символов, а в этом тексте 4500.",
           "queued": "Добавлено в очередь и отправлено на согласование.",
           "moved": "Перенесено на",
           "approved": "согласовал(а) со стороны клиента",
           "published": "Опубликована"},
}
SHORT = "Зимовий бленд повернувся: карамель і горіх. Тільки для Telegram!"


def drag_day(lang: str) -> datetime:
    """A day at least two days ahead that is not the last day of its week, so the queued
    post and the day after it sit in the same week view."""
    with override(lang):
        first = int(get_format("FIRST_DAY_OF_WEEK"))  # 0 Sunday, 1 Monday
    day = timezone.localdate() + timedelta(days=2)
    last_weekday = (first + 6) % 7  # in isoweekday() % 7 terms
    while day.isoweekday() % 7 == last_weekday:
        day += timedelta(days=1)
    return day


@pytest.fixture
def desk(db):
    def make(lang: str):
        owner = user_create(email="olena@example.com", password="correct horse battery",
                            name="Olena", language=lang)
        ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
        approval_mode_set(workspace=ws, mode=ApprovalMode.INTERNAL_CLIENT)
        sandbox = channel_store(workspace=ws, kind="sandbox", actor=owner, result=_sandbox())
        telegram = channel_store(workspace=ws, kind="telegram", actor=owner, result=ConnectResult(
            external_id="-1001234567890", name="Zerno Telegram",
            credentials={"bot_token": TOKEN},
            settings={"chat_id": -1001234567890, "username": "zerno_coffee"}))
        day = drag_day(lang)
        for channel in (sandbox, telegram):  # one posting time a week: that weekday, 10:00
            slot_add(channel=channel, weekday=day.weekday(), at=time(10, 0))
        return owner, ws, sandbox, telegram, day
    return make


def _sandbox() -> ConnectResult:
    from smmdesk.connectors.sandbox import SandboxConnector

    return SandboxConnector.connect({"name": "Zerno Sandbox", "audience": "uk"}, None)


@pytest.fixture
def telegram_contract():
    fixture = copy.deepcopy(load_fixture("telegram", "sendMessage.ok"))
    fixture["request"]["json"]["text"] = SHORT
    transport = FixtureTransport([fixture], {"token": TOKEN})
    http_lib.set_transport_factory(lambda: transport)
    return transport


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_managers_walk(lang, desk, live_server, new_page, shots, telegram_contract,
                           settings):
    say = SAY[lang]
    owner, ws, sandbox, telegram, day = desk(lang)
    page = new_page("ru-RU" if lang == "ru" else "en-US")
    base = live_server.url
    settings.SITE_URL = base  # absolute links (the client's link) are built from it

    page.goto(f"{base}/login/")
    page.fill("#id_username", "olena@example.com")
    page.fill("#id_password", "correct horse battery")
    shots(page, "login")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/w/{ws.slug}/")

    # Compose for two channels; the text is too long for Telegram only.
    page.goto(f"{base}/w/{ws.slug}/compose/")
    page.check(f"[data-channel-toggle='{sandbox.pk}']")
    page.check(f"[data-channel-toggle='{telegram.pk}']")
    page.fill("#id_body", "Кава дня. " * 450)
    page.get_by_text(say["too_long"]).wait_for()
    assert say["too_long"] in page.inner_text(f"[data-check='{telegram.pk}']")
    assert page.query_selector(f"[data-check='{sandbox.pk}'] .errorlist") is None
    shots(page, "limit-exceeded")
    page.click("button[value=queue]")
    assert say["too_long"] in page.inner_text("#checks")
    assert not Post.objects.exists()  # nothing stored while a network would refuse it
    shots(page, "refused-on-submit")

    # Fix it: Telegram gets its own, shorter text.
    page.click(f"[data-tab='{telegram.pk}']")
    page.check(f"[data-custom='{telegram.pk}']")
    page.fill(f"textarea[name='text_{telegram.pk}']", SHORT)
    # A function, not an expression: the page's CSP refuses eval() of a string.
    page.wait_for_function(
        f"() => !document.querySelector(\"[data-check='{telegram.pk}'] .errorlist\")")
    shots(page, "fixed")
    page.click("button[value=queue]")
    page.wait_for_url("**/posts/*/")
    assert say["queued"] in page.inner_text(".messages")
    post = Post.objects.get()
    pubs = {p.channel_id: p for p in post.publications.all()}
    queued_at = datetime.combine(day, time(10, 0), tzinfo=ws.tz)
    assert {p.scheduled_at for p in pubs.values()} == {queued_at}
    assert {p.status for p in pubs.values()} == {Status.PENDING_APPROVAL}
    shots(page, "queued")

    # Drag the sandbox publication to the next day in the week view.
    page.goto(f"{base}/w/{ws.slug}/calendar/?view=week&date={day.isoformat()}")
    target = day + timedelta(days=1)
    source = f"[data-pub='{pubs[sandbox.pk].pk}']"
    drop = f"[data-drop-date='{target.isoformat()}'][data-drop-hour='10']"
    shots(page, "calendar-before")
    # The page reloads itself after the move: wait for that, or the next goto is aborted.
    with page.expect_navigation():
        page.drag_and_drop(source, drop)
        page.wait_for_selector("#toast:not([hidden])")
        assert say["moved"] in page.inner_text("#toast")
    moved = Publication.objects.get(pk=pubs[sandbox.pk].pk)
    assert timezone.localtime(moved.scheduled_at, ws.tz).date() == target
    assert timezone.localtime(moved.scheduled_at, ws.tz).hour == 10
    shots(page, "calendar-after")

    # Queueing sent it for approval already; the team approves.
    post.refresh_from_db()
    assert post.approval == ApprovalState.PENDING_TEAM
    page.goto(f"{base}/w/{ws.slug}/posts/{post.pk}/")
    page.click("form[action$='/approval/approve/'] button")
    post.refresh_from_db()
    assert post.approval == ApprovalState.PENDING_CLIENT
    shots(page, "team-approved")

    # The client approves through the signed link, without an account.
    page.goto(f"{base}/w/{ws.slug}/approvals/?month={day:%Y-%m}")
    link = page.input_value("#client-link")
    client = new_page("ru-RU" if lang == "ru" else "en-US")
    client.goto(link)
    shots(client, "client-page")
    client.fill("input[name=name]", "Iryna (Zerno)")
    client.click("button[value=approve_all]")
    client.wait_for_selector(".messages")
    shots(client, "client-approved")
    post.refresh_from_db()
    assert post.approval == ApprovalState.APPROVED
    assert {p.status for p in post.publications.all()} == {Status.SCHEDULED}

    # The worker's turn: fast-forward its clock past the publish times, then look.
    jobs = claim_due(worker_id="browser-test", limit=10,
                     now=timezone.now() + timedelta(days=10))
    assert len(jobs) == 2
    for job in jobs:
        run_job(job, worker_id="browser-test")
    assert {p.status for p in post.publications.all()} == {Status.PUBLISHED}
    assert SandboxPost.objects.get().text == post.body
    assert telegram_contract.unused() == []
    page.goto(f"{base}/w/{ws.slug}/publications/{pubs[sandbox.pk].pk}/")
    assert say["published"] in page.inner_text("h1")
    page.goto(f"{base}/w/{ws.slug}/posts/{post.pk}/")
    history = page.inner_text("#approval")
    assert "Iryna (Zerno)" in history and say["approved"] in history
    shots(page, "published")

"""What a manager notices at first sight: a dashboard of cards and one-line lists, one
queue grid, calendar chips with a network icon and most of the title, a composer whose
buttons keep their words on one line, empty lists that say what to do, and the client's
page with the post as the network shows it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import ApprovalState, Post
from smmdesk.content.services import media_upload, post_create
from smmdesk.publishing.queue import slot_add
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.services import client_link_token
from tests.files import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
LONG = ("Winter blend is back: Brazil and Colombia with caramel, hazelnut and dark "
        "chocolate notes, roasted on Monday and in your cup by Friday — order now")


@pytest.fixture
def desk(live_server, settings):
    settings.SITE_URL = live_server.url
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channels = [channel_connect(workspace=ws, kind="sandbox", actor=owner,
                                data={"name": name, "audience": "uk"})
                for name in ("Zerno · Kyiv", "Zerno · Lviv", "Zerno · Odesa")]
    for channel in channels:
        for weekday in range(5):
            for at in (time(9), time(13, 30), time(19)):
                slot_add(channel=channel, weekday=weekday, at=at)
    return {"ws": ws, "owner": owner, "channels": channels, "url": live_server.url}


def log_in(page, desk, language: str = ""):
    if language:
        desk["owner"].language = language
        desk["owner"].save(update_fields=["language"])
    page.goto(f"{desk['url']}/login/")
    page.fill("#id_username", "olena@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{desk['url']}/w/**")


def open_page(page, desk, path: str):
    page.goto(f"{desk['url']}/w/{desk['ws'].slug}/{path}")
    page.wait_for_load_state("networkidle")


def schedule_long_post(desk) -> datetime:
    ws, owner = desk["ws"], desk["owner"]
    day = timezone.localdate(timezone.now(), ws.tz) + timedelta(days=1)
    at = datetime.combine(day, time(10, 15), tzinfo=ws.tz)
    post = post_create(workspace=ws, actor=owner, body=LONG)
    publication_schedule(post=post, channel=desk["channels"][0], at=at, actor=owner)
    return at


def test_the_dashboard_shows_cards_and_one_line_titles(desk, new_page, shots):
    schedule_long_post(desk)
    page = new_page()
    log_in(page, desk)
    open_page(page, desk, "")
    shots(page, "dashboard")
    assert page.locator(".card.kpi").count() >= 5
    assert page.locator(".card.kpi .n").first.inner_text() == "1"
    link = page.locator(".lst a.ell", has_text="Winter blend").first
    box = link.bounding_box()
    line = float(link.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert box["height"] < 1.5 * line  # one line, not five
    assert link.evaluate("e => e.scrollWidth > e.clientWidth")  # cut with an ellipsis…
    assert link.get_attribute("title") == LONG  # …and the whole title on hover
    assert page.locator(".lst svg.ni use").first.get_attribute("href").endswith("#sandbox")
    assert page.locator(".chart .col span").count() >= 1  # the week's bar chart


def test_the_queue_is_one_grid_for_every_channel(desk, new_page, shots):
    page = new_page()
    log_in(page, desk)
    open_page(page, desk, "queue/")
    shots(page, "queue")
    assert page.locator("table.queue-grid").count() == 1
    assert page.locator("table.queue-grid tbody tr.queue-row").count() == 3
    assert page.locator(".queue-row svg.ni").count() == 3
    assert page.evaluate("document.documentElement.scrollHeight") < 1400


def test_calendar_chips_show_the_network_and_most_of_the_title(desk, new_page, shots):
    at = schedule_long_post(desk)
    page = new_page()
    log_in(page, desk)
    open_page(page, desk, f"calendar/?date={at:%Y-%m-%d}")
    shots(page, "calendar")
    chip = page.locator(".chip", has_text="Winter blend").first
    assert chip.locator("svg.ni").count() == 1
    assert chip.locator(".t").inner_text().strip().endswith("10:15")
    # How many characters of the title can be read (not clipped by the chip's two lines).
    visible = chip.evaluate("""chip => {
        const box = chip.querySelector('.cl').getBoundingClientRect();
        const text = chip.querySelector('.ttl').firstChild;
        const range = document.createRange();
        let n = 0;
        for (let i = 1; i <= text.length; i++) {
            range.setStart(text, i - 1); range.setEnd(text, i);
            const r = range.getBoundingClientRect();
            if (r.bottom > box.bottom + 1 || r.right > box.right + 1) break;
            n = i;
        }
        return n;
    }""")
    assert visible >= 24, visible


def test_the_composers_buttons_keep_to_one_line(desk, new_page, shots):
    page = new_page()
    page.set_viewport_size({"width": 1010, "height": 900})
    log_in(page, desk, language="be")  # the longest labels
    open_page(page, desk, "compose/")
    shots(page, "compose")
    draft = page.locator(".compose-actions button[value=draft]").bounding_box()
    for button in page.locator(".compose-actions button").all():
        assert button.bounding_box()["height"] <= draft["height"] + 1, button.inner_text()
    picks = [pick.bounding_box()["height"] for pick in page.locator(".pick").all()]
    assert len(picks) == 3 and max(picks) - min(picks) < 2  # no channel name on two lines
    assert page.locator(".pick svg.ni").count() == 3


def test_empty_lists_say_what_to_do_next(desk, new_page, shots):
    page = new_page()
    log_in(page, desk)
    open_page(page, desk, "approvals/")
    shots(page, "approvals-empty")
    empty = page.locator(".empty-state")
    assert "Posts sent for approval" in empty.inner_text()
    empty.locator("a.btn.primary").click()
    page.wait_for_url(f"{desk['url']}/w/{desk['ws'].slug}/compose/")


def test_the_client_sees_the_post_as_the_network_shows_it(desk, new_page, shots):
    ws, owner = desk["ws"], desk["owner"]
    picture = media_upload(workspace=ws, actor=owner, alt_text="Latte art",
                           upload=SimpleUploadedFile("latte.png", png_bytes(size=(80, 60))))
    post = post_create(workspace=ws, actor=owner, body="Зимовий бленд повернувся!",
                       media_ids=[picture.pk])
    pub = publication_schedule(post=post, channel=desk["channels"][1],
                               at=timezone.now() + timedelta(days=2), actor=owner)
    Post.objects.filter(pk=post.pk).update(approval=ApprovalState.PENDING_CLIENT)
    token = client_link_token(workspace=ws, month=f"{pub.scheduled_at.astimezone(ws.tz):%Y-%m}")
    page = new_page()  # the client has no account
    page.goto(desk["url"] + reverse("web:client_page", args=[token]))
    page.wait_for_load_state("networkidle")
    shots(page, "client")
    card = page.locator(".np").first
    assert "Zerno · Lviv" in card.locator(".np-name").inner_text()
    assert card.locator("svg.ni").count() == 1
    assert card.locator("img[alt='Latte art']").evaluate("img => img.naturalWidth") == 80

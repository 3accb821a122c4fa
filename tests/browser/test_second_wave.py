"""The second wave of networks in a real browser: a manager composes for X, LinkedIn,
Threads, Odnoklassniki, Pinterest, YouTube and TikTok, the worker publishes to each
through the replay harness (the networks' recorded contracts), the calendar shows each
post under its network, the comments of every network that lets us read them reach the
inbox, and an answer goes out from there.

The replay here matches each recorded exchange by method and address (and OK's method
name): what each request must carry is the contract tests' job
(tests/connectors/test_<network>.py); this walk shows the pages and the engine work
for every network."""

from __future__ import annotations

import copy
import struct
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_store
from smmdesk.connectors.base import ConnectResult
from smmdesk.inbox.collect import poll_comments
from smmdesk.inbox.models import Message
from smmdesk.lib import http as http_lib
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Publication, Status
from tests.browser.conftest import sign_in
from tests.connectors.contract import FixtureTransport, load_fixture
from tests.files import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TEXT = "Зерно тижня: Ефіопія Іргачеффе. Бергамот, жасмин, мед ☕"
LATER = timedelta(hours=1)
ANSWER = "Дякуємо! Чекаємо на каву ☕"

# kind: (credentials, settings, external id, publish fixtures, the id the network gives)
NETWORKS = {
    "x": ({"access_token": "x-access", "refresh_token": "x-refresh"},
          {"username": "zerno_coffee", "tier": "basic"}, "1587446522018508800",
          ["tweets.create.text"], "1865432109876543210"),
    "linkedin": ({"access_token": "li-token-zerno"},
                 {"author": "urn:li:organization:2414183", "account": "organization"},
                 "urn:li:organization:2414183", ["posts.create_text"],
                 "urn:li:share:7250000000000000001"),
    "threads": ({"access_token": "th-token-zerno"}, {"username": "zerno.coffee"},
                "25874410989551213",
                ["limit.ok", "container.text", "publish.text", "media.permalink"],
                "18052413721094862"),
    "odnoklassniki": ({"access_token": "ok-token-zerno", "refresh_token": "ok-refresh"},
                      {"group_id": "53038939046008", "shortname": "zernocoffee"},
                      "53038939046008", ["mediatopic.post.text_new_token"], "67012345678904"),
}
# The comment lists each network answers with (TikTok and Pinterest have no comments API).
COMMENTS = {
    "x": ["search.conversation"],
    "youtube": ["commentThreads.video"],
    "linkedin": ["comments.list", "comments.replies"],
    "threads": ["conversation.list"],
    "odnoklassniki": ["discussions.getComments.first", "discussions.getComments.second"],
}
MEDIA_NETWORKS = {
    "pinterest": ({"access_token": "pina.zerno", "refresh_token": "pinr.zerno"},
                  {"username": "zernocoffee", "account_type": "BUSINESS",
                   "board_id": "1092615165385232150", "board_name": "Latte art"},
                  "zernocoffee", ["pins.create_image"], "813744226420795884"),
    "youtube": ({"access_token": "ya29.zerno", "refresh_token": "1//zerno"},
                {"uploads_playlist": "UUZernoCoffeeKyiv123456A"}, "UCZernoCoffeeKyiv123456A",
                ["upload.start", "upload.done"], None),
    "tiktok": ({"access_token": "act.zerno", "refresh_token": "rft.zerno",
                "open_id": "-000zernoOpenId"}, {"username": "zerno.coffee"},
               "-000zernoOpenId",
               ["creator_info.public", "video_init.file_upload", "upload.created",
                "status.complete"], None),
}


def loose(network: str, name: str) -> dict:
    """A recorded exchange matched by method and address only (and OK's method name,
    since every OK call goes to one address)."""
    fixture = copy.deepcopy(load_fixture(network, name))
    request = fixture["request"]
    method = (request.get("form") or {}).get("method")
    for key in ("json", "form", "params", "files"):
        request.pop(key, None)
    if method:
        request["form"] = {"method": method}
    return fixture


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(seconds: int = 20) -> bytes:
    """A well-formed MP4 of ``seconds`` (in its mvhd), vertical, as a composer upload."""
    mvhd = box(b"mvhd", b"\0\0\0\0" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000)
               + b"\0" * 80)
    tkhd = box(b"tkhd", b"\0" * 76 + struct.pack(">II", 1080 << 16, 1920 << 16))
    return (box(b"ftyp", b"isom\0\0\2\0isomiso2") + box(b"moov", mvhd + box(b"trak", tkhd))
            + box(b"mdat", b"\x11" * 512))


@pytest.fixture
def desk(db, monkeypatch):
    for net in ("ODNOKLASSNIKI", "PINTEREST", "YOUTUBE", "TIKTOK", "X", "LINKEDIN",
                "THREADS"):
        monkeypatch.setenv(f"SMMDESK_{net}_CLIENT_ID", f"{net.lower()}-app")
        monkeypatch.setenv(f"SMMDESK_{net}_CLIENT_SECRET", f"{net.lower()}-secret")
    monkeypatch.setenv("SMMDESK_ODNOKLASSNIKI_APP_KEY", "CBAFKLMNEBABABABA")
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena",
                        language="uk")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    channels = {}
    for kind, (creds, settings, external, _f, _id) in {**NETWORKS, **MEDIA_NETWORKS}.items():
        channels[kind] = channel_store(workspace=ws, kind=kind, actor=owner, result=ConnectResult(
            external_id=external, name=f"Zerno {kind}",
            credentials={**creds, "expires_at": expires}, settings=settings))
    return owner, ws, channels


def publish_all(replay: list[dict]) -> None:
    transport = FixtureTransport(replay)
    http_lib.set_transport_factory(lambda: transport)
    jobs = claim_due(worker_id="browser-test", limit=20, now=timezone.now() + LATER)
    for job in jobs:
        run_job(job, worker_id="browser-test")
    assert transport.unused() == []


def compose(page, base, ws, channels, kinds, *, upload=None, name=""):
    page.goto(f"{base}/w/{ws.slug}/compose/")
    for kind in kinds:
        page.check(f"[data-channel-toggle='{channels[kind].pk}']")
    page.fill("#id_body", TEXT)
    if upload:
        page.set_input_files("#upload", files=[{"name": name, "mimeType": upload[0],
                                                "buffer": upload[1]}])
        page.wait_for_selector("figure[data-media]")
    for kind in kinds:  # each network's check turns clean before anything is sent
        check = f"[data-check='{channels[kind].pk}']"
        page.wait_for_selector(check)
        try:  # a function, not an expression: the page's CSP refuses eval() of a string
            page.wait_for_function(
                f"() => !document.querySelector(\"{check} .errorlist\")", timeout=10_000)
        except Exception:  # say what the check shows instead of a bare timeout
            pytest.fail(f"{kind}: {page.inner_text(check)}")
    page.click("button[value=now]")
    page.wait_for_url("**/posts/*/")


def test_compose_publish_and_answer_on_every_new_network(desk, live_server, new_page, shots):
    owner, ws, channels = desk
    page = new_page("uk-UA")
    base = live_server.url
    sign_in(page, base, "olena@example.com", PASSWORD)

    compose(page, base, ws, channels, list(NETWORKS))
    shots(page, "text-post")
    publish_all([loose(k, n) for k, v in NETWORKS.items() for n in v[3]])
    for kind, (*_rest, _fixtures, external) in NETWORKS.items():
        pub = Publication.objects.get(channel=channels[kind])
        assert (pub.status, pub.external_id) == (Status.PUBLISHED, external), kind

    compose(page, base, ws, channels, ["pinterest"], upload=("image/png", png_bytes()),
            name="latte.png")
    compose(page, base, ws, channels, ["youtube", "tiktok"], upload=("video/mp4", mp4()),
            name="pour-over.mp4")
    shots(page, "video-post")
    publish_all([loose(k, n) for k, v in MEDIA_NETWORKS.items() for n in v[3]])
    for kind, (*_rest, _fixtures, external) in MEDIA_NETWORKS.items():
        pub = Publication.objects.get(channel=channels[kind])
        assert pub.status == Status.PUBLISHED, (kind, pub.error_message)
        assert external is None or pub.external_id == external

    # The calendar shows each post under its network's icon.
    page.goto(f"{base}/w/{ws.slug}/calendar/?view=list")
    for kind in {**NETWORKS, **MEDIA_NETWORKS}:
        assert page.query_selector(f".ni-{kind}") is not None, kind
    shots(page, "calendar")

    # Comments on every network whose API lets us read them come into the inbox (TikTok
    # and Pinterest have none), and an answer from the inbox goes out on YouTube.
    for kind, names in COMMENTS.items():
        transport = FixtureTransport([loose(kind, n) for n in names])
        http_lib.set_transport_factory(lambda t=transport: t)
        poll_comments(channels[kind])
        assert transport.unused() == [], kind
        assert Message.objects.filter(channel=channels[kind], by_us=False).exists(), kind
    for kind in ("x", "youtube", "linkedin", "odnoklassniki"):  # our own answers, known
        assert Message.objects.filter(channel=channels[kind], by_us=True).exists(), kind
    page.goto(f"{base}/w/{ws.slug}/inbox/")
    inbox = page.inner_text("body")
    for kind in COMMENTS:
        assert f"Zerno {kind}" in inbox, kind  # the channel each came from
    shots(page, "inbox")

    comment = Message.objects.get(channel=channels["youtube"], by_us=False,
                                  text="What grind size do you use?")
    reply = FixtureTransport([loose("youtube", "comments.insert")])
    http_lib.set_transport_factory(lambda: reply)
    page.goto(f"{base}/w/{ws.slug}/inbox/{comment.pk}/")
    pane = page.locator(f"#pane .inbox-msg[data-message='{comment.pk}']")
    pane.wait_for()
    page.keyboard.press("r")
    page.keyboard.type(ANSWER)
    page.keyboard.press("Control+Enter")
    # Our earlier answer is in this thread already: wait for the new one.
    pane.locator(".inbox-thread li.ours", has_text=ANSWER).wait_for()
    assert reply.unused() == []
    assert Message.objects.filter(parent=comment, by_us=True, text=ANSWER).exists()
    shots(page, "inbox-answered")

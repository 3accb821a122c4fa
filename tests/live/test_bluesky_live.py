"""The Bluesky connector against a real PDS and AppView on loopback (tests/live/bluesky).

Two accounts: the brand (connected to smmdesk with an app password) and a reader who
replies, likes and reposts. The AppView indexes about a second behind the PDS, so reads of
what the reader did are polled.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smmdesk.channels.connecting import channel_refresh
from smmdesk.channels.services import channel_connect, channel_connector
from smmdesk.connectors import registry
from smmdesk.connectors.base import ConnectorError, Format, Found, PublishRequest
from smmdesk.content.selectors import variant_publish_request
from smmdesk.content.services import media_upload, post_create, variant_set
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from tests.files import png_bytes

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def xrpc(base: str, nsid: str, *, token: str = "", params=None, json=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    method = "POST" if json is not None else "GET"
    response = httpx.request(method, f"{base}/xrpc/{nsid}", params=params, json=json,
                             headers=headers, timeout=30)
    assert response.status_code == 200, f"{nsid}: {response.status_code} {response.text}"
    return response.json()


def eventually(check, timeout: float = 30.0):
    """``check()``'s first truthy answer, asked every 0.2 s: the AppView lags a little,
    and while it indexes a new reply it may answer "not found" for the thread for a
    moment (an error that is still there at the deadline fails the test)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = check()
        except ConnectorError:
            if time.monotonic() > deadline:
                raise
            answer = None
        if answer or time.monotonic() > deadline:
            assert answer, "the AppView did not catch up in time"
            return answer
        time.sleep(0.2)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(scope="module")
def people(bluesky_network):
    """The brand's account with an app password, and a reader's account."""
    pds = bluesky_network["pds"]
    tag = secrets.token_hex(3)

    def account(name: str) -> dict:
        return xrpc(pds, "com.atproto.server.createAccount", json={
            "handle": f"{name}-{tag}.test", "email": f"{name}-{tag}@example.com",
            "password": PASSWORD})

    brand, reader = account("zerno"), account("olena")
    app_password = xrpc(pds, "com.atproto.server.createAppPassword",
                        token=brand["accessJwt"], json={"name": "smmdesk"})["password"]
    return SimpleNamespace(pds=pds, brand=brand, reader=reader, app_password=app_password)


@pytest.fixture
def bluesky_kind(monkeypatch, allow_loopback_http):
    monkeypatch.setitem(registry.CONNECTORS, "bluesky",
                        ("smmdesk.connectors.bluesky.BlueskyConnector", "Bluesky"))
    registry.connector_class.cache_clear()
    yield "bluesky"
    registry.connector_class.cache_clear()


@pytest.fixture
def channel(bluesky_kind, people, workspace, owner):
    return channel_connect(workspace=workspace, kind=bluesky_kind, actor=owner, data={
        "handle": people.brand["handle"], "app_password": people.app_password,
        "service": people.pds})


def reader_does(people, collection: str, record: dict) -> dict:
    reader = people.reader
    return xrpc(people.pds, "com.atproto.repo.createRecord", token=reader["accessJwt"], json={
        "repo": reader["did"], "collection": collection,
        "record": {"$type": collection, "createdAt": now_iso(), **record}})


def publish_through_the_engine(post, channel, owner) -> Publication:
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    jobs = claim_due(worker_id="live", limit=10)
    assert [j.publication_id for j in jobs] == [pub.pk]
    run_job(jobs[0], worker_id="live")
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED, (pub.error_code, pub.error_message)
    return pub


def test_a_scheduled_post_goes_out_and_its_audience_comes_back(channel, people, workspace,
                                                               owner):
    assert channel.external_id == people.brand["did"]
    assert channel.token_expires_at > datetime.now(UTC) + timedelta(minutes=30)
    image = media_upload(workspace=workspace, actor=owner, alt_text="A flat white",
                         upload=SimpleUploadedFile("latte.png", png_bytes((40, 30)),
                                                   content_type="image/png"))
    text = "Свіжа обсмажка ☕ — read more: https://zerno.coffee/ethiopia #coffee"
    post = post_create(workspace=workspace, actor=owner, body=text, media_ids=[image.pk],
                       channels=[channel])
    since = datetime.now(UTC) - timedelta(minutes=2)
    pub = publish_through_the_engine(post, channel, owner)
    did, rkey = people.brand["did"], pub.external_id.rsplit("/", 1)[1]
    assert pub.external_id == f"at://{did}/app.bsky.feed.post/{rkey}"
    assert pub.external_url == f"https://bsky.app/profile/{people.brand['handle']}/post/{rkey}"

    # read it back from the PDS: text, link and tag facets, the image with its alt text
    record = xrpc(people.pds, "com.atproto.repo.getRecord", params={
        "repo": did, "collection": "app.bsky.feed.post", "rkey": rkey})["value"]
    raw = record["text"].encode()
    marked = {f["features"][0]["$type"].rsplit("#", 1)[1]:
              raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode()
              for f in record["facets"]}
    assert marked["link"].startswith("https://zerno.coffee/ethiopia")
    assert marked["tag"] == "#coffee"
    [shown] = record["embed"]["images"]
    assert shown["alt"] == "A flat white"
    assert shown["aspectRatio"] == {"width": 40, "height": 30}
    view = eventually(lambda: xrpc(people.pds, "app.bsky.feed.getPosts",
                                   token=people.brand["accessJwt"],
                                   params={"uris": [pub.external_id]})["posts"])
    assert view[0]["embed"]["$type"] == "app.bsky.embed.images#view"

    # the reader replies, likes and reposts; smmdesk sees all of it
    connector = channel_connector(channel)
    ref = {"uri": pub.external_id, "cid": view[0]["cid"]}
    reply = reader_does(people, "app.bsky.feed.post",
                        {"text": "Яка обсмажка?", "reply": {"root": ref, "parent": ref}})
    reader_does(people, "app.bsky.feed.like", {"subject": ref})
    reader_does(people, "app.bsky.feed.repost", {"subject": ref})
    [comment] = eventually(lambda: connector.fetch_comments(pub.external_id))
    assert comment.external_id == reply["uri"] and not comment.by_us
    assert comment.author_id == people.reader["handle"] and comment.text == "Яка обсмажка?"
    assert comment.parent_external_id == pub.external_id
    answer = connector.reply(comment, "Світла, 196 °C 🙂")
    comments = eventually(lambda: [c for c in connector.fetch_comments(pub.external_id)
                                   if c.by_us])
    assert [(c.external_id, c.parent_external_id) for c in comments] == [
        (answer.external_id, reply["uri"])]
    metrics = eventually(lambda: (m := connector.fetch_post_metrics(pub.external_id))[
        "likes"] and m["reposts"] and m)
    # replyCount counts direct replies: ours answers the reader's reply, one level down
    assert (metrics["likes"], metrics["reposts"], metrics["comments"]) == (1, 1, 1)
    assert connector.fetch_account_metrics()["posts"] >= 1
    events, _cursor = connector.poll_events("")
    assert reply["uri"] in [e.external_id for e in events if e.kind == "comment"]

    # gone, and the repository listing says so at once
    req = variant_publish_request(post.variants.get(), marker=pub.marker)
    assert connector.find_published(req, since=since).result.external_id == pub.external_id
    connector.delete(pub.external_id)
    assert connector.find_published(req, since=since).status == Found.NOT_FOUND


def test_a_thread_with_a_first_comment_and_a_hidden_reply(channel, people, workspace,
                                                          owner):
    post = post_create(workspace=workspace, actor=owner,
                       body="Як ми обсмажуємо Ефіопію 🧵\n---\n" + "Коротко і світло. " * 25)
    variant_set(post=post, channel=channel, format=Format.THREAD,
                first_comment="Зерно тут: https://zerno.coffee/ethiopia")
    since = datetime.now(UTC) - timedelta(minutes=2)
    pub = publish_through_the_engine(post, channel, owner)
    connector = channel_connector(channel)
    req = variant_publish_request(post.variants.get(), marker=pub.marker)
    found = connector.find_published(req, since=since)
    assert found.status == Found.FOUND and found.result.external_id == pub.external_id
    assert len(found.result.extra_ids) == 3  # two more parts and the first comment
    ours = eventually(lambda: len(c := connector.fetch_comments(pub.external_id)) == 3 and c)
    assert all(c.by_us for c in ours)
    assert ours[-1].text == "Зерно тут: https://zerno.coffee/ethiopia"

    root = xrpc(people.pds, "com.atproto.repo.getRecord", params={
        "repo": people.brand["did"], "collection": "app.bsky.feed.post",
        "rkey": pub.external_id.rsplit("/", 1)[1]})
    ref = {"uri": pub.external_id, "cid": root["cid"]}
    spam = reader_does(people, "app.bsky.feed.post",
                       {"text": "cheap followers!!!", "reply": {"root": ref, "parent": ref}})
    eventually(lambda: any(c.external_id == spam["uri"]
                           for c in connector.fetch_comments(pub.external_id)))
    eventually(lambda: connector.hide_comment(spam["uri"]) or True)
    hidden = eventually(lambda: [c.external_id for c in connector.fetch_comments(
        pub.external_id) if c.hidden])
    assert hidden == [spam["uri"]]

    connector.delete(pub.external_id, found.result.extra_ids)
    assert connector.find_published(req, since=since).status == Found.NOT_FOUND


def test_the_worker_refreshes_the_session_and_it_keeps_working(channel, people):
    before = channel.token_expires_at
    time.sleep(1.1)  # JWT times are in whole seconds
    assert channel_refresh(channel=channel)
    channel.refresh_from_db()
    assert channel.token_expires_at > before
    connector = channel_connector(channel)
    assert connector.fetch_account_metrics()["followers"] == 0
    result = connector.publish(PublishRequest(text="Refreshed and still posting ☕"))
    connector.delete(result.external_id)


def test_a_wrong_app_password_is_refused_in_the_persons_words(bluesky_kind, people,
                                                              workspace, owner):
    with pytest.raises(InvalidInput) as exc:
        channel_connect(workspace=workspace, kind=bluesky_kind, actor=owner, data={
            "handle": people.brand["handle"], "app_password": "aaaa-bbbb-cccc-dddd",
            "service": people.pds})
    assert exc.value.code == "login_failed"
    with pytest.raises(InvalidInput) as exc:
        channel_connect(workspace=workspace, kind=bluesky_kind, actor=owner, data={
            "handle": people.brand["handle"], "app_password": PASSWORD,
            "service": people.pds})
    assert exc.value.code == "account_password"

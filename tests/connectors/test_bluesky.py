"""Bluesky connector against the recorded XRPC contract (fixtures/bluesky/*.json)."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime

import pytest
from PIL import Image

from smmdesk.connectors import base as base_module
from smmdesk.connectors import bluesky
from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    ConnectResult,
    Format,
    Found,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.bluesky import BlueskyConnector
from smmdesk.lib.http import HttpClient
from smmdesk.lib.text import graphemes
from tests.connectors.contract import load_fixture, request_body

DID = "did:plc:zrn6cfq2k4w7x3ybmd5hta4e"
HANDLE = "zerno.bsky.social"
OLENA_DID = "did:plc:b7mq4kr2w5xj3hzd6nvtae2c"
PDS = "https://morel.us-east.host.bsky.network"
APP_PASSWORD = "k7qz-3xmw-tb2p-fy4n"
POSTS = f"at://{DID}/app.bsky.feed.post"
POST_URI = f"{POSTS}/3mg2yneuoxs2b"
POST_CID = "bafyreihq3xzb5kl7wnd4mprhq3xzb5kl7wnd4mprhq3xzb5kl7wnd4mprh"
PART2_URI = f"{POSTS}/3mg2ynf63qs2b"
PART3_URI = f"{POSTS}/3mg2ynfgefk2b"
FIRST_COMMENT_URI = f"{POSTS}/3mg2ynfpr6k2b"
OUR_ANSWER = f"{POSTS}/3mg2zqyfh222b"
NEW_REPLY = f"{POSTS}/3mg33yj7n222b"
OLENA_REPLY = f"at://{OLENA_DID}/app.bsky.feed.post/3mg2zdurpk22b"
OLENA_REPLY_CID = "bafyreiol5rq2wk7vz3nbx4mol5rq2wk7vz3nbx4mol5rq2wk7vz3nbx4mo"
MARKO_REPLY = "at://did:plc:m4rk6ot3vq2bx7kz5wnhyd3e/app.bsky.feed.post/3mg2zzwips22b"
TEXT = "New single origin from Ethiopia is in: bright, floral, a little bergamot ☕"
FIRST_COMMENT = "Beans and brewing guide: https://zerno.coffee/ethiopia"
SINCE = datetime(2026, 3, 2, 9, 58, tzinfo=UTC)


def _session(name: str) -> dict:
    return load_fixture("bluesky", name)["response"]["json"]


ACCESS, REFRESH = _session("createSession.ok")["accessJwt"], _session("createSession.ok")[
    "refreshJwt"]
ACCESS2, REFRESH2 = _session("refreshSession.ok")["accessJwt"], _session("refreshSession.ok")[
    "refreshJwt"]
ACCESS3 = _session("createSession.again")["accessJwt"]
SETTINGS = {"service": "https://bsky.social", "did": DID, "handle": HANDLE, "pds": PDS}


def jwt(claims: dict) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJFUzI1NksifQ.{part}.c2ln"


def make(credentials: dict | None = None, http: HttpClient | None = None,
         settings: dict | None = None) -> BlueskyConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    creds = {"accessJwt": ACCESS, "refreshJwt": REFRESH, "appPassword": APP_PASSWORD,
             "did": DID, "handle": HANDLE}
    return BlueskyConnector(ChannelContext(
        id=1, external_id=DID, name="Zerno Coffee", credentials={**creds, **(credentials or {})},
        settings=dict(SETTINGS if settings is None else settings)), http)


def sent(transport, n=0):
    """(json, form, files) of the n-th request the connector made."""
    return request_body(transport.requests[n])


def nsids(transport) -> list[str]:
    return [r.url.path.rsplit("/", 1)[1] for r in transport.requests]


def bearer(transport, n) -> str:
    return transport.requests[n].headers["Authorization"].removeprefix("Bearer ")


def png(tmp_path, name="latte.png", size=(8, 6), alt="", known_size=True) -> MediaFile:
    path = tmp_path / name
    Image.new("RGB", size, (180, 120, 60)).save(path, "PNG")
    width, height = size if known_size else (None, None)
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name, alt_text=alt, width=width,
                     height=height)


def image_of_size(tmp_path, size_bytes: int, name="big.jpg") -> MediaFile:
    """validate() only reads the declared size."""
    return MediaFile(path=tmp_path / name, kind=MediaKind.IMAGE, mime="image/jpeg",
                     size=size_bytes, name=name)


def connect(service="", handle=HANDLE, password=APP_PASSWORD, http=None):
    return BlueskyConnector.connect({"handle": handle, "app_password": password,
                                     "service": service}, http or HttpClient())


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 3, 2, 10, 0, tzinfo=UTC).astimezone(tz)


# ---------------------------------------------------------------- connect


def test_it_connects_with_an_app_password(contract):
    transport = contract("bluesky", "createSession.ok", "getProfile.ok")
    http = HttpClient()  # built without the secrets: the connector must mask them anyway
    result = connect(http=http)
    assert result.external_id == DID
    assert result.name == "Zerno Coffee"
    assert result.credentials == {"appPassword": APP_PASSWORD, "accessJwt": ACCESS,
                                  "refreshJwt": REFRESH, "did": DID, "handle": HANDLE,
                                  "pds": PDS}
    assert result.settings == SETTINGS  # the PDS comes from the session's DID document
    assert result.url == "https://bsky.app/profile/zerno.bsky.social"
    assert result.token_expires_at == datetime(2100, 1, 1, tzinfo=UTC)  # the access JWT's exp
    assert [str(r.url.copy_with(query=None)) for r in transport.requests] == [
        "https://bsky.social/xrpc/com.atproto.server.createSession",
        f"{PDS}/xrpc/app.bsky.actor.getProfile"]
    assert "Authorization" not in transport.requests[0].headers
    assert bearer(transport, 1) == ACCESS
    assert all(ACCESS not in str(t.url) for t in http.trace)
    assert http.mask(f"{ACCESS} {REFRESH}") == "*** ***"


@pytest.mark.parametrize("typed", ["@Zerno.bsky.social", " zerno.bsky.social "])
def test_it_accepts_the_handle_with_an_at_sign_or_spaces(contract, typed):
    transport = contract("bluesky", "createSession.ok", "getProfile.ok")
    assert connect(handle=typed).external_id == DID
    assert sent(transport)[0] == {"identifier": HANDLE, "password": APP_PASSWORD}


@pytest.mark.parametrize("typed", ["pds.zerno.coffee", "https://pds.zerno.coffee/",
                                   "https://pds.zerno.coffee/xrpc"])
def test_it_connects_to_a_self_hosted_server(contract, typed):
    transport = contract("bluesky", "createSession.self_hosted", "getProfile.self_hosted")
    result = connect(service=typed)
    assert result.settings == {"service": "https://pds.zerno.coffee", "did": DID,
                               "handle": HANDLE}  # no DID document: the server is the PDS
    assert result.name == "@zerno.bsky.social"  # no display name on the profile
    assert transport.requests[1].url.host == "pds.zerno.coffee"


def test_it_names_the_channel_after_the_handle_when_the_appview_fails(contract):
    contract("bluesky", "createSession.ok", "getProfile.bad_gateway")
    result = connect(http=HttpClient(retries=0))
    assert result.name == "@zerno.bsky.social" and result.external_id == DID


def test_it_sends_a_refused_app_password_back_to_the_settings(contract):
    contract("bluesky", "createSession.bad_password")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "login_failed"
    assert "App passwords → Add App Password" in exc.value.message
    assert APP_PASSWORD not in exc.value.message


def test_it_refuses_the_account_password_and_ends_that_session(contract):
    transport = contract("bluesky", "createSession.account_password", "deleteSession.ok")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "account_password"
    assert "this is your account password" in exc.value.message
    assert bearer(transport, 1) == REFRESH


def test_it_explains_that_an_email_code_means_the_account_password(contract):
    contract("bluesky", "createSession.auth_factor")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "account_password"
    assert "code from your email" in exc.value.message


def test_it_says_when_the_account_is_taken_down(contract):
    contract("bluesky", "createSession.takedown")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "AccountTakedown"
    assert "taken down" in exc.value.message and "zerno.bsky.social" in exc.value.message


def test_it_asks_to_wait_when_sign_ins_are_rate_limited(contract, monkeypatch):
    monkeypatch.setattr(base_module, "datetime", FrozenDatetime)
    contract("bluesky", "createSession.rate_limited")
    with pytest.raises(TransientError) as exc:
        connect(http=HttpClient(retries=0))
    assert exc.value.retry_after == 360 and exc.value.scope == "channel"


@pytest.mark.parametrize("service", ["http://pds.zerno.coffee", "ftp://pds.zerno.coffee",
                                     "https://"])
def test_it_refuses_a_server_address_it_cannot_use(contract, service):
    transport = contract("bluesky")
    with pytest.raises(PermanentError) as exc:
        connect(service=service)
    assert exc.value.code == "bad_service"
    assert transport.requests == []


@pytest.mark.parametrize("service", [
    "127.0.0.1", "https://localhost:2583", "https://[::1]", "https://169.254.169.254",
    "https://10.0.0.1", "https://192.168.1.1", "https://2130706433", "https://0x7f000001",
    "https://[::ffff:127.0.0.1]", "https://[fc00::1]", "https://pds.intranet.example",
    "http://localhost:2583", "http://127.0.0.1:2583"])
def test_the_handle_and_app_password_never_go_to_a_private_address(contract, fake_dns, service):
    transport = contract("bluesky")
    fake_dns.names["pds.intranet.example"] = ["10.20.0.3"]
    with pytest.raises(PermanentError) as exc:
        connect(service=service)
    assert exc.value.code == "bad_service"
    assert exc.value.message.startswith("Bluesky: could not reach the server")
    assert transport.requests == []


def test_a_loopback_server_is_allowed_with_the_development_setting(contract, settings):
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = True
    local = {**load_fixture("bluesky", "createSession.ok"), "name": "local"}
    local["request"] = {**local["request"],
                        "url": "http://127.0.0.1:2583/xrpc/com.atproto.server.createSession"}
    transport = contract("bluesky", "getProfile.ok")
    transport.fixtures.append(local)
    assert connect(service="http://127.0.0.1:2583").external_id == DID
    assert str(transport.requests[0].url).startswith("http://127.0.0.1:2583/")


def test_a_pds_at_a_private_address_is_not_adopted(fake_dns):
    from smmdesk.connectors.bluesky.session import _pds_endpoint

    fake_dns.names["pds.intranet.example"] = ["10.20.0.3"]
    doc = {"service": [{"id": "#atproto_pds", "serviceEndpoint": "https://pds.intranet.example"}]}
    assert _pds_endpoint(doc) == ""
    doc["service"][0]["serviceEndpoint"] = PDS
    assert _pds_endpoint(doc) == PDS


def test_a_stored_pds_that_now_resolves_privately_gets_no_token(contract, fake_dns):
    transport = contract("bluesky")
    fake_dns.names["morel.us-east.host.bsky.network"] = ["169.254.169.254"]
    with pytest.raises(TransientError):
        make(http=HttpClient(retries=0)).delete(POST_URI)
    assert transport.requests == []


@pytest.mark.parametrize(("handle", "password"), [("", APP_PASSWORD), (HANDLE, " ")])
def test_it_needs_a_handle_and_an_app_password(contract, handle, password):
    transport = contract("bluesky")
    with pytest.raises(PermanentError) as exc:
        connect(handle=handle, password=password)
    assert exc.value.code == "missing_fields"
    assert transport.requests == []


# ---------------------------------------------------------------- refresh


def test_it_refreshes_the_session_with_the_refresh_token(contract):
    transport = contract("bluesky", "refreshSession.ok")
    result = make().refresh_credentials()
    assert bearer(transport, 0) == REFRESH
    assert str(transport.requests[0].url) == (
        "https://bsky.social/xrpc/com.atproto.server.refreshSession")
    assert result.credentials == {"accessJwt": ACCESS2, "refreshJwt": REFRESH2,
                                  "appPassword": APP_PASSWORD, "did": DID, "handle": HANDLE,
                                  "pds": PDS}
    assert result.settings == SETTINGS and result.name == "Zerno Coffee"
    assert result.token_expires_at == datetime(2100, 1, 1, 1, tzinfo=UTC)


def test_it_signs_in_again_when_the_refresh_token_expired(contract):
    transport = contract("bluesky", "refreshSession.expired", "createSession.again")
    result = make().refresh_credentials()
    assert sent(transport, 1)[0] == {"identifier": DID, "password": APP_PASSWORD}
    assert result.credentials["accessJwt"] == ACCESS3
    assert result.settings["handle"] == "zerno.coffee"  # the account changed its handle
    assert result.url == "https://bsky.app/profile/zerno.coffee"


def test_what_a_refresh_learnt_wins_over_the_settings_of_the_connect(contract):
    # the worker stores refreshed credentials only; the settings still say the old handle
    contract("bluesky", "createRecord.text")
    connector = make(credentials={"handle": "zerno.coffee"})
    result = connector.publish(PublishRequest(text=TEXT))
    assert result.url == "https://bsky.app/profile/zerno.coffee/post/3mg2yneuoxs2b"


def test_it_marks_the_channel_broken_when_the_app_password_was_revoked(contract):
    contract("bluesky", "refreshSession.expired", "createSession.revoked")
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.channel_broken and exc.value.code == "session_ended"
    assert "@zerno.bsky.social" in exc.value.message
    assert "reconnect the channel" in exc.value.message


def test_it_needs_a_reconnect_when_the_refresh_token_died_and_no_password_is_kept(contract):
    contract("bluesky", "refreshSession.expired")
    with pytest.raises(PermanentError) as exc:
        make(credentials={"appPassword": None}).refresh_credentials()
    assert exc.value.channel_broken and exc.value.code == "session_ended"


def test_it_refreshes_an_access_token_past_its_expiry_before_calling(contract):
    transport = contract("bluesky", "refreshSession.ok", "createRecord.text")
    expired = jwt({"scope": "com.atproto.appPass", "sub": DID, "exp": 1_700_000_000})
    make(credentials={"accessJwt": expired}).publish(PublishRequest(text=TEXT))
    assert nsids(transport) == ["com.atproto.server.refreshSession",
                                "com.atproto.repo.createRecord"]
    assert bearer(transport, 1) == ACCESS2


def test_it_refreshes_once_on_an_expired_token_and_sends_again(contract):
    transport = contract("bluesky", "createRecord.expired_token", "refreshSession.ok",
                         "createRecord.text")
    result = make().publish(PublishRequest(text=TEXT))
    assert result.external_id == POST_URI
    assert [bearer(transport, n) for n in range(3)] == [ACCESS, REFRESH, ACCESS2]


def test_a_renewal_in_a_call_goes_through_the_channels_guard(contract):
    """With a guard (a stored channel), the guard decides: here another worker already
    renewed, so the connector sends with the tokens it hands back and spends nothing."""
    transport = contract("bluesky", "createRecord.expired_token", "createRecord.text")
    renewals = []

    def guard(renew):
        renewals.append(renew)
        return ConnectResult(external_id=DID, name="Zerno Coffee",
                             credentials={"accessJwt": ACCESS2, "refreshJwt": REFRESH2})

    api = make()
    api.channel = dataclasses.replace(api.channel, renewal=guard)
    assert api.publish(PublishRequest(text=TEXT)).external_id == POST_URI
    assert len(renewals) == 1 and api.rotated is None  # the guard stored it, not the engine
    assert [bearer(transport, n) for n in range(2)] == [ACCESS, ACCESS2]


def test_it_marks_the_channel_broken_when_a_fresh_token_is_refused_too(contract):
    contract("bluesky", "createRecord.unauthorized", "refreshSession.ok",
             "createRecord.unauthorized")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.channel_broken
    assert exc.value.message == (
        "Bluesky does not accept smmdesk's session for @zerno.bsky.social (Authentication "
        "Required). Reconnect the channel with a new app password.")


# ---------------------------------------------------------------- publish


def test_it_publishes_a_text_post(contract):
    transport = contract("bluesky", "createRecord.text")
    result = make().publish(PublishRequest(text=TEXT))
    assert result.external_id == POST_URI
    assert result.url == "https://bsky.app/profile/zerno.bsky.social/post/3mg2yneuoxs2b"
    assert result.extra_ids == ()
    body = sent(transport)[0]
    assert set(body["record"]) == {"$type", "text", "createdAt"}  # no facets, no langs
    created = datetime.fromisoformat(body["record"]["createdAt"])
    assert body["record"]["createdAt"].endswith("Z")
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert bearer(transport, 0) == ACCESS


def test_it_marks_links_mentions_and_hashtags_by_utf8_bytes(contract):
    fixture = load_fixture("bluesky", "createRecord.facets")
    text = fixture["request"]["json"]["record"]["text"]
    transport = contract("bluesky", "resolveHandle.ok", "resolveHandle.unknown",
                         "createRecord.facets")
    make().publish(PublishRequest(text=text))
    facets = sent(transport, 2)[0]["record"]["facets"]
    raw = text.encode()
    shown = [raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in facets]
    # @ghost.bsky.social resolves to nobody, #2026 is only digits, (#notatag) is in brackets
    assert shown == ["@olena-reads.bsky.social", "https://zerno.coffee/cupping?day=1",
                     "#coffee", "#Львів"]
    assert facets[0]["features"] == [{"$type": "app.bsky.richtext.facet#mention",
                                      "did": OLENA_DID}]


def test_it_uploads_images_and_embeds_them_with_alt_text_and_aspect_ratio(contract, tmp_path):
    transport = contract("bluesky", "uploadBlob.png", "uploadBlob.png2", "createRecord.images")
    first = png(tmp_path, "a.png", alt="A tulip poured into a flat white")
    second = png(tmp_path, "b.png", size=(4, 5), known_size=False)  # measured from the file
    result = make().publish(PublishRequest(text="Latte art Friday 🥛", media=(first, second)))
    assert result.external_id == POST_URI
    assert nsids(transport) == ["com.atproto.repo.uploadBlob", "com.atproto.repo.uploadBlob",
                                "com.atproto.repo.createRecord"]
    assert transport.requests[0].headers["Content-Type"] == "image/png"
    assert transport.requests[0].content == first.path.read_bytes()
    assert transport.requests[1].content == second.path.read_bytes()


def test_it_adds_the_languages_of_the_post(contract):
    transport = contract("bluesky", "createRecord.langs")
    make().publish(PublishRequest(text=TEXT, options={"langs": "uk, en"}))
    assert sent(transport)[0]["record"]["langs"] == ["uk", "en"]


def test_it_publishes_a_thread_as_a_chain_of_replies(contract):
    transport = contract("bluesky", "createRecord.thread_1", "createRecord.thread_2",
                         "createRecord.thread_3")
    part1 = load_fixture("bluesky", "createRecord.thread_1")["request"]["json"]["record"]["text"]
    part2 = load_fixture("bluesky", "createRecord.thread_2")["request"]["json"]["record"]["text"]
    part3 = load_fixture("bluesky", "createRecord.thread_3")["request"]["json"]["record"]["text"]
    # "---" ends the first part; the rest is too long for one post and splits at a sentence
    text = f"{part1}\n---\n{part2} {part3}"
    result = make().publish(PublishRequest(text=text, format=Format.THREAD))
    assert result.external_id == POST_URI
    assert result.extra_ids == (PART2_URI, PART3_URI)
    assert [sent(transport, n)[0]["record"]["text"] for n in range(3)] == [part1, part2, part3]
    assert "reply" not in sent(transport, 0)[0]["record"]


def test_it_posts_the_first_comment_as_a_reply(contract):
    transport = contract("bluesky", "createRecord.text", "createRecord.first_comment")
    result = make().publish(PublishRequest(text=TEXT, first_comment=FIRST_COMMENT))
    assert result.external_id == POST_URI
    assert result.extra_ids == (FIRST_COMMENT_URI,)  # deleted together with the post
    assert result.raw["first_comment"] == {"uri": FIRST_COMMENT_URI}
    assert sent(transport, 1)[0]["record"]["reply"]["parent"]["uri"] == POST_URI


def test_it_puts_the_first_comment_under_the_last_part_of_a_thread(contract):
    contract("bluesky", "createRecord.thread_1", "createRecord.thread_2",
             "createRecord.thread_3", "createRecord.first_comment_thread")
    parts = [load_fixture("bluesky", f"createRecord.thread_{n}")["request"]["json"]["record"][
        "text"] for n in (1, 2, 3)]
    result = make().publish(PublishRequest(text="\n---\n".join(parts), format=Format.THREAD,
                                           first_comment=FIRST_COMMENT))
    assert result.extra_ids == (PART2_URI, PART3_URI, FIRST_COMMENT_URI)


def test_a_refused_first_comment_does_not_fail_the_post(contract):
    contract("bluesky", "createRecord.text", "createRecord.first_comment_refused")
    result = make().publish(PublishRequest(text=TEXT, first_comment=FIRST_COMMENT))
    assert result.external_id == POST_URI and result.extra_ids == ()
    assert result.raw["first_comment"]["class"] == "permanent"
    assert "must be a valid post" in result.raw["first_comment"]["error"]


def test_a_failed_later_part_does_not_fail_the_thread(contract):
    contract("bluesky", "createRecord.thread_1", "createRecord.thread_2_bad_gateway")
    parts = [load_fixture("bluesky", f"createRecord.thread_{n}")["request"]["json"]["record"][
        "text"] for n in (1, 2, 3)]
    result = make().publish(PublishRequest(text="\n---\n".join(parts), format=Format.THREAD))
    assert result.external_id == POST_URI and result.extra_ids == ()
    assert result.raw["thread_incomplete"]["posted"] == 1
    assert result.raw["thread_incomplete"]["of"] == 3
    assert result.raw["thread_incomplete"]["class"] == "ambiguous"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "error", "code", "broken"), [
    ("createRecord.invalid", PermanentError, "InvalidRequest", False),
    ("createRecord.takendown", PermanentError, "RepoTakendown", True),
    ("createRecord.wrong_server", PermanentError, "not_xrpc", False),
    ("createRecord.rate_limited", TransientError, "rate_limited", None),
    ("createRecord.server_error", AmbiguousError, "server_error", None),
    ("createRecord.timeout", AmbiguousError, "no_answer", None),
])
def test_it_maps_each_refusal_of_a_post(contract, fixture, error, code, broken):
    contract("bluesky", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert type(exc.value) is error
    assert exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    assert ACCESS not in exc.value.message and ACCESS not in repr(exc.value.raw)


def test_it_passes_on_the_servers_reason_for_a_refused_post(contract):
    contract("bluesky", "createRecord.invalid")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.message == ("Bluesky refused: Invalid app.bsky.feed.post record: "
                                 "Record/text must not be longer than 300 graphemes")


@pytest.mark.parametrize(("fixture", "wait", "scope"), [
    ("createRecord.rate_limited", 60, "channel"),  # the account's write budget
    ("createRecord.ip_rate_limited", 180, "app"),  # 3000 requests / 5 min from this server
])
def test_it_waits_until_the_rate_limit_resets(contract, monkeypatch, fixture, wait, scope):
    monkeypatch.setattr(base_module, "datetime", FrozenDatetime)
    contract("bluesky", fixture)
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.retry_after == wait and exc.value.scope == scope
    assert f"in {wait} seconds" in exc.value.message


@pytest.mark.parametrize(("fixture", "error"), [("uploadBlob.too_large", PermanentError),
                                                ("uploadBlob.server_error", TransientError)])
def test_a_failed_upload_creates_nothing(contract, tmp_path, fixture, error):
    transport = contract("bluesky", fixture)
    with pytest.raises(error) as exc:
        make(http=HttpClient(retries=0)).publish(PublishRequest(text="x", media=(png(
            tmp_path),)))
    assert type(exc.value) is error
    assert nsids(transport) == ["com.atproto.repo.uploadBlob"]


# ---------------------------------------------------------------- validation


def issues(req: PublishRequest) -> list[str]:
    return [i.code for i in BlueskyConnector.validate(req)]


@pytest.mark.parametrize(("text", "codes"), [
    ("🇺🇦" * 299, []), ("🇺🇦" * 300, []), ("🇺🇦" * 301, ["text_too_long"]),  # 2 code points each
    ("e\u0301" * 300, []), ("e\u0301" * 301, ["text_too_long"]),
    ("👨‍👩‍👧‍👦" * 120, []), ("👨‍👩‍👧‍👦" * 121, ["text_too_long"]),  # 25 bytes each: 3000 at most
])
def test_it_counts_graphemes_and_bytes_like_bluesky(text, codes):
    assert issues(PublishRequest(text=text)) == codes


def test_it_says_how_long_the_text_is_in_graphemes():
    [issue] = BlueskyConnector.validate(PublishRequest(text="🇺🇦" * 301))
    assert "this text has 301" in issue.message and "Thread format" in issue.message


def test_a_thread_may_be_longer_than_one_post():
    assert issues(PublishRequest(text="Слава. " * 200, format=Format.THREAD)) == []


@pytest.mark.parametrize(("count", "codes"), [(3, []), (4, []), (5, ["too_many_media"])])
def test_it_allows_four_images(tmp_path, count, codes):
    media = tuple(image_of_size(tmp_path, 1000, f"{n}.jpg") for n in range(count))
    assert issues(PublishRequest(text="x", media=media)) == codes


@pytest.mark.parametrize(("size", "codes"), [(999_999, []), (1_000_000, []),
                                             (1_000_001, ["media_too_large"])])
def test_it_allows_images_up_to_a_million_bytes(tmp_path, size, codes):
    assert issues(PublishRequest(text="x", media=(image_of_size(tmp_path, size),))) == codes


def test_it_refuses_video(tmp_path):
    video = MediaFile(path=tmp_path / "v.mp4", kind=MediaKind.VIDEO, mime="video/mp4",
                      size=10_000, name="v.mp4")
    assert issues(PublishRequest(text="x", media=(video,))) == ["media_kind"]


def test_it_checks_the_first_comment_and_the_languages():
    req = PublishRequest(text="x", first_comment="ж" * 301,
                         options={"langs": "uk, en, de, pl"})
    found = BlueskyConnector.validate(req)
    assert [(i.code, i.field) for i in found] == [("text_too_long", "first_comment"),
                                                  ("invalid_langs", "options")]


@pytest.mark.parametrize(("text", "count"), [
    ("e\u0301", 1), ("👨‍👩‍👧‍👦", 1), ("🇺🇦🇵🇱", 2), ("🇺🇦🇵", 2), ("1️⃣", 1), ("👍🏽", 1),
    ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", 1), ("\r\n", 1), ("\n\r", 2), ("\u1100\u1161\u11a8", 1), ("क्षि", 1),
    ("नमस्ते", 3), ("ที่สำคัญ", 4), ("Привіт", 6), ("\u0600\u0661", 1), ("❤️‍🔥", 1),
    ("🧑🏽‍💻", 1), ("ab\u00adc", 4), ("☕️ Zerno", 7), ("", 0),
])
def test_it_splits_text_into_graphemes_as_intl_segmenter_does(text, count):
    # counts from Node 20's Intl.Segmenter, which the PDS validates posts with
    assert len(graphemes(text)) == count
    assert "".join(graphemes(text)) == text


# ---------------------------------------------------------------- find_published


def test_it_finds_the_post_and_its_first_comment(contract):
    # our later answer to a reader, in the same thread, is not part of the post
    transport = contract("bluesky", "listRecords.found")
    found = make().find_published(PublishRequest(text=TEXT, first_comment=FIRST_COMMENT),
                                  since=SINCE)
    assert found.status == Found.FOUND
    assert found.result.external_id == POST_URI
    assert found.result.url.endswith("/post/3mg2yneuoxs2b")
    assert found.result.extra_ids == (FIRST_COMMENT_URI,)
    assert transport.requests[0].url.params["repo"] == DID


def test_it_is_sure_a_post_is_not_there(contract):
    # the same text posted days before, and as a reply since, do not count
    contract("bluesky", "listRecords.not_found")
    assert make().find_published(PublishRequest(text=TEXT), since=SINCE).status == (
        Found.NOT_FOUND)


def test_it_reads_more_pages_back_to_the_window(contract, monkeypatch):
    monkeypatch.setattr(bluesky, "LIST_LIMIT", 2)
    transport = contract("bluesky", "listRecords.page_1", "listRecords.page_2")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND and found.result.external_id == POST_URI
    assert len(transport.requests) == 2


def test_it_cannot_tell_when_the_window_holds_too_many_posts(contract, monkeypatch):
    monkeypatch.setattr(bluesky, "LIST_LIMIT", 2)
    monkeypatch.setattr(bluesky, "LIST_PAGES", 2)
    contract("bluesky", "listRecords.page_1", "listRecords.page_2_busy")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "4 posts" in found.note


# ---------------------------------------------------------------- delete


def test_it_deletes_a_post_with_its_other_parts(contract):
    transport = contract("bluesky", "deleteRecord.first_comment", "deleteRecord.part2",
                         "deleteRecord.root")
    make().delete(POST_URI, extra_ids=(PART2_URI, FIRST_COMMENT_URI))
    assert [sent(transport, n)[0]["rkey"] for n in range(3)] == [
        "3mg2ynfpr6k2b", "3mg2ynf63qs2b", "3mg2yneuoxs2b"]  # the root last


def test_it_refuses_to_delete_a_post_of_another_account(contract):
    transport = contract("bluesky")
    with pytest.raises(PermanentError) as exc:
        make().delete(OLENA_REPLY)
    assert exc.value.code == "not_ours" and transport.requests == []


def test_a_failed_delete_is_tried_again_later(contract):
    contract("bluesky", "deleteRecord.server_error")
    with pytest.raises(TransientError):
        make(http=HttpClient(retries=0)).delete(POST_URI)


def test_it_cannot_edit():
    assert not BlueskyConnector.capabilities.edit
    with pytest.raises(PermanentError):
        make().edit(POST_URI, PublishRequest(text=TEXT))


# ---------------------------------------------------------------- comments


def test_it_reads_every_reply_with_its_parent(contract):
    transport = contract("bluesky", "getPostThread.ok")
    comments = make().fetch_comments(POST_URI)
    assert [(c.external_id, c.parent_external_id, c.by_us, c.hidden) for c in comments] == [
        (OLENA_REPLY, POST_URI, False, False),
        (OUR_ANSWER, OLENA_REPLY, True, False),
        (MARKO_REPLY, POST_URI, False, True)]  # hidden with the threadgate; a deleted one skipped
    olena = comments[0]
    assert (olena.author_id, olena.author_name) == ("olena-reads.bsky.social", "Олена")
    assert olena.text == "Яка обсмажка? Хочу спробувати на V60"
    assert olena.created_at == datetime(2026, 3, 2, 10, 12, 40, tzinfo=UTC)
    assert olena.post_external_id == POST_URI
    assert comments[2].author_name == "marko.bsky.social"  # no display name
    assert transport.requests[0].url.params["depth"] == "1000"


def test_it_reads_only_replies_since_a_time(contract):
    contract("bluesky", "getPostThread.ok")
    since = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert [c.external_id for c in make().fetch_comments(POST_URI, since=since)] == [
        OUR_ANSWER, MARKO_REPLY]


def test_it_says_when_the_post_is_gone(contract):
    """Gone only when our repository no longer holds it either."""
    contract("bluesky", "getPostThread.not_found", "getRecord.post_missing")
    with pytest.raises(PermanentError) as exc:
        make().fetch_comments(POST_URI)
    assert exc.value.code == "not_found" and "no longer exists" in exc.value.message


def test_a_post_the_appview_has_not_indexed_yet_is_a_wait_not_gone(contract):
    """Read back right after our own write, the AppView may not know the post yet; the
    PDS that wrote it does, so this is a short wait (the live tests met it)."""
    contract("bluesky", "getPostThread.not_found", "getRecord.post")
    with pytest.raises(TransientError) as exc:
        make().fetch_comments(POST_URI)
    assert exc.value.code == "not_indexed" and exc.value.retry_after == 60


def test_it_replies_in_the_thread_of_a_comment_it_read(contract):
    transport = contract("bluesky", "getPostThread.ok", "createRecord.reply")
    connector = make()
    olena = connector.fetch_comments(POST_URI)[0]
    ours = connector.reply(olena, "Дякуємо, Олено! Чекаємо в суботу ☕")
    assert ours.external_id == NEW_REPLY and ours.by_us
    assert ours.parent_external_id == OLENA_REPLY and ours.post_external_id == POST_URI
    assert sent(transport, 1)[0]["record"]["reply"] == {
        "root": {"uri": POST_URI, "cid": POST_CID},
        "parent": {"uri": OLENA_REPLY, "cid": OLENA_REPLY_CID}}


def test_it_looks_up_a_comment_it_did_not_read_before_replying(contract):
    transport = contract("bluesky", "getPosts.comment", "createRecord.reply")
    olena = RemoteComment(external_id=OLENA_REPLY, post_external_id=POST_URI,
                          author_id="olena-reads.bsky.social", author_name="Олена", text="?",
                          created_at=datetime(2026, 3, 2, tzinfo=UTC))
    assert make().reply(olena, "Дякуємо, Олено! Чекаємо в суботу ☕").external_id == NEW_REPLY
    assert nsids(transport) == ["app.bsky.feed.getPosts", "com.atproto.repo.createRecord"]


def test_it_hides_a_reply_with_a_new_threadgate_that_lets_everyone_reply(contract):
    transport = contract("bluesky", "getPosts.spam_comment", "getRecord.no_threadgate",
                         "putRecord.hide_new")
    make().hide_comment(MARKO_REPLY)
    body = sent(transport, 2)[0]
    assert body["rkey"] == "3mg2yneuoxs2b"  # the root post's record key
    assert "allow" not in body["record"] and "swapRecord" not in body


def test_it_keeps_the_threadgate_rules_when_hiding_another_reply(contract):
    contract("bluesky", "getPosts.comment", "getRecord.threadgate", "putRecord.hide_second")
    make().hide_comment(OLENA_REPLY)


def test_it_shows_a_hidden_reply_again(contract):
    contract("bluesky", "getPosts.spam_comment", "getRecord.threadgate", "putRecord.unhide")
    make().hide_comment(MARKO_REPLY, hidden=False)


def test_it_can_hide_replies_only_in_its_own_threads(contract):
    contract("bluesky", "getPosts.foreign_thread")
    with pytest.raises(PermanentError) as exc:
        make().hide_comment(MARKO_REPLY)
    assert exc.value.code == "not_ours" and "your post" in exc.value.message


def test_it_tries_again_when_the_threadgate_changed_meanwhile(contract):
    contract("bluesky", "getPosts.spam_comment", "getRecord.no_threadgate",
             "putRecord.invalid_swap")
    with pytest.raises(TransientError) as exc:
        make(http=HttpClient(retries=0)).hide_comment(MARKO_REPLY)
    assert exc.value.code == "InvalidSwap"


# ---------------------------------------------------------------- metrics and events


def test_it_reads_the_counts_of_a_post(contract):
    contract("bluesky", "getPosts.post")
    assert make().fetch_post_metrics(POST_URI) == {"likes": 27, "reposts": 4, "comments": 3,
                                                   "quotes": 1, "saves": 0}


def test_it_says_when_a_measured_post_is_gone(contract):
    contract("bluesky", "getPosts.gone", "getRecord.post_missing")
    with pytest.raises(PermanentError) as exc:
        make().fetch_post_metrics(POST_URI)
    assert exc.value.code == "not_found"


def test_it_waits_for_the_appview_to_show_a_post_just_made(contract):
    # the post is in our repository, the AppView has not indexed it yet
    contract("bluesky", "getPosts.gone", "getRecord.post")
    with pytest.raises(TransientError) as exc:
        make().fetch_post_metrics(POST_URI)
    assert exc.value.code == "not_indexed" and exc.value.retry_after == 60


def test_a_failed_read_is_transient(contract):
    contract("bluesky", "getPosts.bad_gateway")
    with pytest.raises(TransientError):
        make(http=HttpClient(retries=0)).fetch_post_metrics(POST_URI)


def test_it_reads_the_profile_counts(contract):
    transport = contract("bluesky", "getProfile.ok")
    assert make().fetch_account_metrics() == {"followers": 1843, "following": 212,
                                              "posts": 356}
    assert str(transport.requests[0].url).startswith(PDS)


def test_it_turns_replies_mentions_and_quotes_into_events(contract):
    contract("bluesky", "listNotifications.first")
    events, cursor = make().poll_events("")
    assert [(e.kind, e.data["reason"]) for e in events] == [
        ("comment", "reply"), ("mention", "mention"), ("mention", "quote")]  # oldest first
    reply = events[0]
    assert reply.external_id == OLENA_REPLY and reply.account_id == DID
    assert reply.data["author_handle"] == "olena-reads.bsky.social"
    assert reply.data["parent_uri"] == POST_URI and reply.data["subject"] == POST_URI
    assert cursor == "2026-03-02T10:40:00.412Z"  # the newest seen, a like included


def test_it_polls_only_what_came_after_the_cursor(contract):
    contract("bluesky", "listNotifications.since")
    events, cursor = make().poll_events("2026-03-02T10:15:00.733Z")
    assert [e.data["reason"] for e in events] == ["quote"]
    assert cursor == "2026-03-02T10:40:00.412Z"

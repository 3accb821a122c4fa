"""The listening pages: the mentions stream with its filters, one mention with its answer
(queued through the outbox and sent by the sandbox), the query editor with its live check
and preview, the sources with their add form, the empty states, and who may do what."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.roles import Role
from smmdesk.channels.services import channel_connect
from smmdesk.core.models import OutboxMessage
from smmdesk.inbox.models import Label
from smmdesk.listening.models import Item, Mention, Query, Source, Spike
from smmdesk.listening.services import query_check
from smmdesk.sandbox import network
from smmdesk.sources import registry

pytestmark = pytest.mark.django_db

BAD_QUERY = "Zerno AND (coffee"  # the parenthesis is never closed


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(workspace, rest: str = "") -> str:
    return f"/w/{workspace.slug}/listening/{rest}"


def make_source(workspace, *, kind="sandbox", name="Sandbox search", **extra) -> Source:
    return Source.objects.create(workspace=workspace, kind=kind, name=name, **extra)


def make_item(source, text, *, days_ago: float = 1, **extra) -> Item:
    return Item.objects.create(workspace=source.workspace, source=source,
                               external_id=uuid.uuid4().hex, text=text,
                               published_at=timezone.now() - timedelta(days=days_ago), **extra)


def make_query(workspace, text="Zerno", name="Brand") -> Query:
    return Query.objects.create(workspace=workspace, name=name, text=text)


def make_mention(item, query=None, **extra) -> Mention:
    m = Mention.objects.create(workspace=item.workspace, item=item,
                               published_at=item.published_at, **extra)
    if query is not None:
        m.queries.add(query)
    return m


def listed(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="inbox-row listening-row[^"]*" id="mention-(\d+)"',
                                       page)]


def row(page: str, m: Mention) -> str:
    found = re.search(rf'id="mention-{m.pk}".*?</a>\s*</div>', page, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def world(workspace):
    """A query, a source and one mention found by it."""
    query = make_query(workspace)
    source = make_source(workspace, kind="rss", name="Kyiv news")
    item = make_item(source, "Була в Zerno вчора, кава чудова", author="Olha",
                     author_followers=12300, url="https://example.com/p/1")
    return query, source, make_mention(item, query, sentiment="positive", intent="praise",
                                       language="uk")


# ---------------------------------------------------------------- pages render


def test_every_page_renders_for_the_owner(workspace, owner, world):
    query, source, m = world
    client = login(owner)
    for rest in ("", f"{m.pk}/", "queries/", "queries/new/", f"queries/{query.pk}/",
                 "sources/", "sources/?kind=sandbox"):
        response = client.get(url(workspace, rest))
        assert response.status_code == 200, rest
    for kind in registry.kinds():
        assert client.get(url(workspace, f"sources/?kind={kind}")).status_code == 200, kind


def test_the_mention_pane_is_a_partial_for_htmx(workspace, owner, world):
    m = world[2]
    page = login(owner).get(url(workspace, f"{m.pk}/"), HTTP_HX_REQUEST="true",
                            HTTP_HX_TARGET="pane").content.decode()
    assert 'class="inbox-msg listening-msg"' in page and "<html" not in page
    full = login(owner).get(url(workspace, f"{m.pk}/")).content.decode()
    assert "<html" in full and f'id="mention-{m.pk}"' in full and "listening.js" in full


def test_a_row_shows_author_reach_source_time_badges_and_marked_words(workspace, owner, world):
    m = world[2]
    shown = row(login(owner).get(url(workspace)).content.decode(), m)
    assert "Olha" in shown and "12,300 followers" in shown
    assert "Kyiv news" in shown and "News feed (RSS or Atom)" in shown
    assert "<mark>Zerno</mark>" in shown
    assert 'class="badge i-positive"' in shown and "praise" in shown and ">UK<" in shown
    assert "<time" in shown


def test_the_text_is_escaped_and_only_the_match_is_marked(workspace, owner):
    query = make_query(workspace)
    item = make_item(make_source(workspace), '<script>alert(1)</script> Zerno & "co"')
    m = make_mention(item, query)
    client = login(owner)
    for page in (client.get(url(workspace)).content.decode(),
                 client.get(url(workspace, f"{m.pk}/")).content.decode()):
        assert "<script>alert(1)" not in page
        assert ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>Zerno</mark> &amp; &quot;co&quot;"
                in page)


# ---------------------------------------------------------------- empty states


def test_with_no_queries_the_stream_says_to_write_one(workspace, owner):
    page = login(owner).get(url(workspace)).content.decode()
    assert 'class="empty-state"' in page and "write a query" in page
    assert f'href="{url(workspace, "queries/new/")}"' in page
    queries = login(owner).get(url(workspace, "queries/")).content.decode()
    assert "No queries yet" in queries and f'href="{url(workspace, "queries/new/")}"' in queries
    sources = login(owner).get(url(workspace, "sources/")).content.decode()
    assert "No sources yet" in sources and 'id="add-source"' in sources


def test_with_a_query_but_no_source_the_stream_says_to_add_one(workspace, owner):
    make_query(workspace)
    page = login(owner).get(url(workspace)).content.decode()
    assert "add a source" in page and f'href="{url(workspace, "sources/")}"' in page


def test_a_reader_is_told_who_writes_queries(workspace, editor):
    page = login(editor).get(url(workspace)).content.decode()
    assert "an owner, a manager or an analyst writes the queries" in page
    assert f'href="{url(workspace, "queries/new/")}"' not in page


# ---------------------------------------------------------------- the live check


def test_the_live_check_shows_where_a_bad_query_is_wrong(workspace, owner):
    problem = query_check(BAD_QUERY)
    assert problem is not None
    page = login(owner).post(url(workspace, "queries/check/"), {"text": BAD_QUERY},
                             HTTP_HX_REQUEST="true").content.decode()
    assert 'data-check="error"' in page
    assert f'data-position="{problem.position}"' in page and f'data-end="{problem.end}"' in page
    assert problem.message in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert f"at character {problem.position + 1}" in page
    mirror = re.search(r'<div class="listening-mirror"[^>]*>(.*?)</div>', page, re.S).group(1)
    before, marked, after = re.match(r'(.*)<mark class="listening-error[^"]*">(.*)</mark>(.*)',
                                     mirror, re.S).groups()
    assert before == BAD_QUERY[:problem.position]
    assert after == BAD_QUERY[max(problem.end, problem.position):]
    assert marked in (BAD_QUERY[problem.position:problem.end], "&nbsp;")


def test_the_live_check_says_ok_for_a_good_query(workspace, owner):
    page = login(owner).post(url(workspace, "queries/check/"),
                             {"text": '(Zerno OR "Zerno Coffee") AND кава'}).content.decode()
    assert 'data-check="ok"' in page and "OK" in page and "listening-mirror" not in page


def test_the_editor_wires_the_live_check_and_the_preview(workspace, owner):
    page = login(owner).get(url(workspace, "queries/new/")).content.decode()
    assert f'hx-post="{url(workspace, "queries/check/")}"' in page
    assert 'hx-trigger="input changed delay:300ms"' in page
    assert f'hx-post="{url(workspace, "queries/preview/")}"' in page
    for operator in ("AND", "OR", "NOT", "NEAR/3", "lang:", "source:", "author:", "since:",
                     "until:", "coffee*"):
        assert operator in page, operator
    assert 'name="exclude_own" value="1" checked' in page


# ---------------------------------------------------------------- preview


def test_the_preview_counts_what_the_query_would_have_found(workspace, owner):
    source = make_source(workspace)
    make_item(source, "Zerno opened a new place", days_ago=2)
    make_item(source, "Coffee at zerno again", days_ago=20)
    make_item(source, "Zerno, long ago", days_ago=40)   # outside the 30 days
    make_item(source, "Nothing about us", days_ago=1)
    page = login(owner).post(url(workspace, "queries/preview/"),
                             {"text": "Zerno"}).content.decode()
    assert 'data-total="2"' in page and "In the last 30 days:" in page
    assert "<b>2 items match.</b>" in page
    assert "<mark>Zerno</mark> opened" in page and "<mark>zerno</mark> again" in page
    assert "long ago" not in page and "Nothing about us" not in page


def test_the_preview_of_a_bad_query_shows_the_problem(workspace, owner):
    page = login(owner).post(url(workspace, "queries/preview/"),
                             {"text": BAD_QUERY}).content.decode()
    assert 'class="errorlist"' in page and "data-total" not in page


def test_the_preview_button_works_without_htmx(workspace, owner):
    make_item(make_source(workspace), "Zerno!", days_ago=1)
    response = login(owner).post(url(workspace, "queries/new/"),
                                 {"name": "Brand", "text": "Zerno", "do": "preview"})
    assert response.status_code == 200 and 'data-total="1"' in response.content.decode()
    assert not Query.objects.exists()


# ---------------------------------------------------------------- saving queries


def test_saving_a_bad_query_changes_nothing_and_shows_the_error(workspace, owner):
    client = login(owner)
    response = client.post(url(workspace, "queries/new/"), {"name": "Brand", "text": BAD_QUERY})
    page = response.content.decode()
    assert response.status_code == 400 and not Query.objects.exists()
    assert 'id="query-error"' in page and 'data-check="error"' in page
    assert BAD_QUERY.split(" (")[0] in page  # what was typed stays in the box

    query = make_query(workspace, text="Zerno")
    assert 'data-check="ok"' in client.get(url(workspace, f"queries/{query.pk}/")).content.decode()
    response = client.post(url(workspace, f"queries/{query.pk}/"),
                           {"name": "Renamed", "text": BAD_QUERY, "exclude_own": "1"})
    assert response.status_code == 400
    query.refresh_from_db()
    assert (query.name, query.text) == ("Brand", "Zerno")


def test_saving_a_good_query_stores_it(workspace, owner):
    response = login(owner).post(url(workspace, "queries/new/"),
                                 {"name": "Brand", "text": "Zerno OR Зерно"})
    assert response.status_code == 302
    query = Query.objects.get()
    assert (query.name, query.text, query.exclude_own, query.created_by) == (
        "Brand", "Zerno OR Зерно", False, owner)


def test_queries_list_counts_mentions_of_30_days_and_turns_them_on_and_off(workspace, owner,
                                                                           world):
    query, source, _m = world
    make_mention(make_item(source, "Zerno old", days_ago=45), query)
    client = login(owner)
    page = client.get(url(workspace, "queries/")).content.decode()
    listed_row = re.search(rf'<tr id="query-{query.pk}".*?</tr>', page, re.S).group(0)
    assert ">1</a>" in listed_row and "Zerno" in listed_row
    client.post(url(workspace, f"queries/{query.pk}/enable/"), {"enabled": "0"})
    query.refresh_from_db()
    assert not query.enabled
    client.post(url(workspace, f"queries/{query.pk}/enable/"), {"enabled": "1"})
    query.refresh_from_db()
    assert query.enabled
    client.post(url(workspace, f"queries/{query.pk}/delete/"))
    assert not Query.objects.filter(pk=query.pk).exists()


# ---------------------------------------------------------------- answering a mention


@pytest.fixture
def sandbox_mention(workspace, owner):
    """A post by someone else on the sandbox network that mentions us, and our channel."""
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno Kyiv", "audience": "uk"})
    author = network.account_create(name="Taras")
    post = network.post_create(account=author, text="Хто пробував Zerno?")
    item = make_item(make_source(workspace), post.text, author="Taras",
                     author_id=author.handle, network="sandbox", reply_ref=str(post.pk))
    return channel, post, make_mention(item, make_query(workspace))


def test_a_reply_is_queued_in_the_outbox_and_the_mention_shows_sending(
        workspace, owner, sandbox_mention, run_outbox):
    channel, post, m = sandbox_mention
    client = login(owner)
    pane = client.get(url(workspace, f"{m.pk}/")).content.decode()
    assert 'name="channel"' in pane and f'<option value="{channel.pk}"' in pane
    response = client.post(url(workspace, f"{m.pk}/reply/"),
                           {"channel": channel.pk, "text": "Дякуємо, Тарасе!"},
                           HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pane")
    assert response.status_code == 200
    m.refresh_from_db()
    assert (m.reply_state, m.reply_text, m.reply_channel_id, m.replied_by) == (
        "sending", "Дякуємо, Тарасе!", channel.pk, owner)
    queued = OutboxMessage.objects.get(kind="listening_reply")
    assert queued.payload == {"mention": m.pk}
    page = response.content.decode()
    assert "Sending…" in page and 'hx-trigger="load delay:3s"' in page
    assert f'id="mention-{m.pk}"' in page and 'hx-swap-oob="true"' in page

    run_outbox()
    polled = client.get(url(workspace, f"{m.pk}/?poll=1"), HTTP_HX_REQUEST="true",
                        HTTP_HX_TARGET="pane").content.decode()
    m.refresh_from_db()
    assert m.reply_state == "sent" and m.status == "done"
    assert "Answered" in polled and "Sending…" not in polled
    assert post.comments.filter(by_owner=True, text="Дякуємо, Тарасе!").exists()
    assert f'id="mention-{m.pk}"' in polled  # the row comes along: it is done now


def test_an_empty_answer_is_refused_and_nothing_is_queued(workspace, owner, sandbox_mention):
    channel, _post, m = sandbox_mention
    response = login(owner).post(url(workspace, f"{m.pk}/reply/"),
                                 {"channel": channel.pk, "text": "  "})
    assert response.status_code == 400 and "Write the answer first." in response.content.decode()
    assert not OutboxMessage.objects.filter(kind="listening_reply").exists()
    m.refresh_from_db()
    assert m.reply_state == ""


def test_a_failed_answer_shows_why_and_what_to_do(workspace, owner, sandbox_mention):
    _channel, _post, m = sandbox_mention
    Mention.objects.filter(pk=m.pk).update(reply_state="failed", reply_text="Дякуємо!",
                                           reply_error="Sandbox: that post does not exist.")
    page = login(owner).get(url(workspace, f"{m.pk}/")).content.decode()
    assert "The answer was not sent." in page and "that post does not exist" in page
    assert "try again, or open the original" in page
    assert re.search(r'<textarea id="reply-text"[^>]*>Дякуємо!</textarea>', page)


def test_a_mention_no_channel_can_answer_links_to_the_original(workspace, owner, world):
    m = world[2]  # read from a source with no network of ours to answer through
    page = login(owner).get(url(workspace, f"{m.pk}/")).content.decode()
    assert 'id="reply-text"' not in page
    assert "smmdesk cannot answer where this was written" in page
    assert re.search(r'<a href="https://example.com/p/1"[^>]*>Open the original and answer there',
                     page)
    response = login(owner).post(url(workspace, f"{m.pk}/reply/"), {"channel": "1",
                                                                     "text": "Hi"})
    assert response.status_code == 400
    assert not OutboxMessage.objects.filter(kind="listening_reply").exists()


def test_a_sandbox_mention_without_our_channel_says_to_connect_one(workspace, owner):
    author = network.account_create(name="Taras")
    post = network.post_create(account=author, text="Zerno?")
    item = make_item(make_source(workspace), post.text, network="sandbox",
                     reply_ref=str(post.pk))
    m = make_mention(item, make_query(workspace))
    page = login(owner).get(url(workspace, f"{m.pk}/")).content.decode()
    assert "None of your connected channels can answer on" in page
    assert f'href="/w/{workspace.slug}/channels/"' in page


# ---------------------------------------------------------------- status, assignee, labels


def test_status_assign_and_label_change_the_mention(workspace, owner, editor, world):
    m = world[2]
    client = login(owner)
    answer = client.post(url(workspace, f"{m.pk}/status/"), {"status": "done"},
                         HTTP_ACCEPT="application/json").json()
    assert answer["ok"] and f'id="mention-{m.pk}"' in answer["row"]
    m.refresh_from_db()
    assert m.status == "done"
    client.post(url(workspace, f"{m.pk}/status/"), {"status": "open"})
    client.post(url(workspace, f"{m.pk}/assign/"), {"user": editor.pk})
    m.refresh_from_db()
    assert (m.status, m.assignee) == ("in_progress", editor)
    client.post(url(workspace, f"{m.pk}/label/"), {"name": "Відгук"})
    assert list(m.labels.values_list("name", flat=True)) == ["Відгук"]
    client.post(url(workspace, f"{m.pk}/label/"), {"name": "Відгук", "remove": "1"})
    assert not m.labels.exists()
    bad = client.post(url(workspace, f"{m.pk}/status/"), {"status": "lost"})
    assert bad.status_code == 400
    assert client.post(url(workspace, f"{m.pk}/explode/")).status_code == 404


def test_a_mention_of_another_workspace_is_not_found(workspace, owner, outsider, world):
    m = world[2]
    from smmdesk.accounts.models import Workspace

    theirs = Workspace.objects.exclude(pk=workspace.pk).get()
    client = login(outsider)
    assert client.get(f"/w/{theirs.slug}/listening/{m.pk}/").status_code == 404
    assert client.post(f"/w/{theirs.slug}/listening/{m.pk}/status/",
                       {"status": "done"}).status_code == 404


# ---------------------------------------------------------------- filters


def test_filters_narrow_the_stream(workspace, owner, editor):
    q1, q2 = make_query(workspace, "Zerno", "Brand"), make_query(workspace, "barista", "People")
    s1, s2 = make_source(workspace, name="One"), make_source(workspace, name="Two")
    happy = make_mention(make_item(s1, "Zerno is great", days_ago=1), q1,
                         sentiment="positive", language="uk")
    angry = make_mention(make_item(s2, "Zerno lost my order", days_ago=3, author="Ivan"), q1,
                         sentiment="negative", language="ru", assignee=editor)
    people = make_mention(make_item(s1, "Our barista is kind", days_ago=10), q2,
                          sentiment="neutral", language="en", status="done")
    label = Label.objects.create(workspace=workspace, name="VIP")
    angry.labels.add(label)
    client = login(owner)

    def shown(**params):
        return listed(client.get(url(workspace), params).content.decode())

    assert shown() == [happy.pk, angry.pk]  # open: new and in progress, newest first
    assert shown(status="done") == [people.pk]
    assert shown(status="all") == [happy.pk, angry.pk, people.pk]
    assert shown(status="all", query=q2.pk) == [people.pk]
    assert shown(status="all", source=s2.pk) == [angry.pk]
    assert shown(sentiment="negative") == [angry.pk]
    assert shown(language="uk") == [happy.pk]
    assert shown(assignee="unassigned") == [happy.pk]
    assert shown(assignee=editor.pk) == [angry.pk]
    assert shown(label=label.pk) == [angry.pk]
    assert shown(q="ivan") == [angry.pk]
    today = timezone.localdate()
    assert shown(status="all", since=(today - timedelta(days=5)).isoformat()) == [
        happy.pk, angry.pk]
    assert shown(status="all", until=(today - timedelta(days=2)).isoformat()) == [
        angry.pk, people.pk]
    assert shown(sentiment="furious", since="yesterday", source="²", label="x") == [
        happy.pk, angry.pk]  # what is not understood is dropped, never a 500


def test_the_stream_is_paginated(workspace, owner):
    query, source = make_query(workspace), make_source(workspace)
    for n in range(55):
        make_mention(make_item(source, f"Zerno {n}", days_ago=n / 100), query)
    client = login(owner)
    first = client.get(url(workspace)).content.decode()
    assert len(listed(first)) == 50 and "Page 1 of 2" in first
    assert len(listed(client.get(url(workspace), {"page": 2}).content.decode())) == 5


def test_a_spike_shows_a_banner_and_the_items_that_made_it(workspace, owner):
    query, source = make_query(workspace), make_source(workspace)
    inside = [make_mention(make_item(source, f"Zerno {n}", days_ago=0.01), query,
                           status="done" if n else "new") for n in range(2)]
    make_mention(make_item(source, "Zerno elsewhere", days_ago=3), query)
    spike = Spike.objects.create(query=query, hour=timezone.now().replace(minute=0),
                                 count=2, expected=0.4,
                                 items=[m.item_id for m in inside])
    page = login(owner).get(url(workspace), {"spike": spike.pk}).content.decode()
    assert "listening-spike" in page and "2 mentions for “Brand”" in page
    assert sorted(listed(page)) == sorted(m.pk for m in inside)
    other = Spike.objects.create(query=make_query(workspace, "x", "X"), hour=timezone.now(),
                                 count=1, expected=0, items=[])
    assert login(owner).get(url(workspace), {"spike": other.pk + 100}).status_code == 404


# ---------------------------------------------------------------- sources


def test_the_add_form_offers_every_kind_and_its_fields(workspace, owner):
    client = login(owner)
    page = client.get(url(workspace, "sources/")).content.decode()
    for src in registry.all_sources():
        assert f'<option value="{src.kind}"' in page, src.kind
    for src in registry.all_sources():
        form = client.get(url(workspace, f"sources/?kind={src.kind}")).content.decode()
        for field in src.fields:
            assert f'name="cfg_{field.name}"' in form, (src.kind, field.name)
        asks_key = 'name="secret"' in form or any(f.secret for f in src.fields)
        assert asks_key == (src.needs_key or any(f.secret for f in src.fields)), src.kind
        assert 'name="news" value="1" checked' in form


def test_adding_a_source_stores_it(workspace, owner):
    response = login(owner).post(url(workspace, "sources/add/"),
                                 {"kind": "sandbox", "name": "", "news": "1"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.kind, source.news, source.workspace) == ("sandbox", True, workspace)
    page = login(owner).get(url(workspace, "sources/")).content.decode()
    assert f'id="source-{source.pk}"' in page and "Sandbox (simulated network)" in page


def test_a_source_that_fails_its_check_is_not_saved(workspace, owner):
    response = login(owner).post(url(workspace, "sources/add/"),
                                 {"kind": "sandbox", "cfg_handle": "nobody-here"})
    page = response.content.decode()
    assert response.status_code == 400 and not Source.objects.exists()
    assert 'id="source-error"' in page and "@nobody-here" in page
    assert 'value="nobody-here"' in page  # the form keeps what was typed
    unknown = login(owner).post(url(workspace, "sources/add/"), {"kind": "carrier-pigeon"})
    assert unknown.status_code == 400 and not Source.objects.exists()


def test_a_source_needing_a_key_is_refused_without_one(workspace, owner):
    src = next(s for s in registry.all_sources() if s.needs_key)
    data = {"kind": src.kind, **{f"cfg_{f.name}": "zerno" for f in src.fields if not f.secret}}
    response = login(owner).post(url(workspace, "sources/add/"), data)
    assert response.status_code == 400 and not Source.objects.exists()


def test_the_sources_list_shows_state_and_turns_them_on_off_and_deletes(workspace, owner):
    source = make_source(workspace, name="Feed", last_error="HTTP 401: key refused",
                         needs_attention=True, items_total=7, enabled=False,
                         last_fetch_at=timezone.now())
    client = login(owner)
    page = client.get(url(workspace, "sources/")).content.decode()
    listed_row = re.search(rf'<tr id="source-{source.pk}".*?</tr>', page, re.S).group(0)
    assert "HTTP 401: key refused" in listed_row and "needs attention" in listed_row
    assert ">7</a>" in listed_row and "<time" in listed_row
    client.post(url(workspace, f"sources/{source.pk}/enable/"), {"enabled": "1"})
    source.refresh_from_db()
    assert source.enabled and not source.needs_attention
    client.post(url(workspace, f"sources/{source.pk}/enable/"), {"enabled": "0"})
    source.refresh_from_db()
    assert not source.enabled
    client.post(url(workspace, f"sources/{source.pk}/delete/"))
    assert not Source.objects.exists()


# ---------------------------------------------------------------- who may


def test_a_client_may_not_open_listening(workspace, client_user, world):
    query, source, m = world
    client = login(client_user)
    for rest in ("", f"{m.pk}/", "queries/", "sources/", "queries/new/"):
        assert client.get(url(workspace, rest)).status_code == 403, rest
    assert client.post(url(workspace, f"{m.pk}/status/"),
                       {"status": "done"}).status_code == 403


def test_an_analyst_writes_queries_but_does_not_answer(workspace, analyst, world):
    query, source, m = world
    client = login(analyst)
    assert client.get(url(workspace)).status_code == 200
    pane = client.get(url(workspace, f"{m.pk}/")).content.decode()
    assert 'id="reply-text"' not in pane and f"listening/{m.pk}/status/" not in pane
    assert client.post(url(workspace, f"{m.pk}/status/"),
                       {"status": "done"}).status_code == 403
    m.refresh_from_db()
    assert m.status == "new"
    assert client.post(url(workspace, "queries/new/"),
                       {"name": "Rivals", "text": "Kofeyok"}).status_code == 302
    assert client.post(url(workspace, "sources/add/"), {"kind": "sandbox"}).status_code == 302


def test_an_editor_answers_but_does_not_write_queries_or_sources(workspace, editor, world):
    query, source, m = world
    client = login(editor)
    assert client.get(url(workspace, "queries/")).status_code == 200
    page = client.get(url(workspace, "queries/")).content.decode()
    assert f'href="{url(workspace, "queries/new/")}"' not in page
    for rest in ("queries/new/", f"queries/{query.pk}/"):
        assert client.get(url(workspace, rest)).status_code == 403, rest
    for rest in ("queries/check/", "queries/preview/", f"queries/{query.pk}/delete/",
                 "sources/add/", f"sources/{source.pk}/delete/"):
        assert client.post(url(workspace, rest), {"text": "x"}).status_code == 403, rest
    assert Query.objects.filter(pk=query.pk).exists() and Source.objects.exists()
    assert 'id="add-source"' not in client.get(url(workspace, "sources/")).content.decode()
    assert client.post(url(workspace, f"{m.pk}/status/"),
                       {"status": "done"}).status_code == 302


def test_every_member_role_but_the_client_sees_the_stream(workspace, member_factory, world):
    for role in (Role.MANAGER, Role.EDITOR, Role.ANALYST):
        assert login(member_factory(role)).get(url(workspace)).status_code == 200, role

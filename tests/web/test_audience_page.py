"""The audience page (/w/<slug>/analytics/audience/) for the owner and the client, its
CSV downloads, the audience profile (/export/, Markdown and CSV) and its empty states, on
the hand-made messages and mentions of tests/analytics/test_audience.py (1–7 Dec 2026 vs
24–30 Nov)."""

from __future__ import annotations

import csv
import io
import re

from django.test import Client

from tests.analytics.dash_history import at
from tests.analytics.history import connect
from tests.analytics.test_audience import (
    channel,  # noqa: F401  (the fixture)
    mentions,  # noqa: F401  (the fixture)
    write,
)

PERIOD = "from=2026-12-01&to=2026-12-07"


def _get(user, workspace, query: str = PERIOD):
    client = Client()
    client.force_login(user)
    return client.get(f"/w/{workspace.slug}/analytics/audience/?{query}")


def _page(user, workspace, query: str = PERIOD) -> str:
    response = _get(user, workspace, query)
    assert response.status_code == 200
    return response.content.decode()


def _kpi(html: str, name: str) -> str:
    card = re.search(rf'data-kpi="{name}">(.*?)</div>', html, re.S).group(1)
    return re.sub(r"<[^>]+>|\s+", "", card.split("data-value>", 1)[1])


def test_the_owner_sees_counts_names_and_grouped_questions(owner, workspace, channel):  # noqa: F811
    html = _page(owner, workspace)
    assert _kpi(html, "new") == "1" and _kpi(html, "returning") == "2"
    assert _kpi(html, "growth") == "100"
    assert "Bohdan" in html and "The coffee was cold" in html
    assert 'id="top-questions"' in html and "доставка" in html
    assert "intent=question" in html and "q=%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0" \
        in html  # the inbox, filtered to the group's word
    for chart in ("followers", "languages", "sentiment", "weeks"):
        assert f'data-chart="{chart}"' in html and f'id="chart-data-{chart}"' in html
    client = Client()
    client.force_login(owner)
    dashboard = client.get(f"/w/{workspace.slug}/analytics/").content.decode()
    assert f'href="/w/{workspace.slug}/analytics/audience/"' in dashboard


def test_the_client_sees_shares_and_no_texts_or_names(client_user, workspace, channel):  # noqa: F811
    html = _page(client_user, workspace)
    assert _kpi(html, "returning") == "2"
    for private in ("Bohdan", "Anna", "cold", "доставка", "Дуже смачно", 'id="top-commenters"'):
        assert private not in html
    assert 'id="audience-counts"' in html and 'data-chart="languages"' in html
    assert _get(client_user, workspace, PERIOD + "&format=csv&table=commenters") \
        .status_code == 404
    assert _get(client_user, workspace, PERIOD + "&format=csv&table=languages") \
        .status_code == 200


def test_the_editor_may_not_open_it(editor, workspace, channel):  # noqa: F811
    assert _get(editor, workspace).status_code == 403


def _csv(user, workspace, table: str) -> list[list[str]]:
    response = _get(user, workspace, f"{PERIOD}&format=csv&table={table}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_each_table_downloads_as_csv(owner, workspace, channel):  # noqa: F811
    rows = _csv(owner, workspace, "commenters")
    assert rows[0][:3] == ["Name", "Network", "Messages"]
    assert [r[0] for r in rows[1:]] == ["Anna", "Bohdan", "Vira"]
    assert _csv(owner, workspace, "languages")[1:] == [["English", "2"], ["Ukrainian", "2"],
                                                       ["Russian", "1"]]
    weeks = _csv(owner, workspace, "weeks")
    assert weeks[0] == ["Week from", "New", "Returning"] and weeks[1][1:] == ["1", "2"]
    questions = _csv(owner, workspace, "questions")
    assert questions[1][0] == "2" and "inbox" in questions[1][4]
    assert _get(owner, workspace, PERIOD + "&format=csv&table=nope").status_code == 404


def test_empty_states_say_what_to_do(owner, workspace):
    html = _page(owner, workspace)
    assert "Connect a channel" in html
    connect(workspace, owner)
    html = _page(owner, workspace)
    assert 'id="audience-no-messages"' in html and "Choose a longer period" in html
    assert "No questions in this period" in html


def test_a_foreign_channel_is_not_found(owner, workspace, channel, outsider):  # noqa: F811
    from smmdesk.accounts.models import Workspace

    theirs = connect(Workspace.objects.exclude(pk=workspace.pk).get(), outsider)
    assert _get(owner, workspace, f"{PERIOD}&channel={theirs.pk}").status_code == 404
    write(channel, "dmytro", at(2))
    assert _kpi(_page(owner, workspace, f"{PERIOD}&channel={channel.pk}"), "new") == "2"


# --- about us elsewhere (mentions), when they talk, the profile to download --------------

def _export(user, workspace, fmt: str, query: str = PERIOD):
    client = Client()
    client.force_login(user)
    return client.get(f"/w/{workspace.slug}/analytics/audience/export/?{query}&format={fmt}")


def test_the_owner_sees_mentions_mood_and_active_hours(owner, workspace, channel, mentions):  # noqa: F811
    html = _page(owner, workspace)
    section = html.split('id="audience-mentions"', 1)[1].split("</section>", 1)[0]
    assert [_kpi(section, k) for k in ("mentions", "authors", "new_authors",
                                        "returning_authors")] == ["5", "4", "2", "2"]
    assert "Fediverse" in section and "Mastodon" in section and "1 mention came" in section
    assert 'data-chart="mood"' in html and 'id="chart-data-mood"' in html
    heat = html.split('id="active-hours"', 1)[1].split("</section>", 1)[0]
    assert heat.count('class="heat-c"') == 7 * 24 + 3  # the grid and its legend
    assert re.findall(r'data-n="(\d+)"', heat).count("2") == 2  # Wed and Thu 12:00
    assert 'data-level="4" data-n="2" title="Wed 12:00 — messages: 1, mentions: 1"' in heat
    assert "Wednesday 12:00–13:00" in heat.split('id="busiest-hours"', 1)[1]
    questions = html.split('id="top-questions"', 1)[1].split("</section>", 1)[0]
    assert '<li data-where="mention">Скільки коштує доставка до Львова?' in questions
    assert "Mentions: Fediverse" in questions and "Inbox 2, Mentions 1" in questions
    assert f"/w/{workspace.slug}/listening/?status=all&amp;since=2026-12-01" in questions


def test_without_mentions_the_page_says_how_to_set_up_listening(
        owner, client_user, workspace, channel):  # noqa: F811
    html = _page(owner, workspace)
    empty = html.split('id="audience-no-mentions"', 1)[1].split("</section>", 1)[0]
    assert f'href="/w/{workspace.slug}/listening/queries/"' in empty
    assert "Set up listening" in empty and 'data-kpi="mentions"' not in html
    client_html = _page(client_user, workspace)  # a client may not open listening
    assert 'id="audience-no-mentions"' in client_html and "/listening/" not in client_html


def test_the_client_sees_mention_counts_but_no_texts(
        client_user, workspace, channel, mentions):  # noqa: F811
    html = _page(client_user, workspace)
    assert _kpi(html, "mentions") == "5" and "Fediverse" in html
    for private in ("Скільки", "холодна", "Olena", "Petro", "/listening/"):
        assert private not in html
    assert "3 questions in this period" in html
    rows = list(csv.reader(io.StringIO(_get(client_user, workspace, PERIOD + "&format=csv"
                                            "&table=hours").content.decode("utf-8-sig"))))
    assert rows[3][0] == "Wednesday" and rows[3][13] == "2"


def test_the_profile_downloads_as_markdown(owner, workspace, channel, mentions):  # noqa: F811
    response = _export(owner, workspace, "md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="audience-profile-{workspace.slug}-2026-12-01-2026-12-07.md"')
    md = response.content.decode()
    assert md.startswith("# Audience profile: Zerno Coffee\n")
    assert "- People who wrote to us: 3 (new: 1, returning: 2; the period before: 1)." in md
    assert ("- People who wrote about us elsewhere: 4 (new: 2, returning: 2; the period "
            "before: 1); their mentions: 5.") in md
    # Messages uk 2, en 2, ru 1 and mentions uk 3, en 1, ru 1: 5, 3 and 2 of 10.
    assert "Languages (messages and mentions): Ukrainian 50 %, English 30 %, Russian 20 %." in md
    assert ("1. Wednesday 12:00–13:00: 2\n2. Thursday 12:00–13:00: 2\n"
            "3. Wednesday 01:00–02:00: 1\n") in md
    assert "Net sentiment +25 (the period before: 0), better than the period before." in md
    assert ("1. **доставка**: 3 (Inbox 2, Mentions 1). For example: “Скільки коштує доставка "
            "до Львова?” (Mentions, Fediverse)") in md
    assert "**холодна**: 1 (Mentions 1)" in md and "“The coffee was cold” (Inbox)" in md
    assert "1. Fediverse — Mastodon: 2 (40 %)" in md


def test_the_profile_escapes_markdown_in_what_people_wrote(owner, workspace, channel):  # noqa: F811
    write(channel, "eve", at(3), "Where is **my** [order](https://x.example)?\n# now",
          intent="question")
    md = _export(owner, workspace, "md").content.decode()
    assert r"Where is \*\*my\*\* \[order\](https://x.example)? # now" in md
    assert "\n# now" not in md


def test_the_profile_downloads_as_csv(owner, workspace, channel, mentions):  # noqa: F811
    response = _export(owner, workspace, "csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('-2026-12-01-2026-12-07.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Item", "Value", "Share, %", "The period before",
                       "Example", "Where"]
    by = {(r[0], r[1], r[6]): r for r in rows[1:]}
    assert by[("Who", "Authors of mentions", "")][2:5] == ["4", "", "1"]
    assert by[("Languages", "Ukrainian", "")][2:4] == ["5", "50.0"]
    assert by[("Mood", "Net sentiment", "Mentions")][2:5] == ["25.0", "", "0.0"]
    assert by[("What they ask", "доставка", "Inbox 2, Mentions 1")][5] == (
        "Скільки коштує доставка до Львова?")
    assert by[("Where they talk about us", "Fediverse", "Mastodon")][2:4] == ["2", "40.0"]


def test_a_formula_in_a_text_is_harmless_in_the_csv(owner, workspace, channel):  # noqa: F811
    write(channel, "eve", at(3), "=HYPERLINK(\"https://x.example\") price?", intent="question")
    rows = list(csv.reader(io.StringIO(_export(owner, workspace, "csv").content
                                       .decode("utf-8-sig"))))
    examples = [r[5] for r in rows if r[0] == "What they ask"]
    assert "'=HYPERLINK(\"https://x.example\") price?" in examples


def test_the_client_profile_has_counts_and_no_texts(
        client_user, workspace, channel, mentions):  # noqa: F811
    md = _export(client_user, workspace, "md").content.decode()
    assert "People who wrote about us elsewhere: 4 (new: 2" in md
    assert "Questions: 3. Their texts stay in the team’s inbox." in md
    csv_text = _export(client_user, workspace, "csv").content.decode("utf-8-sig")
    for text in (md, csv_text):
        for private in ("доставка", "Скільки", "холодна", "coffee was cold", "Anna", "Olena"):
            assert private not in text


def test_the_profile_is_in_the_readers_language(owner, workspace, channel, mentions):  # noqa: F811
    owner.language = "uk"
    owner.save()
    md = _export(owner, workspace, "md").content.decode()
    assert "Середа 12:00–13:00: 2" in md and "Українська 50 %" in md
    assert "01.12.2026" in md  # the Ukrainian date format


def test_the_export_checks_format_and_role(owner, editor, workspace, channel):  # noqa: F811
    assert _export(owner, workspace, "pdf").status_code == 404
    assert _export(editor, workspace, "md").status_code == 403

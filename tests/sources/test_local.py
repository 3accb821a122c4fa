"""Feed files on the server (sources/local.py): RSS and JSON lines from
SMMDESK_DATA_DIR/feeds, new entries only, and nothing read from outside that folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import SourceError
from smmdesk.sources.local import LocalFeedSource

BODIES = Path(__file__).parent / "fixtures" / "rss" / "bodies"
OUTSIDE = ("The feed file must be inside the feeds folder of smmdesk's data folder "
           "(SMMDESK_DATA_DIR/feeds). Give its name there, such as news.xml.")


@pytest.fixture
def feeds(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    folder = settings.DATA_DIR / "feeds"
    folder.mkdir(parents=True)
    return folder


def fetch(name, cursor="", since=None):
    return LocalFeedSource().fetch(config={"path": name}, secret="", cursor=cursor, since=since)


def line(n, at, **extra):
    data = {"external_id": f"m-{n}", "url": f"https://forum.example.by/t/{n}",
            "text": f"Паведамленне {n} пра Zerno Coffee", "published_at": at, **extra}
    return json.dumps(data, ensure_ascii=False) + "\n"


def test_it_is_the_registered_local_source():
    assert isinstance(registry.get("local"), LocalFeedSource)


def test_it_reads_an_rss_file_like_a_downloaded_feed(feeds):
    (feeds / "kyiv.xml").write_bytes((BODIES / "kyiv_news.xml").read_bytes())
    batch = fetch("kyiv.xml")
    assert len(batch.items) == 4 and {i.language for i in batch.items} == {"uk"}
    assert batch.items[0].published_at == datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # oldest first
    again = fetch("kyiv.xml", cursor=batch.cursor)
    assert again.items == []
    (feeds / "kyiv.xml").write_bytes((BODIES / "kyiv_news_updated.xml").read_bytes())
    later = fetch("kyiv.xml", cursor=again.cursor)
    assert [i.external_id for i in later.items] == ["kn-2026-11-21-0800"]


def test_it_reads_json_lines_with_every_field(feeds):
    (feeds / "forum.jsonl").write_text(line(
        1, "2026-11-20T10:00:00+03:00", title="Дзе добрая кава ў Мінску?", author="Алесь",
        author_id="@ales", language="be-BY", likes=4, comments=2, shares=0, views=130,
        media="image") + line(2, "2026-11-20T12:00:00", likes=-3, views="many",
                              media="hologram", url="javascript:alert(1)"), encoding="utf-8")
    first, second = fetch("forum.jsonl").items
    assert first.external_id == "m-1" and first.title == "Дзе добрая кава ў Мінску?"
    assert (first.author, first.author_id, first.language, first.media) == (
        "Алесь", "@ales", "be", "image")
    assert (first.likes, first.comments, first.shares, first.views) == (4, 2, 0, 130)
    assert first.published_at == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    assert second.published_at == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # naive is UTC
    assert (second.likes, second.views, second.media, second.url) == (None, None, "text", "")


def test_entries_appended_later_arrive_on_the_next_fetch(feeds):
    path = feeds / "forum.jsonl"
    path.write_text(line(1, "2026-11-20T10:00:00Z") + line(2, "2026-11-20T11:00:00Z"),
                    encoding="utf-8")
    first = fetch("forum.jsonl")
    assert [i.external_id for i in first.items] == ["m-1", "m-2"]
    with path.open("a", encoding="utf-8") as f:
        f.write(line(3, "2026-11-20T11:00:00Z") + line(4, "2026-11-20T12:30:00Z"))
    second = fetch("forum.jsonl", cursor=first.cursor)
    assert [i.external_id for i in second.items] == ["m-3", "m-4"]  # m-3 shares m-2's time
    assert fetch("forum.jsonl", cursor=second.cursor).items == []


def test_a_line_still_being_written_is_read_once_it_is_whole(feeds):
    path = feeds / "forum.jsonl"
    whole = line(2, "2026-11-20T11:00:00Z")
    path.write_text(line(1, "2026-11-20T10:00:00Z") + whole[:25], encoding="utf-8")
    first = fetch("forum.jsonl")
    assert [i.external_id for i in first.items] == ["m-1"]
    path.write_text(line(1, "2026-11-20T10:00:00Z") + whole, encoding="utf-8")
    assert [i.external_id for i in fetch("forum.jsonl", cursor=first.cursor).items] == ["m-2"]


def test_undated_entries_come_once(feeds):
    path = feeds / "notes.jsonl"
    path.write_text(json.dumps({"external_id": "n-1", "text": "без даты"}) + "\n",
                    encoding="utf-8")
    first = fetch("notes.jsonl")
    assert [(i.external_id, i.published_at) for i in first.items] == [("n-1", None)]
    assert fetch("notes.jsonl", cursor=first.cursor).items == []


def test_a_first_fetch_leaves_out_what_is_older_than_since(feeds):
    (feeds / "forum.jsonl").write_text(line(1, "2026-11-19T10:00:00Z")
                                       + line(2, "2026-11-21T10:00:00Z"), encoding="utf-8")
    batch = fetch("forum.jsonl", since=datetime(2026, 11, 20, tzinfo=UTC))
    assert [i.external_id for i in batch.items] == ["m-2"]


@pytest.mark.parametrize("name", ["../secret.xml", "/etc/passwd", "news/../../secret.xml",
                                  "C:\\feeds\\news.xml", "..\\secret.xml", "~/news.xml",
                                  "news.xml\x00.txt"])
def test_paths_outside_the_feeds_folder_are_refused(feeds, name):
    (feeds.parent / "secret.xml").write_text("<rss/>", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        LocalFeedSource().validate({"path": name})
    assert str(caught.value) == OUTSIDE


def test_a_link_out_of_the_folder_is_refused(feeds, tmp_path):
    secret = tmp_path / "secret.jsonl"
    secret.write_text(line(1, "2026-11-20T10:00:00Z"), encoding="utf-8")
    (feeds / "news.jsonl").symlink_to(secret)
    with pytest.raises(SourceError) as caught:
        LocalFeedSource().validate({"path": "news.jsonl"})
    assert str(caught.value) == OUTSIDE


def test_fetch_checks_the_path_again(feeds, tmp_path):
    (feeds / "news.jsonl").write_text(line(1, "2026-11-20T10:00:00Z"), encoding="utf-8")
    config = LocalFeedSource().validate({"path": "./news.jsonl"})
    assert config == {"path": "news.jsonl"}
    (feeds / "news.jsonl").unlink()
    secret = tmp_path / "secret.jsonl"
    secret.write_text(line(9, "2026-11-20T10:00:00Z"), encoding="utf-8")
    (feeds / "news.jsonl").symlink_to(secret)  # swapped after it was saved
    with pytest.raises(SourceError):
        fetch(config["path"])


def test_a_link_inside_the_folder_is_read(feeds):
    (feeds / "2026").mkdir()
    (feeds / "2026" / "forum.jsonl").write_text(line(1, "2026-11-20T10:00:00Z"),
                                                encoding="utf-8")
    (feeds / "latest.jsonl").symlink_to(feeds / "2026" / "forum.jsonl")
    assert LocalFeedSource().validate({"path": "latest.jsonl"}) == {"path": "latest.jsonl"}
    assert [i.external_id for i in fetch("2026/forum.jsonl").items] == ["m-1"]


def test_a_missing_file_is_named(feeds):
    with pytest.raises(SourceError) as caught:
        LocalFeedSource().validate({"path": "news.xml"})
    assert str(caught.value) == "There is no file news.xml in the feeds folder."


def test_a_broken_file_says_so(feeds):
    (feeds / "broken.xml").write_bytes((BODIES / "broken.xml").read_bytes())
    with pytest.raises(SourceError) as caught:
        fetch("broken.xml")
    assert "This feed is broken" in str(caught.value)
    (feeds / "junk.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        fetch("junk.jsonl")
    assert "line 1" in str(caught.value)


def test_probe_counts_the_entries(feeds):
    (feeds / "forum.jsonl").write_text(line(1, "2026-11-20T10:00:00Z")
                                       + line(2, "2026-11-20T11:00:00Z"), encoding="utf-8")
    assert LocalFeedSource().probe({"path": "forum.jsonl"}) == "Feed file forum.jsonl, 2 items"

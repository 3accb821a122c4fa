"""The content plan: generating slots by target shares, shares, warnings, CSV."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from smmdesk.channels.models import ChannelStatus
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import PlanSlot, Post
from smmdesk.content.plan import (
    plan_generate,
    plan_slot_create,
    plan_slot_delete,
    plan_slot_fill,
    plan_warnings,
    rubric_shares,
)
from smmdesk.content.plan_csv import plan_export, plan_import
from smmdesk.content.services import post_create, rubric_create
from smmdesk.lib.errors import InvalidInput, NotFound
from smmdesk.publishing.services import publication_schedule

pytestmark = pytest.mark.django_db

DEC = date(2030, 12, 1)  # far enough ahead that publications in it are in the future
JAN = date(2031, 1, 1)


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Zerno · Kyiv", "audience": "uk"})


@pytest.fixture
def pillars(workspace):
    return [rubric_create(workspace=workspace, name=name, target_share=share, color=color)
            for name, share, color in (("Useful", 40, "#22c55e"), ("Fun", 25, "#f59e0b"),
                                       ("Selling", 20, "#ef4444"), ("Team", 15, "#6366f1"))]


def by_name(slots) -> Counter:
    return Counter(s.rubric.name for s in slots)


def scheduled(workspace, owner, channel, rubric, at: datetime) -> Post:
    post = post_create(workspace=workspace, actor=owner, body="Зимовий бленд", rubric_id=rubric.pk)
    publication_schedule(post=post, channel=channel, at=at, actor=owner)
    return post


def kyiv(workspace, day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=workspace.tz)


# ---------------------------------------------------------------- plan_generate


def test_it_follows_target_shares_by_largest_remainder(workspace, pillars):
    slots = plan_generate(workspace=workspace, start=date(2030, 12, 2), weeks=4,
                          per_week={"feed": 5}, channels=[])
    assert len(slots) == 20
    assert by_name(slots) == {"Useful": 8, "Fun": 5, "Selling": 4, "Team": 3}
    assert PlanSlot.objects.filter(workspace=workspace).count() == 20


def test_it_gives_the_leftover_slots_to_the_largest_remainders(workspace):
    for name, share in (("A", 50), ("B", 30), ("C", 20)):
        rubric_create(workspace=workspace, name=name, target_share=share)
    slots = plan_generate(workspace=workspace, start=date(2030, 12, 2), weeks=1,
                          per_week={"feed": 7}, channels=[])
    # quotas 3.5 / 2.1 / 1.4: floors 3/2/1, the one left goes to A (.5 > .4 > .1)
    assert by_name(slots) == {"A": 4, "B": 2, "C": 1}


def test_it_interleaves_rubrics_in_calendar_order(workspace, pillars):
    plan_generate(workspace=workspace, start=date(2030, 12, 2), weeks=4,
                  per_week={"feed": 3, "story": 2}, channels=[])
    names = [s.rubric.name for s in PlanSlot.objects.filter(workspace=workspace)
             .order_by("day", "pk")]
    assert len(names) == 20
    assert all(a != b for a, b in zip(names, names[1:], strict=False)), names


def test_it_plans_every_channel_within_the_weeks(workspace, owner, pillars, channel):
    other = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Zerno · Lviv", "audience": "uk"})
    start = date(2030, 12, 5)  # a Thursday: Monday to Wednesday move to the next week
    slots = plan_generate(workspace=workspace, start=start, weeks=2,
                          per_week={"feed": 3, "story": 2, "reel": 1}, channels=[channel, other])
    assert len(slots) == 24
    assert all(start <= s.day < start + timedelta(weeks=2) for s in slots)
    for ch in (channel, other):
        mine = [s for s in slots if s.channel_id == ch.pk]
        assert Counter(s.format for s in mine) == {"feed": 6, "story": 4, "reel": 2}
        assert by_name(mine) == {"Useful": 5, "Fun": 3, "Selling": 2, "Team": 2}


def test_it_refuses_to_generate_without_targets_or_counts(workspace, pillars):
    with pytest.raises(InvalidInput) as exc:
        plan_generate(workspace=workspace, start=DEC, weeks=27, per_week={"feed": 1},
                      channels=[])
    assert exc.value.code == "invalid_weeks"
    with pytest.raises(InvalidInput) as exc:
        plan_generate(workspace=workspace, start=DEC, weeks=2, per_week={"feed": 0},
                      channels=[])
    assert exc.value.code == "nothing_to_plan"
    for r in pillars:
        r.target_share = 0
        r.save()
    with pytest.raises(InvalidInput) as exc:
        plan_generate(workspace=workspace, start=DEC, weeks=2, per_week={"feed": 3},
                      channels=[])
    assert exc.value.code == "no_targets"
    assert not PlanSlot.objects.exists()


def test_it_deletes_only_unwritten_slots(workspace, owner, pillars):
    empty = plan_slot_create(workspace=workspace, day=DEC)
    written = plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=DEC),
                             post=post_create(workspace=workspace, actor=owner, body="x"))
    with pytest.raises(InvalidInput):
        plan_slot_delete(workspace=workspace, slot_id=written.pk)
    plan_slot_delete(workspace=workspace, slot_id=empty.pk)
    assert list(PlanSlot.objects.all()) == [written]
    with pytest.raises(NotFound):
        plan_slot_delete(workspace=workspace, slot_id=empty.pk)


# ---------------------------------------------------------------- rubric_shares


def test_it_counts_posts_going_out_and_slots_not_out_yet(workspace, owner, channel, pillars):
    useful, fun, selling, _team = pillars
    plan_slot_create(workspace=workspace, day=DEC, rubric=useful)
    plan_slot_create(workspace=workspace, day=DEC + timedelta(days=3), rubric=useful)
    plan_slot_create(workspace=workspace, day=JAN, rubric=useful)  # next month: not counted
    plan_slot_create(workspace=workspace, day=DEC, rubric=None)
    # Two posts of one rubric count twice, even made at the same moment.
    twins = [scheduled(workspace, owner, channel, fun, kyiv(workspace, date(2030, 12, d)))
             for d in (10, 11)]
    Post.objects.filter(pk__in=[p.pk for p in twins]).update(created_at=twins[0].created_at)
    # A written slot counts once: by its publication once it is going out...
    out = scheduled(workspace, owner, channel, selling, kyiv(workspace, date(2030, 12, 12)))
    plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=DEC, rubric=selling), post=out)
    # ...and as a slot while its post is a draft.
    draft = post_create(workspace=workspace, actor=owner, body="чернетка")
    plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=DEC, rubric=selling),
                   post=draft)
    rows = {(r["rubric"].name if r["rubric"] else None): r
            for r in rubric_shares(workspace=workspace, start=DEC, end=JAN)}
    assert {k: r["count"] for k, r in rows.items()} == {
        "Useful": 2, "Fun": 2, "Selling": 2, "Team": 0, None: 1}
    assert {k: r["share"] for k, r in rows.items()} == {
        "Useful": 29, "Fun": 29, "Selling": 29, "Team": 0, None: 14}
    assert rows["Useful"]["target"] == 40


def test_it_gives_zero_shares_to_an_empty_month(workspace, pillars):
    rows = rubric_shares(workspace=workspace, start=DEC, end=JAN)
    assert [(r["rubric"].name, r["count"], r["share"]) for r in rows] == [
        ("Fun", 0, 0), ("Selling", 0, 0), ("Team", 0, 0), ("Useful", 0, 0)]


# ---------------------------------------------------------------- plan_warnings


def kinds(warnings) -> list[str]:
    return [w.kind for w in warnings]


def test_it_warns_when_targets_do_not_add_up(workspace):
    rubric_create(workspace=workspace, name="A", target_share=40)
    rubric_create(workspace=workspace, name="B", target_share=40)
    warnings = plan_warnings(workspace=workspace, start=DEC, end=JAN, today=DEC)
    assert kinds(warnings) == ["targets"]
    assert "80%" in warnings[0].message


def test_it_warns_about_drift_beyond_ten_points(workspace):
    a = rubric_create(workspace=workspace, name="Useful", target_share=50)
    b = rubric_create(workspace=workspace, name="Fun", target_share=50)
    for i in range(3):
        plan_slot_create(workspace=workspace, day=DEC + timedelta(days=i), rubric=a)
    for i in range(2):
        plan_slot_create(workspace=workspace, day=DEC + timedelta(days=i), rubric=b)
    # 60 / 40 against 50 / 50 is 10 points: not yet drift
    assert "drift" not in kinds(plan_warnings(workspace=workspace, start=DEC, end=JAN))
    plan_slot_create(workspace=workspace, day=DEC, rubric=a)  # 67 / 33
    drift = [w for w in plan_warnings(workspace=workspace, start=DEC, end=JAN)
             if w.kind == "drift"]
    assert len(drift) == 2
    assert "“Useful” is 67% of the plan; the target is 50%." in drift[0].message + drift[1].message


def test_it_warns_about_a_week_without_anything_for_a_channel(workspace, owner, channel):
    start = date(2030, 12, 1)
    plan_slot_create(workspace=workspace, day=start, channel=channel)
    plan_slot_create(workspace=workspace, day=start + timedelta(days=8), channel=channel)
    scheduled(workspace, owner, channel, rubric_create(workspace=workspace, name="R"),
              kyiv(workspace, start + timedelta(days=15), hour=23))
    gaps = [w for w in plan_warnings(workspace=workspace, start=start,
                                     end=start + timedelta(days=22), today=start)
            if w.kind == "gap"]
    # 02.12-08.12 is 7 days (a gap); 10.12-15.12 is 6 days (not); 17.12-22.12 is 6 days.
    assert [w.message for w in gaps] == [
        "Nothing is planned for Zerno · Kyiv from December 2 to December 8."]


def test_it_names_the_whole_gap_and_skips_inactive_channels(workspace, owner, channel):
    broken = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                             data={"name": "Zerno · Odesa", "audience": "uk"})
    broken.status = ChannelStatus.NEEDS_RECONNECT
    broken.save(update_fields=["status"])
    gaps = [w.message for w in plan_warnings(workspace=workspace, start=DEC, end=JAN, today=DEC)
            if w.kind == "gap"]
    assert gaps == ["Nothing is planned for Zerno · Kyiv from December 1 to December 31."]


def test_it_warns_about_unwritten_slots_in_the_next_seven_days(workspace, owner):
    today = date(2030, 12, 10)
    plan_slot_create(workspace=workspace, day=today)
    plan_slot_create(workspace=workspace, day=today + timedelta(days=6))
    plan_slot_create(workspace=workspace, day=today + timedelta(days=7))  # a week on
    plan_slot_create(workspace=workspace, day=today - timedelta(days=1))  # past
    plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=today),
                   post=post_create(workspace=workspace, actor=owner, body="готово"))
    warnings = [w for w in plan_warnings(workspace=workspace, start=DEC, end=JAN, today=today)
                if w.kind == "unwritten"]
    assert [w.message for w in warnings] == [
        "2 planned slots in the next 7 days have no post yet."]
    later = plan_warnings(workspace=workspace, start=DEC, end=JAN, today=date(2030, 12, 20))
    assert "unwritten" not in kinds(later)


# ---------------------------------------------------------------- CSV


def test_it_exports_and_imports_the_plan_back(workspace, owner, channel, pillars):
    useful, fun = pillars[0], pillars[1]
    plan_slot_create(workspace=workspace, day=date(2030, 12, 2), at=time(9, 30),
                     channel=channel, rubric=useful, format="reel", note="Зимовий бленд, нове")
    written = plan_slot_create(workspace=workspace, day=date(2030, 12, 3), rubric=fun)
    plan_slot_fill(slot=written, post=post_create(workspace=workspace, actor=owner,
                                                  title="Кава дня", body="Лате з «медом»"))
    plan_slot_create(workspace=workspace, day=JAN)  # outside the month
    text = plan_export(workspace=workspace, start=DEC, end=JAN)
    lines = text.splitlines()
    assert lines[0] == "day,time,channel,rubric,format,title,text,note,status"
    assert lines[1] == '2030-12-02,09:30,Zerno · Kyiv,Useful,reel,,,"Зимовий бленд, нове",'
    assert lines[2] == "2030-12-03,,,Fun,feed,Кава дня,Лате з «медом»,,draft"
    assert len(lines) == 3

    PlanSlot.objects.all().delete()
    Post.objects.all().delete()
    assert plan_import(workspace=workspace, data=text.encode(), actor=owner).imported == 2
    assert plan_export(workspace=workspace, start=DEC, end=JAN) == text
    post = PlanSlot.objects.get(day=date(2030, 12, 3)).post
    assert (post.title, post.body, post.rubric, post.author) == (
        "Кава дня", "Лате з «медом»", fun, owner)


def test_it_imports_semicolons_and_day_month_year(workspace, owner, channel, pillars):
    data = ("\ufeffDay;Time;Channel;Rubric;Format;Title;Text;Note\n"
            "01.12.2030;18:00;Zerno · Kyiv;Useful;Story;;;тиждень, кава\n"
            ";;;;;;;\n"
            "2030-12-24;;;;;;;\n").encode()
    assert plan_import(workspace=workspace, data=data, actor=owner).imported == 2
    first, second = PlanSlot.objects.order_by("day")
    assert (first.day, first.time, first.channel, first.rubric, first.format, first.note) == (
        date(2030, 12, 1), time(18, 0), channel, pillars[0], "story", "тиждень, кава")
    assert (second.day, second.channel, second.rubric, second.post) == (
        date(2030, 12, 24), None, None, None)


def test_it_imports_a_file_with_only_days(workspace, owner):
    assert plan_import(workspace=workspace, data=b"day\n2030-12-01\n2030-12-02\n",
                       actor=owner).imported == 2


def test_it_imports_nothing_when_a_row_is_wrong(workspace, owner, channel, pillars):
    data = ("day,time,channel,rubric,format,title,text,note\n"
            "2030-12-01,09:00,Zerno · Kyiv,Useful,feed,Hi,Hello,\n"
            "02.12.2030,,,Fun,reel,,,\n"
            "2030-13-45,,,,feed,,,\n"
            "2030-12-04,25:00,Nowhere,,feed,,,\n").encode()
    with pytest.raises(InvalidInput) as exc:
        plan_import(workspace=workspace, data=data, actor=owner)
    assert exc.value.message == ("The file has 3 errors; nothing was imported. Fix them and "
                                 "import again.")
    errors = [(e["line"], e["column"], e["problem"]) for e in exc.value.details["errors"]]
    assert errors == [
        (4, "day", "“2030-13-45” is not a date (use 2026-12-01 or 01.12.2026)"),
        (5, "time", "“25:00” is not a time (use 09:30)"),
        (5, "channel", "there is no channel called “Nowhere”")]
    assert not PlanSlot.objects.exists() and not Post.objects.exists()


def test_it_explains_a_bad_header_and_a_bad_encoding(workspace, owner):
    with pytest.raises(InvalidInput) as exc:
        plan_import(workspace=workspace, data=b"date,time\n2030-12-01,\n", actor=owner)
    assert exc.value.code == "csv_header"
    with pytest.raises(InvalidInput) as exc:
        plan_import(workspace=workspace, data="day\n01.12.2030\nкава\n".encode("cp1251"),
                    actor=owner)
    assert exc.value.code == "csv_encoding"
    with pytest.raises(InvalidInput) as exc:
        plan_import(workspace=workspace, data=b"day,note\n2030-12-01," + b"x" * 200_000,
                    actor=owner)
    assert exc.value.message.startswith("Row 2: field larger than field limit")
    assert not PlanSlot.objects.exists()


def test_a_plan_file_with_a_nul_character_imports_nothing(workspace, owner):
    # PostgreSQL refuses NUL in text: the whole file is refused before any row is stored.
    with pytest.raises(InvalidInput) as caught:
        plan_import(workspace=workspace, data=b"day;note\n2030-12-01;ok\n2030-12-02;a\x00b\n",
                    actor=owner)
    assert caught.value.code == "csv_encoding" and "NUL" in caught.value.message
    assert not PlanSlot.objects.exists()


def test_it_imports_the_labels_people_see_in_any_language(workspace, owner, channel, pillars):
    # What a Russian Excel saves: a byte order mark, ";" and the words of the interface.
    data = ("\ufeffДень;Время;Канал;Рубрика;Формат;title;Текст;Заметка;Статус\r\n"
            "01.12.2030;18:00;zerno · kyiv;useful;Рилс;;;тиждень;Черновик\r\n"
            "02.12.2030;;Sandbox;Fun;Сторіс;Кава;Лате;;Чарнавік\r\n"
            "03.12.2030;;;;Пост у стужцы;;;;draft\r\n"
            "04.12.2030;;;;Reel / short;;;;\r\n").encode()
    assert plan_import(workspace=workspace, data=data, actor=owner).imported == 4
    slots = PlanSlot.objects.order_by("day")
    assert [(s.format, s.channel, s.rubric) for s in slots] == [
        ("reel", channel, pillars[0]), ("story", channel, pillars[1]), ("feed", None, None),
        ("reel", None, None)]
    assert slots[0].time == time(18, 0) and slots[0].note == "тиждень"
    assert slots[1].post.body == "Лате"


def test_it_reports_every_problem_of_every_row_once(workspace, owner, channel, pillars):
    data = ("day;Time;channel;rubric;format;title;text;note;status\n"
            "2030-12-01;9:00;Zerno · Kyiv;Useful;Рилс;;;;\n"
            "2030-12-32;;;;;;;;\n"
            "2030-12-02;;;Nope;Карусель;;;;\n"
            ";25:61;Nowhere;;feed;;;;lost\n").encode()
    with pytest.raises(InvalidInput) as exc:
        plan_import(workspace=workspace, data=data, actor=owner)
    assert exc.value.code == "csv_invalid_row"
    assert exc.value.message.startswith("The file has 7 errors; nothing was imported.")
    found = [(e["line"], e["column"]) for e in exc.value.details["errors"]]
    # Columns are named as the file names them.
    assert found == [(3, "day"), (4, "rubric"), (4, "format"), (5, "day"), (5, "Time"),
                     (5, "channel"), (5, "status")]
    problems = [e["problem"] for e in exc.value.details["errors"]]
    assert problems[2] == ("“Карусель” is not a format (Feed post, Story, Reel / short, "
                           "Thread)")
    assert problems[3].startswith("the day is missing")
    assert not PlanSlot.objects.exists()


def test_a_network_with_two_channels_needs_the_channel_name(workspace, owner, channel):
    channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                    data={"name": "Zerno · Lviv", "audience": "uk"})
    with pytest.raises(InvalidInput) as exc:
        plan_import(workspace=workspace, data=b"day,channel\n2030-12-01,sandbox\n", actor=owner)
    assert exc.value.details["errors"][0]["problem"] == (
        "there are several channels on “sandbox”; write the channel's name")


def test_the_export_holds_every_post_of_the_period(workspace, owner, channel, pillars):
    useful, fun = pillars[0], pillars[1]
    plan_slot_create(workspace=workspace, day=date(2030, 12, 2), rubric=useful, note="idea")
    out = scheduled(workspace, owner, channel, fun, kyiv(workspace, date(2030, 12, 5), 18))
    Post.objects.filter(pk=out.pk).update(title="Кава; дня")
    slot_post = scheduled(workspace, owner, channel, useful, kyiv(workspace, date(2030, 12, 9)))
    plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=date(2030, 12, 9),
                                         rubric=useful), post=slot_post)
    scheduled(workspace, owner, channel, fun, kyiv(workspace, JAN + timedelta(days=3)))
    text = plan_export(workspace=workspace, start=DEC, end=JAN, delimiter=";")
    assert text.splitlines() == [
        "day;time;channel;rubric;format;title;text;note;status",
        "2030-12-02;;;Useful;feed;;;idea;",
        '2030-12-05;18:00;Zerno · Kyiv;Fun;feed;"Кава; дня";Зимовий бленд;;scheduled',
        # A written slot without a time or channel: those of its post.
        "2030-12-09;10:00;Zerno · Kyiv;Useful;feed;;Зимовий бленд;;scheduled"]
    # Imported back, the posts already going out are left alone: no copies of them.
    done = plan_import(workspace=workspace, data=("\ufeff" + text).encode(), actor=owner)
    assert (done.imported, done.skipped) == (1, 2)
    assert Post.objects.count() == 3 and PlanSlot.objects.count() == 3

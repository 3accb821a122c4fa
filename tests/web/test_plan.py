"""The content plan page: shares, warnings, slots by day, changes, CSV."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.services import workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import PlanSlot, Post, Rubric
from smmdesk.content.plan import plan_slot_create, plan_slot_fill
from smmdesk.content.services import post_create, rubric_create
from smmdesk.publishing.services import publication_schedule
from smmdesk.web.views import plan as plan_views

pytestmark = pytest.mark.django_db

DEC = date(2030, 12, 1)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Zerno · Kyiv", "audience": "uk"})


@pytest.fixture
def useful(workspace):
    return rubric_create(workspace=workspace, name="Useful", color="#22c55e", target_share=40)


@pytest.fixture
def fun(workspace):
    return rubric_create(workspace=workspace, name="Fun", color="#f59e0b", target_share=25)


def url(workspace, rest: str = "") -> str:
    return f"/w/{workspace.slug}/plan/{rest}"


def test_it_shows_shares_warnings_and_slots_by_day(owner, workspace, channel, useful, fun):
    open_slot = plan_slot_create(workspace=workspace, day=date(2030, 12, 2), at=time(9, 30),
                                 channel=channel, rubric=useful, format="reel",
                                 note="Зимовий бленд")
    post = post_create(workspace=workspace, actor=owner, title="Кава дня", body="Лате")
    written = plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=date(2030, 12, 2),
                                                   rubric=fun), post=post)
    plan_slot_create(workspace=workspace, day=date(2030, 12, 19), rubric=useful)
    plan_slot_create(workspace=workspace, day=date(2031, 1, 5), note="наступного місяця")
    r = login(owner).get(url(workspace, "?month=2030-12"))
    assert r.status_code == 200
    page = r.content.decode()
    assert "December 2030" in page
    assert "?month=2030-11" in page and "?month=2031-01" in page
    # Shares: Useful has 2 of 3 (67%), Fun 1 (33%); the target marks sit at 40% and 25%.
    assert '<span data-width="67" data-color="#22c55e">' in page
    assert '<span data-width="33" data-color="#f59e0b">' in page
    assert '<i data-left="40">' in page and '<i data-left="25">' in page
    assert "target shares add up to 65%, not 100%" in page
    assert "“Useful” is 67% of the plan" not in page  # fewer than 5 items: no drift yet
    assert "Monday, 2 December" in page and "Thursday, 19 December" in page
    assert "09:30" in page and "Zerno · Kyiv" in page and "Зимовий бленд" in page
    assert "Reel / short" in page
    assert f'href="/w/{workspace.slug}/compose/?slot={open_slot.pk}"' in page
    assert f'href="/w/{workspace.slug}/posts/{post.pk}/">Кава дня</a>' in page
    assert url(workspace, f"slots/{open_slot.pk}/delete/") in page
    assert url(workspace, f"slots/{written.pk}/delete/") not in page
    assert "наступного місяця" not in page


def test_it_opens_on_this_month_in_the_workspace_time_zone(owner, workspace, monkeypatch):
    # 23:30 UTC on 30 November is already 1 December in Kyiv.
    instant = datetime(2030, 11, 30, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(plan_views, "timezone", SimpleNamespace(
        localdate=lambda: instant.astimezone(timezone.get_current_timezone()).date()))
    page = login(owner).get(url(workspace)).content.decode()
    assert "December 2030" in page and "?month=2030-11" in page
    assert login(owner).get(url(workspace, "?month=garbage")).status_code == 400


def test_an_editor_adds_and_deletes_slots(editor, workspace, channel, useful):
    client = login(editor)
    r = client.post(url(workspace, "slots/add/"), {
        "month": "2030-11", "day": "2030-12-03", "time": "18:15", "channel": channel.pk,
        "rubric": useful.pk, "format": "story", "note": "Дегустація"})
    assert r.status_code == 302 and r.url == url(workspace, "?month=2030-12")
    slot = PlanSlot.objects.get()
    assert (slot.day, slot.time, slot.channel, slot.rubric, slot.format, slot.note) == (
        date(2030, 12, 3), time(18, 15), channel, useful, "story", "Дегустація")
    r = client.post(url(workspace, f"slots/{slot.pk}/delete/"), {"month": "2030-12"},
                    follow=True)
    assert "Slot deleted." in r.content.decode()
    assert not PlanSlot.objects.exists()


def test_a_written_slot_is_not_deleted(editor, workspace):
    slot = plan_slot_fill(slot=plan_slot_create(workspace=workspace, day=DEC),
                          post=post_create(workspace=workspace, actor=editor, body="x"))
    r = login(editor).post(url(workspace, f"slots/{slot.pk}/delete/"), {"month": "2030-12"},
                           follow=True)
    assert "This slot already has a post" in r.content.decode()
    assert PlanSlot.objects.filter(pk=slot.pk).exists()


def test_a_slot_of_another_workspace_is_left_alone(editor, workspace, outsider):
    theirs = plan_slot_create(workspace=workspace_create(name="Other", owner=outsider), day=DEC)
    r = login(editor).post(url(workspace, f"slots/{theirs.pk}/delete/"), follow=True)
    assert "does not exist" in r.content.decode()
    assert PlanSlot.objects.filter(pk=theirs.pk).exists()


def test_a_bad_slot_form_is_explained(editor, workspace):
    r = login(editor).post(url(workspace, "slots/add/"), {"day": "someday", "format": "feed"},
                           follow=True)
    assert "Day: Enter a valid date." in r.content.decode()
    assert not PlanSlot.objects.exists()


def test_an_editor_generates_a_plan(editor, workspace, channel, useful, fun):
    r = login(editor).post(url(workspace, "generate/"), {
        "month": "2030-12", "start": "2031-01-06", "weeks": "2", "feed": "3", "story": "0",
        "reel": "1", "channels": [channel.pk]}, follow=True)
    assert r.redirect_chain[-1][0] == url(workspace, "?month=2031-01")
    assert "8 slots planned." in r.content.decode()
    slots = PlanSlot.objects.filter(workspace=workspace)
    assert slots.count() == 8 and set(slots.values_list("channel", flat=True)) == {channel.pk}
    assert sorted(slots.values_list("format", flat=True)) == ["feed"] * 6 + ["reel"] * 2


def test_generating_without_targets_says_why(editor, workspace):
    r = login(editor).post(url(workspace, "generate/"), {
        "month": "2030-12", "start": "2030-12-02", "weeks": "2", "feed": "3"}, follow=True)
    assert "Give the rubrics target shares first" in r.content.decode()
    assert not PlanSlot.objects.exists()


def test_an_editor_adds_and_edits_rubrics(editor, workspace, useful):
    client = login(editor)
    r = client.post(url(workspace, "rubrics/add/"), {
        "month": "2030-12", "name": "Корисне", "color": "#0ea5e9", "target_share": "35"})
    assert r.status_code == 302 and r.url == url(workspace, "?month=2030-12")
    added = Rubric.objects.get(name="Корисне")
    assert (added.color, added.target_share) == ("#0ea5e9", 35)
    client.post(url(workspace, f"rubrics/{useful.pk}/"), {
        "name": "Useful tips", "color": "#111111", "target_share": "65"})
    useful.refresh_from_db()
    assert (useful.name, useful.color, useful.target_share) == ("Useful tips", "#111111", 65)


def test_bad_rubric_input_is_explained(editor, workspace, useful, fun):
    client = login(editor)
    r = client.post(url(workspace, f"rubrics/{useful.pk}/"),
                    {"name": "Fun", "color": "#111111", "target_share": "10"}, follow=True)
    assert "There is already a rubric called Fun." in r.content.decode()
    r = client.post(url(workspace, "rubrics/add/"),
                    {"name": "Red", "color": "red;background:url(x)", "target_share": "10"},
                    follow=True)
    assert "Colour: Enter a valid value." in r.content.decode()
    r = client.post(url(workspace, "rubrics/add/"),
                    {"name": "Useful", "color": "#111111"}, follow=True)
    assert "There is already a rubric called Useful." in r.content.decode()
    assert sorted(Rubric.objects.values_list("name", "target_share")) == [
        ("Fun", 25), ("Useful", 40)]


@pytest.mark.parametrize("persona", ["analyst", "client_user"])
def test_analysts_and_clients_see_the_plan_but_cannot_change_it(persona, request, workspace,
                                                                  useful):
    user = request.getfixturevalue(persona)
    slot = plan_slot_create(workspace=workspace, day=DEC, rubric=useful)
    client = login(user)
    page = client.get(url(workspace, "?month=2030-12")).content.decode()
    assert "Useful" in page and "Monday, 2 December" not in page
    assert "Add slot" not in page and "Generate plan" not in page and "Write" not in page
    posts = {"slots/add/": {"day": "2030-12-03", "format": "feed"},
             f"slots/{slot.pk}/delete/": {},
             "generate/": {"start": "2030-12-02", "weeks": "1", "feed": "3"},
             "rubrics/add/": {"name": "Sneaky", "color": "#111111"},
             f"rubrics/{useful.pk}/": {"name": "Renamed", "color": "#111111"},
             "import/": {"file": SimpleUploadedFile("p.csv", b"day\n2030-12-05\n")}}
    for rest, data in posts.items():
        assert client.post(url(workspace, rest), data).status_code == 403, rest
    assert list(PlanSlot.objects.values_list("pk", flat=True)) == [slot.pk]
    assert list(Rubric.objects.values_list("name", flat=True)) == ["Useful"]


def test_it_exports_the_month_as_csv(analyst, workspace, channel, useful):
    plan_slot_create(workspace=workspace, day=date(2030, 12, 2), at=time(9, 30),
                     channel=channel, rubric=useful, note="Зимовий бленд")
    plan_slot_create(workspace=workspace, day=date(2031, 1, 2), note="not this month")
    r = login(analyst).get(url(workspace, "export/?month=2030-12"))
    assert r.status_code == 200
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="plan-zerno-coffee-2030-12.csv"'
    assert r.content.startswith("\ufeff".encode())  # so that Excel reads UTF-8
    assert r.content.decode("utf-8-sig").splitlines() == [
        "day,time,channel,rubric,format,title,text,note,status",
        "2030-12-02,09:30,Zerno · Kyiv,Useful,feed,,,Зимовий бленд,"]


def test_it_imports_a_csv(editor, workspace, useful):
    data = "day;rubric;format;title;text\n01.12.2030;Useful;reel;;\n02.12.2030;;feed;Hi;Привіт\n"
    r = login(editor).post(url(workspace, "import/"), {
        "month": "2030-12", "file": SimpleUploadedFile("plan.csv", data.encode())}, follow=True)
    assert "2 rows imported." in r.content.decode()
    assert PlanSlot.objects.count() == 2
    assert Post.objects.get().body == "Привіт"


def test_an_import_error_names_every_bad_line_and_imports_nothing(editor, workspace, useful):
    data = ("day,time,channel,rubric,format,title,text,note\n"
            "2030-12-01,09:00,,Useful,feed,Hi,Hello,\n"
            "2030-12-02,,,,reel,,,\n"
            "2030-13-45,,,,feed,,,\n"
            "2030-12-04,,,Nothing,feed,,,\n")
    r = login(editor).post(url(workspace, "import/"), {
        "month": "2030-12", "file": SimpleUploadedFile("plan.csv", data.encode())})
    assert r.status_code == 400
    page = r.content.decode()
    assert "The file has 2 errors; nothing was imported. Fix them and import again." in page
    assert ("<li>Row 4, column “day”: “2030-13-45” is not a date (use 2026-12-01 or "
            "01.12.2026)</li>") in page
    assert "<li>Row 5, column “rubric”: there is no rubric called “Nothing”</li>" in page
    assert page.count("is not a date") == 1
    assert "December 2030" in page  # still the plan page, on the same month
    assert f'href="/w/{workspace.slug}/plan/?month=2030-11"' in page
    assert not PlanSlot.objects.exists() and not Post.objects.exists()


def test_an_import_without_a_file_says_so(editor, workspace):
    r = login(editor).post(url(workspace, "import/"), {"month": "2030-12"})
    assert r.status_code == 400 and "Choose a CSV file to import." in r.content.decode()


def test_the_export_separator_is_chosen_and_follows_the_language(owner, workspace, channel,
                                                                 useful):
    plan_slot_create(workspace=workspace, day=date(2030, 12, 2), channel=channel, rubric=useful)
    client = login(owner)
    page = client.get(url(workspace, "?month=2030-12")).content.decode()
    assert '<option value="comma" selected>Comma (,)</option>' in page
    tab = client.get(url(workspace, "export/?month=2030-12&sep=tab")).content.decode("utf-8-sig")
    assert tab.splitlines()[1] == "2030-12-02\t\tZerno · Kyiv\tUseful\tfeed\t\t\t\t"
    owner.language = "ru"
    owner.save()
    page = client.get(url(workspace, "?month=2030-12")).content.decode()
    assert '<option value="semicolon" selected>' in page and 'name="sep"' in page
    r = client.get(url(workspace, "export/?month=2030-12"))
    assert r.content.startswith("\ufeff".encode())
    assert r.content.decode("utf-8-sig").splitlines()[1] == (
        "2030-12-02;;Zerno · Kyiv;Useful;feed;;;;")
    comma = client.get(url(workspace, "export/?month=2030-12&sep=comma"))
    assert comma.content.decode("utf-8-sig").splitlines()[1].startswith("2030-12-02,,Zerno")


def test_the_export_has_the_written_posts(owner, workspace, channel, useful):
    post = post_create(workspace=workspace, actor=owner, title="Кава дня", body="Лате",
                       rubric_id=useful.pk)
    at = datetime(2030, 12, 6, 9, 15, tzinfo=workspace.tz)
    publication_schedule(post=post, channel=channel, at=at, actor=owner)
    text = login(owner).get(url(workspace, "export/?month=2030-12&sep=comma")).content
    assert text.decode("utf-8-sig").splitlines()[1:] == [
        "2030-12-06,09:15,Zerno · Kyiv,Useful,feed,Кава дня,Лате,,scheduled"]


def test_it_imports_russian_labels_with_semicolons_and_a_bom(editor, workspace, channel,
                                                             useful):
    data = ("\ufeffДень;Время;Канал;Рубрика;Формат;Текст;Статус\r\n"
            "01.12.2030;09:30;Zerno · Kyiv;Useful;Рилс;Привет;Черновик\r\n"
            "02.12.2030;;;;Сторис;;\r\n").encode()
    r = login(editor).post(url(workspace, "import/"), {
        "month": "2030-12", "file": SimpleUploadedFile("plan.csv", data)}, follow=True)
    assert "2 rows imported." in r.content.decode()
    first, second = PlanSlot.objects.order_by("day")
    assert (first.format, first.channel, first.rubric, first.post.body) == (
        "reel", channel, useful, "Привет")
    assert second.format == "story"


def test_three_bad_rows_are_reported_at_once_each_error_once(editor, workspace, useful):
    data = (b"day,time,rubric,format\n"
            b"2030-12-01,10:00,Useful,feed\n"
            b"31.02.2030,,,feed\n"
            b"2030-12-03,7 pm,Nothing,\n"
            b"2030-12-04,,,square\n")
    r = login(editor).post(url(workspace, "import/"), {
        "month": "2030-12", "file": SimpleUploadedFile("plan.csv", data)})
    assert r.status_code == 400
    page = r.content.decode()
    errors = re.findall(r"<li>(Row \d+, column “\w+”): ", page)
    assert errors == ["Row 3, column “day”", "Row 4, column “time”", "Row 4, column “rubric”",
                      "Row 5, column “format”"]
    assert "The file has 4 errors" in page
    for problem in ("“31.02.2030” is not a date", "“7 pm” is not a time",
                    "there is no rubric called “Nothing”", "“square” is not a format"):
        assert page.count(problem) == 1, problem
    assert not PlanSlot.objects.exists()

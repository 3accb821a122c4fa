"""The composer and the post page, through the web client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.content.models import PlanSlot, Post
from smmdesk.publishing.models import Status
from smmdesk.publishing.queue import slot_add
from tests.dst import fall_back, spring_forward

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def chans(workspace, owner):
    return [channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": n}) for n in ("Kyiv", "Minsk")]


def form(chans, **extra):
    data = {"body": "Новий лот: Ефіопія", "channels": [c.pk for c in chans], "action": "draft",
            "utm_enabled": "on", "utm_medium": "social"}
    data.update(extra)
    return data


def test_it_saves_a_draft_for_two_channels(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/", form(chans))
    post = Post.objects.get()
    assert r.status_code == 302 and r.url == f"/w/{workspace.slug}/posts/{post.pk}/"
    assert {p.status for p in post.publications.all()} == {Status.DRAFT}
    assert post.variants.count() == 2


def test_it_schedules_in_the_workspace_time_zone(owner, workspace, chans):
    day = (timezone.now() + timedelta(days=3)).date()
    login(owner).post(f"/w/{workspace.slug}/compose/",
                      form(chans, action="schedule", date=day.isoformat(), time="09:15"))
    pub = Post.objects.get().publications.first()
    local = pub.scheduled_at.astimezone(workspace.tz)
    assert pub.status == Status.SCHEDULED and (local.date(), local.hour, local.minute) == (
        day, 9, 15)


def test_a_limit_error_blocks_the_save_and_names_the_channel(owner, workspace, chans):
    custom = {f"custom_{chans[1].pk}": "on", f"text_{chans[1].pk}": "x" * 5001}
    r = login(owner).post(f"/w/{workspace.slug}/compose/", form(chans, action="now", **custom))
    assert r.status_code == 400
    page = r.content.decode()
    assert "Sandbox allows at most 5000 characters; this text has 5001." in page
    assert f'data-check="{chans[1].pk}"' in page
    assert not Post.objects.exists()


def test_schedule_needs_a_day(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/", form(chans, action="schedule"))
    assert r.status_code == 400 and "Choose the day" in r.content.decode()


def test_add_to_queue_takes_the_next_free_slots(owner, workspace, chans):
    from datetime import time

    for c in chans:
        for wd in range(7):
            slot_add(channel=c, weekday=wd, at=time(23, 59))
    login(owner).post(f"/w/{workspace.slug}/compose/", form(chans, action="queue"))
    pubs = Post.objects.get().publications.all()
    assert {p.status for p in pubs} == {Status.SCHEDULED}
    assert {p.scheduled_at.astimezone(workspace.tz).strftime("%H:%M") for p in pubs} == {"23:59"}


def test_the_live_check_counts_and_previews(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/check/",
                          form(chans, body="Читайте: https://zerno.by"))
    page = r.content.decode()
    assert r.status_code == 200
    tagged = ("Читайте: https://zerno.by?utm_source=sandbox&utm_medium=social")
    assert f"{len(tagged)} / 5000" in page  # counted as published: with the UTM tags
    assert "utm_source=sandbox" in page and page.count('class="panel check') == 2


def test_editing_from_the_post_page_and_taking_a_channel_off(owner, workspace, chans):
    c = login(owner)
    c.post(f"/w/{workspace.slug}/compose/", form(chans))
    post = Post.objects.get()
    r = c.post(f"/w/{workspace.slug}/posts/{post.pk}/",
               form(chans[:1], body="Новий текст", title="Ефіопія"))
    assert r.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.title) == ("Новий текст", "Ефіопія")
    assert [v.channel_id for v in post.variants.all()] == [chans[0].pk]


def test_writing_a_planned_slot_fills_it(owner, workspace, chans):
    slot = PlanSlot.objects.create(workspace=workspace, day=timezone.now().date(),
                                   channel=chans[0], format="reel")
    c = login(owner)
    page = c.get(f"/w/{workspace.slug}/compose/?slot={slot.pk}").content.decode()
    assert 'name="slot"' in page and 'value="reel" selected' in page
    c.post(f"/w/{workspace.slug}/compose/", form(chans[:1], slot=slot.pk))
    slot.refresh_from_db()
    assert slot.post == Post.objects.get()


def test_an_analyst_cannot_compose(analyst, workspace, chans):
    assert login(analyst).get(f"/w/{workspace.slug}/compose/").status_code == 403
    r = login(analyst).post(f"/w/{workspace.slug}/compose/", form(chans))
    assert r.status_code == 403 and not Post.objects.exists()


def test_duplicate_and_repeat_from_the_post_page(owner, workspace, chans):
    c = login(owner)
    day = (timezone.now() + timedelta(days=2)).date()
    c.post(f"/w/{workspace.slug}/compose/", form(chans[:1], action="schedule",
                                                 date=day.isoformat(), time="10:00"))
    post = Post.objects.get()
    c.post(f"/w/{workspace.slug}/posts/{post.pk}/repeat/", {"every": "week", "count": "3"})
    assert Post.objects.filter(series=Post.objects.get(pk=post.pk).series).count() == 4
    r = c.post(f"/w/{workspace.slug}/posts/{post.pk}/copy/")
    assert r.status_code == 302 and Post.objects.count() == 5


def test_a_published_post_keeps_its_words_but_its_title_can_change(owner, workspace, chans):
    c = login(owner)
    c.post(f"/w/{workspace.slug}/compose/", form(chans[:1], action="now"))
    post = Post.objects.get()
    post.publications.update(status=Status.PUBLISHED)
    r = c.post(f"/w/{workspace.slug}/posts/{post.pk}/", form(chans[:1], title="Archive: lot 7"))
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.title == "Archive: lot 7"
    r = c.post(f"/w/{workspace.slug}/posts/{post.pk}/", form(chans[:1], body="Changed words"))
    assert r.status_code == 400 and "already published" in r.content.decode()
    post.refresh_from_db()
    assert post.body == "Новий лот: Ефіопія"


# ---------------------------------------------------------------- daylight saving (Kyiv)
# tests/dst.py finds the next days: spring 03:00 → 04:00, autumn 04:00 → 03:00.


def spring() -> str:
    return spring_forward().isoformat()


def autumn() -> str:
    return fall_back().isoformat()


def test_a_time_the_clocks_skip_is_refused_with_the_nearest_valid_times(owner, workspace,
                                                                        chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/",
                          form(chans, action="schedule", date=spring(), time="03:30"))
    page = r.content.decode()
    assert r.status_code == 400 and not Post.objects.exists()
    assert "03:30 does not exist on" in page and "Choose 02:59 or 04:00" in page
    assert 'name="dst_shift"' in page


def test_confirming_the_shift_schedules_it_an_hour_later(owner, workspace, chans):
    login(owner).post(f"/w/{workspace.slug}/compose/",
                      form(chans, action="schedule", date=spring(), time="03:30",
                           dst_shift="on"))
    pub = Post.objects.get().publications.first()
    assert pub.scheduled_at.astimezone(workspace.tz).strftime("%H:%M %z") == "04:30 +0300"


def test_a_repeated_time_asks_which_one_and_the_answer_is_kept(owner, workspace, chans):
    c = login(owner)
    r = c.post(f"/w/{workspace.slug}/compose/",
               form(chans, action="schedule", date=autumn(), time="03:30"))
    page = r.content.decode()
    assert r.status_code == 400 and not Post.objects.exists()
    assert "happens twice" in page and "UTC+03:00" in page and "UTC+02:00" in page
    assert page.count('name="fold"') == 2
    c.post(f"/w/{workspace.slug}/compose/",
           form(chans, action="schedule", date=autumn(), time="03:30", fold="1"))
    pub = Post.objects.get().publications.first()
    assert pub.scheduled_at.isoformat() == f"{fall_back()}T01:30:00+00:00"  # the second


def test_the_live_check_warns_about_a_clock_change(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/check/",
                          form(chans, date=autumn(), time="03:10"))
    page = r.content.decode()
    assert r.status_code == 200 and 'id="dst-slot" hx-swap-oob="true"' in page
    assert "happens twice" in page


def test_a_draft_keeps_no_time_so_a_clock_change_does_not_block_it(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/",
                          form(chans, date=spring(), time="03:30"))
    assert r.status_code == 302 and Post.objects.exists()


# ---------------------------------------------------------------- other workspaces' posts


def test_copying_or_repeating_another_workspaces_post_is_not_found(owner, outsider,
                                                                   workspace):
    from smmdesk.accounts.models import Workspace
    from smmdesk.content.services import post_create

    theirs = post_create(workspace=Workspace.objects.get(memberships__user=outsider),
                         actor=outsider, body="Their words")
    c = login(owner)
    assert c.post(f"/w/{workspace.slug}/posts/{theirs.pk}/copy/").status_code == 404
    r = c.post(f"/w/{workspace.slug}/posts/{theirs.pk}/repeat/", {"every": "week",
                                                                  "count": "2"})
    assert r.status_code == 404 and Post.objects.count() == 1


def test_repeating_onto_a_time_the_clocks_skip_is_refused(owner, workspace, chans):
    c = login(owner)
    c.post(f"/w/{workspace.slug}/compose/",
           form(chans[:1], action="schedule", time="03:30",
                date=(spring_forward() - timedelta(days=7)).isoformat()))
    post = Post.objects.get()
    r = c.post(f"/w/{workspace.slug}/posts/{post.pk}/repeat/", {"every": "week", "count": "2"},
               follow=True)
    assert "03:30 does not exist on" in r.content.decode()
    assert Post.objects.count() == 1  # no copy at all rather than one an hour off


def test_a_day_at_the_end_of_the_calendar_is_refused_not_crashed(owner, workspace, chans):
    c = login(owner)
    for day in ("0001-01-01", "9999-12-31"):
        r = c.post(f"/w/{workspace.slug}/compose/",
                   form(chans, action="schedule", date=day, time="23:59"))
        assert r.status_code == 400 and "out of range" in r.content.decode()
    assert not Post.objects.exists()


# ---------------------------------------------------------------- says what it did (issue 10)


@pytest.fixture
def approvals(workspace):
    from smmdesk.accounts.models import ApprovalMode
    from smmdesk.team.services import approval_mode_set, lead_days_set

    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=workspace, days={"approval": 2})
    return workspace


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_schedule_with_approval_sends_it_and_names_the_deadline(owner, approvals, chans,
                                                                lang):
    from django.utils import translation
    from django.utils.formats import date_format

    owner.language = lang
    owner.save(update_fields=["language"])
    day = (timezone.now() + timedelta(days=5)).date()
    r = login(owner).post(f"/w/{approvals.slug}/compose/",
                          form(chans[:1], action="schedule", date=day.isoformat(),
                               time="09:00"), follow=True)
    post = Post.objects.get()
    assert post.approval == "pending_team"
    assert post.publications.get().status == Status.PENDING_APPROVAL
    with translation.override(lang):
        due = post.publications.get().scheduled_at - timedelta(days=2)
        deadline = date_format(timezone.localtime(due, approvals.tz), "DATETIME_FORMAT")
        flash = r.content.decode().split('<li class="success">')[1].split("</li>")[0]
        # the deadline in the reader's language: «8 декабря 2026, 09:00»
        assert deadline in flash and str(day.year) in deadline
        if lang == "en":
            assert flash.startswith("Scheduled and sent for approval.")
        else:  # the month's name in Russian
            assert any("а" <= ch <= "я" for ch in deadline)


def test_queue_with_approval_says_it_was_sent(owner, approvals, chans):
    from datetime import time

    slot_add(channel=chans[0], weekday=(timezone.localdate() + timedelta(days=4)).weekday(),
             at=time(12, 0))
    r = login(owner).post(f"/w/{approvals.slug}/compose/", form(chans[:1], action="queue"),
                          follow=True)
    assert "Added to the queue and sent for approval" in r.content.decode()
    assert Post.objects.get().approval == "pending_team"


def test_publish_now_is_offered_only_without_approval(owner, workspace, chans):
    page = login(owner).get(f"/w/{workspace.slug}/compose/").content.decode()
    assert 'value="now"' in page
    from smmdesk.accounts.models import ApprovalMode
    from smmdesk.team.services import approval_mode_set

    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    page = login(owner).get(f"/w/{workspace.slug}/compose/").content.decode()
    assert 'value="now"' not in page
    assert "also sends the post for approval" in page


def test_publish_now_sent_anyway_says_why_it_cannot_go_out(owner, approvals, chans):
    r = login(owner).post(f"/w/{approvals.slug}/compose/", form(chans[:1], action="now"),
                          follow=True)
    assert "it cannot go out now" in r.content.decode()
    assert Post.objects.get().publications.get().status == Status.DRAFT


def test_publish_now_publishes_without_approval(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/", form(chans[:1], action="now"),
                          follow=True)
    assert "Publishing now." in r.content.decode()
    assert Post.objects.get().publications.get().status == Status.SCHEDULED


def test_every_missing_field_is_named_at_once(owner, workspace, chans):
    r = login(owner).post(f"/w/{workspace.slug}/compose/",
                          form([], action="schedule"))
    page = r.content.decode()
    assert r.status_code == 400
    assert "Choose at least one channel." in page and "Choose the day" in page
    assert not Post.objects.exists()


def test_the_counters_show_the_length_as_published(owner, workspace, chans):
    body = "Read more: https://zerno.by/winter"
    data = form(chans[:1], body=body)
    r = login(owner).post(f"/w/{workspace.slug}/compose/check/", data,
                          HTTP_HX_REQUEST="true")
    page = r.content.decode()
    import re

    tagged = re.search(r'<span class="counter[^"]*">(\d+) / 5000</span>', page)
    published = int(tagged.group(1))
    assert published > len(body)  # the link carries its UTM tags
    # the counters under the texts say the same number, and what is counted
    assert f'id="count-body" data-counter-for="body" hx-swap-oob="true"><span>Kyiv: ' \
           f'{published} / 5000</span>' in page
    assert f'id="count-{chans[0].pk}" data-counter-for="{chans[0].pk}" hx-swap-oob="true">' \
           f'{published} / 5000 · links counted with their UTM tags' in page
    page = login(owner).get(f"/w/{workspace.slug}/compose/?channel={chans[0].pk}")
    assert "0 characters" in page.content.decode()

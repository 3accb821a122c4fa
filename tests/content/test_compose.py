"""One write path: the web composer, the API and the CSV import store the same rows for
the same input, because all three call ``post_compose``."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.channels.services import channel_connect
from smmdesk.content.compose import ComposeInput, VariantInput, post_compose
from smmdesk.content.models import PlanSlot, Post
from smmdesk.content.plan_csv import plan_import
from smmdesk.content.services import campaign_create, rubric_create
from smmdesk.lib.errors import Forbidden, InvalidInput, NotFound
from smmdesk.publishing.models import Publication
from smmdesk.publishing.queue import slot_add
from smmdesk.team.services import approval_mode_set
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

DAY = (timezone.now() + timedelta(days=5)).date()


@pytest.fixture
def chans(workspace, owner):
    return [channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": n}) for n in ("Kyiv", "Minsk")]


@pytest.fixture
def extras(workspace):
    return {"rubric": rubric_create(workspace=workspace, name="Useful"),
            "campaign": campaign_create(workspace=workspace, name="Winter")}


def _clock(at):
    """"now" for a time set at the moment of the call (each path runs at its own now)."""
    if at is not None and abs((at - timezone.now()).total_seconds()) < 60:
        return "now"
    return at


def snapshot(post: Post) -> dict:
    """Every row the composer writes for a post, without ids and clocks."""
    return {
        "post": (post.title, post.body, post.rubric_id, post.campaign_id, post.utm_enabled,
                 post.utm_medium, post.utm_campaign, post.approval, post.author_id),
        "variants": sorted((v.channel.name, v.customized, v.effective_text(), v.format,
                            v.first_comment, v.options) for v in post.variants.all()),
        "publications": sorted((p.channel.name, p.status, _clock(p.scheduled_at),
                                _clock(p.due_at)) for p in post.publications.all()),
        "approval_events": [e.action for e in post.approval_events.order_by("pk")],
        "plan_slot": PlanSlot.objects.filter(post=post).values_list("note", flat=True).first(),
    }


def web_form(chans, extras, slot, action: str) -> dict:
    kyiv, minsk = chans
    return {"title": "Winter blend", "body": "Read more: https://zerno.by/winter",
            "rubric": extras["rubric"].pk, "campaign": extras["campaign"].pk,
            "utm_medium": "smm", "utm_campaign": "", "channels": [kyiv.pk, minsk.pk],
            f"custom_{minsk.pk}": "on", f"text_{minsk.pk}": "Зімовы бленд вярнуўся!",
            f"format_{minsk.pk}": "thread", f"first_comment_{kyiv.pk}": "#coffee",
            "date": DAY.isoformat(), "time": "09:15", "action": action, "slot": slot.pk}


def api_body(chans, extras, slot, action: str) -> dict:
    kyiv, minsk = chans
    return {"title": "Winter blend", "body": "Read more: https://zerno.by/winter",
            "rubric_id": extras["rubric"].pk, "campaign_id": extras["campaign"].pk,
            "utm_enabled": False, "utm_medium": "smm", "utm_campaign": "",
            "variants": [{"channel_id": kyiv.pk, "first_comment": "#coffee"},
                         {"channel_id": minsk.pk, "text": "Зімовы бленд вярнуўся!",
                          "format": "thread"}],
            "action": action, "publish_at": f"{DAY.isoformat()}T09:15:00",
            "slot_id": slot.pk}


def through_web(owner, workspace, form) -> Post:
    c = Client()
    c.force_login(owner)
    r = c.post(f"/w/{workspace.slug}/compose/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    return Post.objects.get()


def through_api(owner, workspace, body) -> Post:
    r = ApiClient(owner).post(f"/workspaces/{workspace.pk}/posts", body)
    assert r.status_code == 201, r.content
    return Post.objects.get()


@pytest.mark.parametrize("action", ["draft", "schedule", "queue", "now", "approval"])
def test_the_web_and_the_api_store_the_same_rows(owner, workspace, chans, extras, action):
    if action == "approval":
        approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    for c in chans:
        slot_add(channel=c, weekday=DAY.weekday(), at=time(18, 30))
    slot = PlanSlot.objects.create(workspace=workspace, day=DAY, note="winter")

    web = snapshot(through_web(owner, workspace, web_form(chans, extras, slot, action)))
    Post.objects.all().delete()  # frees the plan slot and the queue's posting times
    api = snapshot(through_api(owner, workspace, api_body(chans, extras, slot, action)))

    assert web == api
    assert web["plan_slot"] == "winter" and len(web["variants"]) == 2
    assert len(web["publications"]) == 2


def test_sending_for_approval_makes_one_approval_request(owner, workspace, chans, extras):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    slot = PlanSlot.objects.create(workspace=workspace, day=DAY)
    post = through_api(owner, workspace, api_body(chans, extras, slot, "approval"))
    assert snapshot(post)["approval_events"] == ["submitted"]
    assert {p.status for p in post.publications.all()} == {"pending_approval"}


def test_the_csv_import_writes_what_the_composer_opened_on_the_slot_writes(
        owner, workspace, chans):
    c = Client()
    c.force_login(owner)
    slot = PlanSlot.objects.create(workspace=workspace, day=date(2030, 12, 2),
                                   channel=chans[0], format="reel")
    c.post(f"/w/{workspace.slug}/compose/", {
        "title": "Кава дня", "body": "Лате з «медом»", "channels": [chans[0].pk],
        f"format_{chans[0].pk}": "reel", "utm_enabled": "on", "utm_medium": "social",
        "action": "draft", "slot": slot.pk})
    composed = snapshot(Post.objects.get())
    Post.objects.all().delete()
    PlanSlot.objects.all().delete()

    plan_import(workspace=workspace, actor=owner,
                data="day,channel,format,title,text\n2030-12-02,Kyiv,reel,Кава дня,"
                     "Лате з «медом»\n".encode())
    imported = snapshot(Post.objects.get())
    assert imported == composed
    # before, the import left the variant a feed post and gave it no draft publication
    assert imported["variants"][0][3] == "reel" and len(imported["publications"]) == 1


# ---------------------------------------------------------------- what used to disagree


def test_a_role_that_cannot_schedule_is_refused_on_both_paths(editor, workspace, chans,
                                                              extras, monkeypatch):
    from smmdesk.accounts.roles import PERMISSIONS, Perm, Role

    # today every role that writes may schedule; a role table without that must hold
    monkeypatch.setitem(PERMISSIONS, Perm.PUBLICATIONS_SCHEDULE,
                        frozenset({Role.OWNER, Role.MANAGER}))
    slot = PlanSlot.objects.create(workspace=workspace, day=DAY)
    c = Client()
    c.force_login(editor)
    r = c.post(f"/w/{workspace.slug}/compose/", web_form(chans, extras, slot, "schedule"))
    assert r.status_code == 400 and "Your role cannot schedule posts" in r.content.decode()
    r = ApiClient(editor).post(f"/workspaces/{workspace.pk}/posts",
                               api_body(chans, extras, slot, "queue"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbids"
    assert not Post.objects.exists() and not Publication.objects.exists()


def test_a_foreign_channel_is_refused_on_both_paths(owner, workspace, chans, extras,
                                                    outsider):
    from smmdesk.accounts.models import Workspace

    theirs = channel_connect(workspace=Workspace.objects.get(memberships__user=outsider),
                             kind="sandbox", actor=outsider, data={"name": "Theirs"})
    slot = PlanSlot.objects.create(workspace=workspace, day=DAY)
    form = web_form(chans, extras, slot, "draft") | {"channels": [chans[0].pk, theirs.pk]}
    c = Client()
    c.force_login(owner)
    r = c.post(f"/w/{workspace.slug}/compose/", form)
    # the composer used to drop the unknown channel silently and save the rest
    assert r.status_code == 400 and "Channel not found" in r.content.decode()
    body = api_body(chans, extras, slot, "draft")
    body["variants"][1]["channel_id"] = theirs.pk
    r = ApiClient(owner).post(f"/workspaces/{workspace.pk}/posts", body)
    assert r.status_code == 404 and r.json()["error"]["code"] == "channel_not_found"
    assert not Post.objects.exists()


def test_a_post_too_long_for_a_network_is_not_sent_for_approval(owner, workspace, chans):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    data = ComposeInput(body="x" * 5001, action="approval",
                        variants=[VariantInput(channel=chans[0])])
    with pytest.raises(InvalidInput) as exc:
        post_compose(workspace=workspace, actor=owner, data=data)
    assert exc.value.code == "text_too_long"
    assert not Post.objects.exists()


def test_a_filled_or_foreign_plan_slot_is_refused(owner, workspace, chans):
    taken = PlanSlot.objects.create(workspace=workspace, day=DAY)
    post_compose(workspace=workspace, actor=owner,
                 data=ComposeInput(body="first", slot_id=taken.pk))
    with pytest.raises(Exception) as exc:
        post_compose(workspace=workspace, actor=owner,
                     data=ComposeInput(body="second", slot_id=taken.pk))
    assert getattr(exc.value, "code", "") == "slot_written"
    with pytest.raises(NotFound):
        post_compose(workspace=workspace, actor=owner,
                     data=ComposeInput(body="third", slot_id=taken.pk + 1000))
    assert Post.objects.count() == 1


def test_schedule_needs_a_time_and_an_outsider_cannot_schedule(owner, outsider, workspace,
                                                               chans):
    with pytest.raises(InvalidInput):
        post_compose(workspace=workspace, actor=owner, data=ComposeInput(
            body="x", action="schedule", variants=[VariantInput(channel=chans[0])]))
    with pytest.raises(Forbidden):
        post_compose(workspace=workspace, actor=outsider, data=ComposeInput(
            body="x", action="now", variants=[VariantInput(channel=chans[0])]))
    assert not Post.objects.exists()


def test_nul_characters_are_refused_and_nothing_is_stored(owner, workspace, chans):
    for data in (ComposeInput(body="a\x00b"),
                 ComposeInput(body="ok", variants=[VariantInput(channel=chans[0],
                                                                text="a\x00b")])):
        with pytest.raises(InvalidInput) as exc:
            post_compose(workspace=workspace, actor=owner, data=data)
        assert exc.value.code == "nul_character"
    assert not Post.objects.exists()

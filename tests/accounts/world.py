"""One workspace with a row of every kind and a member of every role, for the permission
walks (tests/web/test_permissions.py, tests/api/test_permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import api_token_create, invitation_create
from smmdesk.analytics.costs import cost_create
from smmdesk.analytics.goals import goal_save
from smmdesk.analytics.links import link_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.plan import plan_slot_create
from smmdesk.content.services import (
    hashtag_group_save,
    media_upload,
    post_create,
    rubric_create,
    snippet_save,
)
from smmdesk.inbox.models import Lead, Message, RuleAction
from smmdesk.inbox.services import rule_save, saved_reply_save
from smmdesk.publishing.models import PostingSlot
from smmdesk.publishing.services import publication_schedule
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount
from smmdesk.team.services import approval_mode_set, client_link_token, task_create
from tests.files import png_bytes

ROLES = tuple(Role.values)
# Every member role, someone from another workspace, and nobody signed in.
PERSONAS = (*ROLES, "outsider", "anonymous")


@dataclass
class World:
    workspace: object
    users: dict = field(default_factory=dict)   # persona -> user (no "anonymous")
    ids: dict = field(default_factory=dict)     # URL parameter name -> a real row's id


def _inbox_rows(workspace, owner, channel, pub) -> dict:
    # A row as ingest stores it (ingest itself would run the language models each time).
    message = Message.objects.create(workspace=workspace, channel=channel, external_id="m1",
                                     text="Скільки коштує бленд?", intent="purchase",
                                     created_at=timezone.now() - timedelta(hours=1))
    lead = Lead.objects.create(workspace=workspace, message=message, channel=channel,
                               publication=pub)
    rule = rule_save(workspace=workspace, name="Spam away", user=owner,
                     conditions={"keywords": ["free followers"]},
                     actions=[{"do": "label", "label": "Spam"}])
    action = RuleAction.objects.create(workspace=workspace, rule=rule, message=message,
                                       action="label", detail={"label": "Spam"})
    reply = saved_reply_save(workspace=workspace, name="Price", text="From 250 UAH.")
    return {"message_id": message.pk, "lead_id": lead.pk, "rule_id": rule.pk,
            "action_id": action.pk, "reply_id": reply.pk}


def _content_rows(workspace, owner, channel) -> dict:
    post = post_create(workspace=workspace, actor=owner, body="Зимовий бленд повернувся!")
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    media = media_upload(workspace=workspace, actor=owner,
                         upload=SimpleUploadedFile("a.png", png_bytes()))
    rubric = rubric_create(workspace=workspace, name="Useful")
    slot = plan_slot_create(workspace=workspace, day=date(2030, 12, 2), rubric=rubric)
    group = hashtag_group_save(workspace=workspace, name="Coffee", tags="#coffee")
    snippet = snippet_save(workspace=workspace, name="Sign-off", text="Zerno team")
    task = task_create(workspace=workspace, actor=owner, kind="copy", post=post)
    posting = PostingSlot.objects.create(channel=channel, weekday=0, time=time(9, 30))
    return {"post_id": post.pk, "pub_id": pub.pk, "media_id": media.pk,
            "rubric_id": rubric.pk, "slot_id": slot.pk, "group_id": group.pk,
            "snippet_id": snippet.pk, "task_id": task.pk, "posting_slot_id": posting.pk,
            "pub": pub}


def build_world(*, workspace, owner, outsider, member_factory) -> World:
    world = World(workspace=workspace, users={Role.OWNER.value: owner, "outsider": outsider})
    for role in ROLES:
        if role != Role.OWNER:
            world.users[role] = member_factory(role)
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv", "audience": "uk"})
    rows = _content_rows(workspace, owner, channel)
    pub = rows.pop("pub")
    rows["sandbox_post_id"] = network.post_create(  # what the channel published
        account=SandboxAccount.objects.get(handle=channel.external_id), text="Бленд!").pk
    rows.update(_inbox_rows(workspace, owner, channel, pub))
    token, _plain = api_token_create(user=owner, name="walk")
    invitation, invitation_token = invitation_create(
        workspace=workspace, email="new.designer@example.com", role=Role.EDITOR,
        invited_by=owner)
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    rows["goal_id"] = goal_save(workspace=workspace, actor=owner, name="20 leads",
                                metric="leads", target=20, starts_on=date(2030, 12, 1),
                                ends_on=date(2030, 12, 31)).pk
    rows["link_id"] = link_create(workspace=workspace, target="https://zerno.example/",
                                  actor=owner).pk
    rows.update(report_rows(workspace, owner))
    rows.update(listening_rows(workspace, owner))
    rows["cost_id"] = cost_create(workspace=workspace, kind="ads", amount=100,
                                  spent_on=date(2030, 12, 1), actor=owner).pk
    world.ids = {"slug": workspace.slug, "ws": workspace.pk, "channel_id": channel.pk,
                 "user_id": world.users[Role.EDITOR].pk, "token_id": token.pk,
                 "invitation_id": invitation.pk, "invitation_token": invitation_token,
                 "client_token": client_link_token(workspace=workspace, month="2030-12"),
                 **rows}
    return world


def report_rows(workspace, owner) -> dict:
    """A made report (stored as is: building a PDF per test would be slow) and a template."""
    from smmdesk.analytics.models import Report, ReportTemplate

    report = Report.objects.create(workspace=workspace, title="November", language="en",
                                   period_start=date(2030, 11, 1), period_end=date(2030, 11, 30),
                                   pdf=b"%PDF-1.7\n%%EOF", csv="section,value\n",
                                   figures={"sections": []}, created_by=owner)
    template = ReportTemplate.objects.create(workspace=workspace, name="Monthly", created_by=owner)
    return {"report_id": report.pk, "template_id": template.pk}


def listening_rows(workspace, owner) -> dict:
    """A query, a source with one item that became a mention and a story, a competitor
    with a page (rows as the worker stores them: no fetch, no models)."""
    from smmdesk.competitors.models import Competitor, Page
    from smmdesk.listening.models import Item, Mention, Query, Source, Story

    query = Query.objects.create(workspace=workspace, name="Brand", text="Zerno",
                                 created_by=owner)
    source = Source.objects.create(workspace=workspace, kind="sandbox", name="Sandbox")
    now = timezone.now()
    story = Story.objects.create(workspace=workspace, key="s1", title="Frost in Brazil",
                                 first_seen=now, last_seen=now, items_count=1,
                                 sources_count=1)
    item = Item.objects.create(workspace=workspace, source=source, external_id="1",
                               text="Zerno is the best", published_at=now, story=story)
    mention = Mention.objects.create(workspace=workspace, item=item, published_at=now)
    mention.queries.add(query)
    competitor = Competitor.objects.create(workspace=workspace, name="Kava Lab")
    page = Page.objects.create(competitor=competitor, kind="sandbox",
                               config={"handle": "kava_lab"}, name="kava_lab")
    return {"query_id": query.pk, "source_id": source.pk, "mention_id": mention.pk,
            "story_id": story.pk, "competitor_id": competitor.pk, "page_id": page.pk}

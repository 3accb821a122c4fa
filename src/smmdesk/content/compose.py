"""Composing a post: the one write path behind the web composer, the API and the CSV import.

A composer, a JSON body or a CSV row only parse their input into a ``ComposeInput``;
``post_compose`` does the rest in one transaction: the post, one variant per chosen
channel, and the chosen action (keep as a draft, schedule, queue, publish now or send for
approval), then links the plan slot the post was written for. Nothing is stored when any
step is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, User, Workspace
from smmdesk.channels.models import Channel
from smmdesk.content.models import ApprovalState, PlanSlot, Post
from smmdesk.content.plan import plan_slot_fill
from smmdesk.content.selectors import variant_issues
from smmdesk.content.services import post_create, raise_issues
from smmdesk.lib.errors import Conflict, Forbidden, InvalidInput, NotFound
from smmdesk.publishing.queue import post_add_to_queue
from smmdesk.publishing.services import (
    publication_draft,
    publication_drop,
    publication_schedule,
)
from smmdesk.team.services import approval_submit, post_edit, variant_edit

ACTIONS = ("draft", "schedule", "queue", "now", "approval")
# Actions that put the post on its way to the network (the role must allow scheduling).
PUBLISHING = ("schedule", "queue", "now")


@dataclass
class VariantInput:
    """One chosen channel. ``text`` None: the variant follows the post's words;
    ``media_ids`` None: it follows the post's media."""

    channel: Channel
    text: str | None = None
    media_ids: list[int] | None = None
    format: str = "feed"
    first_comment: str = ""
    options: dict = field(default_factory=dict)


@dataclass
class ComposeInput:
    body: str = ""
    title: str = ""
    rubric_id: int | None = None
    campaign_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    utm_enabled: bool = True
    utm_medium: str = "social"
    utm_campaign: str = ""
    shorten_links: bool = False  # links become /l/<code> short links when published
    variants: list[VariantInput] = field(default_factory=list)
    action: str = "draft"
    at: datetime | None = None  # aware; the form and the API resolve wall-clock times
    slot_id: int | None = None


@transaction.atomic
def post_compose(*, workspace: Workspace, actor: User | None, data: ComposeInput,
                 post: Post | None = None) -> Post:
    """Create (or, given ``post``, change) a post from the composer's input and do its
    action. Raises InvalidInput, Forbidden, NotFound or Conflict and stores nothing."""
    _check(workspace, actor, data)
    if post is None:
        post = post_create(workspace=workspace, actor=actor)
    elif post.workspace_id != workspace.pk:
        raise NotFound(_("Post not found in this workspace."), code="post_not_found")
    post_edit(post=post, actor=actor, body=data.body, title=data.title,
              rubric_id=data.rubric_id, campaign_id=data.campaign_id, media_ids=data.media_ids,
              utm_enabled=data.utm_enabled, utm_medium=data.utm_medium,
              utm_campaign=data.utm_campaign, shorten_links=data.shorten_links)
    _store_variants(post, actor, data.variants)
    _act(post, actor, data)
    if data.slot_id is not None:
        _fill_slot(workspace, post, data.slot_id)
    return post


def _check(workspace: Workspace, actor: User | None, data: ComposeInput) -> None:
    if data.action not in ACTIONS:
        raise InvalidInput(_("Unknown action: %(action)s.") % {"action": data.action},
                           code="invalid_action")
    _check_missing(data)
    ids = [v.channel.pk for v in data.variants]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("Each channel can be chosen once."), code="duplicate_channel")
    for v in data.variants:
        if v.channel.workspace_id != workspace.pk:
            raise NotFound(_("Channel not found in this workspace."), code="channel_not_found")
    if data.action in PUBLISHING and not _may_schedule(workspace, actor):
        raise Forbidden(_("Your role cannot schedule posts; send the post for approval or "
                          "save it as a draft."), code="role_forbids")


def missing_fields(data: ComposeInput) -> list[dict]:
    """Every field the action needs and the input lacks, each with what to do:
    ``[{"field": "variants", "code": "no_channels", "problem": "..."}]`` (API names)."""
    missing = []
    if data.action != "draft" and not data.variants:
        missing.append({"field": "variants", "code": "no_channels",
                        "problem": _("Choose at least one channel.")})
    if data.action == "schedule" and data.at is None:
        missing.append({"field": "publish_at", "code": "time_required",
                        "problem": _("Choose the day (and time) to publish.")})
    return missing


def _check_missing(data: ComposeInput) -> None:
    """Name every missing field at once, not the first one only."""
    missing = missing_fields(data)
    if not missing:
        return
    code = missing[0]["code"] if len(missing) == 1 else "missing_fields"
    raise InvalidInput(" ".join(m["problem"] for m in missing), code=code,
                       details={"fields": [{"field": m["field"], "problem": m["problem"]}
                                           for m in missing]})


def _may_schedule(workspace: Workspace, actor: User | None) -> bool:
    if actor is None:  # the system itself (imports, commands)
        return True
    membership = Membership.objects.filter(workspace=workspace, user=actor).first()
    return membership is not None and membership.can("publications.schedule")


def _store_variants(post: Post, actor: User | None, variants: list[VariantInput]) -> None:
    chosen = {v.channel.pk for v in variants}
    for variant in post.variants.select_related("channel"):
        if variant.channel_id not in chosen:
            publication_drop(post=post, channel=variant.channel, actor=actor)
    for v in variants:
        variant_edit(post=post, channel=v.channel, actor=actor, format=v.format,
                     first_comment=v.first_comment, options=v.options, text=v.text,
                     media_ids=v.media_ids,
                     follow_post=v.text is None and v.media_ids is None)


def _act(post: Post, actor: User | None, data: ComposeInput) -> None:
    channels = [v.channel for v in data.variants]
    if data.action != "draft":
        # Every network must take the post before any of it is queued, also when it
        # only goes for approval: the approver should not approve what cannot go out.
        for variant in post.variants.select_related("channel", "post"):
            raise_issues(variant, variant_issues(variant))
    waits = data.action in PUBLISHING and needs_approval(post)
    if data.action == "queue":
        post_add_to_queue(post=post, channels=channels, actor=actor)
    elif data.action == "now" and waits:
        # It cannot go out now: it goes for approval, and is scheduled once approved.
        for channel in channels:
            publication_draft(post=post, channel=channel, actor=actor)
    elif data.action in ("schedule", "now") or (data.action == "approval" and data.at):
        at = None if data.action == "now" else data.at
        for channel in channels:
            publication_schedule(post=post, channel=channel, at=at, actor=actor)
    else:
        for channel in channels:
            publication_draft(post=post, channel=channel, actor=actor)
    # Scheduling a post that needs approval sends it for approval at the same time: a
    # publication that waits for an approval nobody was asked for never goes out.
    if (data.action == "approval" or waits) and post.approval in (ApprovalState.DRAFT,
                                                                   ApprovalState.RETURNED):
        approval_submit(post=post, actor=actor)


def needs_approval(post: Post) -> bool:
    """The post cannot be published until it is approved."""
    return post.workspace.needs_approval and post.approval != ApprovalState.APPROVED


def _fill_slot(workspace: Workspace, post: Post, slot_id: int) -> None:
    slot = PlanSlot.objects.filter(workspace=workspace, pk=slot_id).first()
    if slot is None:
        raise NotFound(_("That plan slot does not exist (any more)."), code="slot_not_found")
    if slot.post_id not in (None, post.pk):
        raise Conflict(_("That plan slot already has another post."), code="slot_written")
    if slot.post_id is None:
        plan_slot_fill(slot=slot, post=post)

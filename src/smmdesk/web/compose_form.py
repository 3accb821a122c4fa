"""The composer's form: read it, check it against every chosen network, save it.

The composer posts one form: the post's own fields, the chosen channels, and for each
channel ``custom_<id>``, ``text_<id>``, ``format_<id>`` and ``first_comment_<id>``. The same
parsing serves the live check (nothing saved) and the save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, Workspace
from smmdesk.channels.models import Channel
from smmdesk.connectors.base import Format, Issue, PublishRequest, text_length
from smmdesk.connectors.registry import connector_class
from smmdesk.content.models import ApprovalState, Campaign, MediaAsset, PlanSlot, Post
from smmdesk.content.plan import plan_slot_fill
from smmdesk.content.selectors import media_file
from smmdesk.content.services import post_create
from smmdesk.content.utm import tag_links
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.queue import post_add_to_queue
from smmdesk.publishing.services import (
    publication_draft,
    publication_drop,
    publication_schedule,
)
from smmdesk.team.services import approval_submit, post_edit, variant_edit

ACTIONS = ("draft", "schedule", "queue", "now", "approval")


@dataclass
class VariantData:
    channel: Channel
    custom: bool = False
    text: str = ""
    format: str = Format.FEED
    first_comment: str = ""
    options: dict = field(default_factory=dict)


@dataclass
class ComposeData:
    title: str = ""
    body: str = ""
    rubric_id: int | None = None
    campaign_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    utm_enabled: bool = True
    utm_medium: str = "social"
    utm_campaign: str = ""
    variants: list[VariantData] = field(default_factory=list)
    day: date | None = None
    at: time | None = None
    action: str = "draft"
    slot_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def when(self, workspace: Workspace) -> datetime | None:
        if self.day is None:
            return None
        return datetime.combine(self.day, self.at or time(10, 0), tzinfo=workspace.tz)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse(post_data, workspace: Workspace) -> ComposeData:
    d = ComposeData(title=post_data.get("title", "")[:200], body=post_data.get("body", ""),
                    rubric_id=_int(post_data.get("rubric")),
                    campaign_id=_int(post_data.get("campaign")),
                    media_ids=[i for i in (_int(x) for x in
                                           post_data.get("media", "").split(",")) if i],
                    utm_enabled=post_data.get("utm_enabled") == "on",
                    utm_medium=(post_data.get("utm_medium") or "social")[:60],
                    utm_campaign=post_data.get("utm_campaign", "")[:100],
                    action=post_data.get("action") if post_data.get("action") in ACTIONS
                    else "draft", slot_id=_int(post_data.get("slot")))
    ids = {i for i in (_int(x) for x in post_data.getlist("channels")) if i}
    for channel in Channel.objects.filter(workspace=workspace, pk__in=ids).order_by("name"):
        c = channel.pk
        fmt = post_data.get(f"format_{c}") or Format.FEED
        options = {name: post_data.get(f"opt_{c}_{name}", "").strip() for name, _l, _k in
                   connector_class(channel.kind).variant_options}
        d.variants.append(VariantData(
            channel=channel, custom=post_data.get(f"custom_{c}") == "on",
            text=post_data.get(f"text_{c}", ""),
            format=fmt if fmt in Format.__members__.values() else Format.FEED,
            first_comment=post_data.get(f"first_comment_{c}", ""),
            options={k: v for k, v in options.items() if v}))
    _parse_when(d, post_data)
    return d


def _parse_when(d: ComposeData, post_data) -> None:
    if post_data.get("date"):
        try:
            d.day = date.fromisoformat(post_data["date"])
        except ValueError:
            d.errors["date"] = _("That is not a date.")
    if post_data.get("time"):
        try:
            d.at = time.fromisoformat(post_data["time"])
        except ValueError:
            d.errors["time"] = _("That is not a time (use 09:30).")
    if d.action == "schedule" and d.day is None and "date" not in d.errors:
        d.errors["date"] = _("Choose the day (and time) to publish.")


@dataclass
class ChannelCheck:
    channel: Channel
    variant: VariantData
    text: str  # as it will be published (UTM-tagged)
    length: int
    limit: int
    issues: list[Issue]
    media: list[MediaAsset]
    label: str
    simulated: bool


def _campaign_value(d: ComposeData, workspace: Workspace) -> str:
    if d.utm_campaign:
        return d.utm_campaign
    campaign = Campaign.objects.filter(workspace=workspace, pk=d.campaign_id).first()
    if campaign is None:
        return ""
    from django.utils.text import slugify

    return campaign.utm_campaign or slugify(campaign.name)


def check(d: ComposeData, workspace: Workspace) -> list[ChannelCheck]:
    """What each chosen network would say about the post as it stands in the form."""
    assets = {a.pk: a for a in MediaAsset.objects.filter(workspace=workspace, pk__in=d.media_ids)}
    media = [assets[i] for i in d.media_ids if i in assets]
    campaign = _campaign_value(d, workspace)
    checks = []
    for v in d.variants:
        cls = connector_class(v.channel.kind)
        text = v.text if v.custom else d.body
        if d.utm_enabled:
            text = tag_links(text, source=v.channel.kind, medium=d.utm_medium,
                             campaign=campaign)
        req = PublishRequest(text=text, media=tuple(media_file(a) for a in media),
                             format=Format(v.format), first_comment=v.first_comment,
                             options=v.options)
        limit = cls.limits.caption_limit() if media else cls.limits.text_max
        checks.append(ChannelCheck(channel=v.channel, variant=v, text=text,
                                   length=text_length(text, cls.limits.counts), limit=limit,
                                   issues=cls.validate(req, settings=v.channel.settings),
                                   media=media, label=cls.label,
                                   simulated=cls.simulated))
    return checks


@transaction.atomic
def save(d: ComposeData, membership: Membership, post: Post | None = None) -> Post:
    """Store the form and do its action. Raises InvalidInput (and stores nothing) when a
    network would refuse the post or the time is not valid."""
    ws, user = membership.workspace, membership.user
    fields = dict(body=d.body, title=d.title, rubric_id=d.rubric_id, campaign_id=d.campaign_id,
                  media_ids=d.media_ids)
    utm = dict(utm_enabled=d.utm_enabled, utm_medium=d.utm_medium,
               utm_campaign=d.utm_campaign)
    if post is None:
        post = post_create(workspace=ws, actor=user, **fields)
    post_edit(post=post, actor=user, **fields, **utm)
    chosen = {v.channel.pk for v in d.variants}
    for variant in post.variants.select_related("channel"):
        if variant.channel_id not in chosen:
            publication_drop(post=post, channel=variant.channel, actor=user)
    for v in d.variants:
        variant_edit(post=post, channel=v.channel, actor=user, format=v.format,
                     first_comment=v.first_comment, text=v.text if v.custom else None,
                     options=v.options)
        if not v.custom:
            post.variants.filter(channel=v.channel).update(customized=False)
    _act(d, membership, post)
    if d.slot_id:
        slot = PlanSlot.objects.filter(workspace=ws, pk=d.slot_id, post__isnull=True).first()
        if slot is not None:
            plan_slot_fill(slot=slot, post=post)
    return post


def _act(d: ComposeData, membership: Membership, post: Post) -> None:
    ws, user = membership.workspace, membership.user
    channels = [v.channel for v in d.variants]
    if d.action in ("schedule", "queue", "now", "approval") and not channels:
        raise InvalidInput(_("Choose at least one channel."), code="no_channels")
    if d.action in ("schedule", "queue", "now") and not membership.can("publications.schedule"):
        raise InvalidInput(_("Your role cannot schedule posts; send the post for approval or "
                             "save it as a draft."), code="role_forbids")
    if d.action == "queue":
        post_add_to_queue(post=post, channels=channels, actor=user)
    elif d.action in ("schedule", "now") or (d.action == "approval" and d.day):
        at = None if d.action == "now" else d.when(ws)
        for channel in channels:
            publication_schedule(post=post, channel=channel, at=at, actor=user)
    else:
        for channel in channels:
            publication_draft(post=post, channel=channel, actor=user)
    if d.action == "approval" and post.approval in (ApprovalState.DRAFT,
                                                    ApprovalState.RETURNED):
        approval_submit(post=post, actor=user)


def initial(post: Post) -> ComposeData:
    """The form's values for an existing post."""
    d = ComposeData(title=post.title, body=post.body, rubric_id=post.rubric_id,
                    campaign_id=post.campaign_id, media_ids=[a.pk for a in post.ordered_media()],
                    utm_enabled=post.utm_enabled, utm_medium=post.utm_medium,
                    utm_campaign=post.utm_campaign)
    for v in post.variants.select_related("channel").order_by("channel__name"):
        d.variants.append(VariantData(channel=v.channel, custom=v.customized, text=v.text,
                                      format=v.format, first_comment=v.first_comment,
                                      options=dict(v.options)))
    first = post.publications.exclude(scheduled_at=None).order_by("scheduled_at").first()
    if first is not None:
        local = first.scheduled_at.astimezone(post.workspace.tz)
        d.day, d.at = local.date(), local.time().replace(second=0, microsecond=0)
    return d

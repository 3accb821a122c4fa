"""The composer's form: read it, check it against every chosen network, save it.

The composer posts one form: the post's own fields, the chosen channels, and for each
channel ``custom_<id>``, ``text_<id>``, ``format_<id>`` and ``first_comment_<id>``. The same
parsing serves the live check (nothing saved) and the save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, Workspace
from smmdesk.analytics.links import links_shorten_preview
from smmdesk.channels.models import Channel
from smmdesk.connectors.base import Format, Issue, PublishRequest, text_length
from smmdesk.connectors.registry import connector_class
from smmdesk.content.compose import ACTIONS, ComposeInput, VariantInput, post_compose
from smmdesk.content.models import Campaign, MediaAsset, Post
from smmdesk.content.selectors import media_file
from smmdesk.content.utm import tag_links
from smmdesk.lib.badinput import parse_id
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.walltime import (
    AmbiguousTime,
    NonexistentTime,
    fold_choices,
    gap_choices,
    local_resolve,
)

# Actions that publish at the chosen day and time.
TIMED = ("schedule", "approval")


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
    shorten_links: bool = False
    variants: list[VariantData] = field(default_factory=list)
    day: date | None = None
    at: time | None = None
    action: str = "draft"
    slot_id: int | None = None
    # Daylight saving: which of a repeated time (0 first, 1 second), or that a time the
    # clocks skip may move by the jump; ``dst`` describes the choice the page offers.
    fold: int | None = None
    shift: bool = False
    dst: dict | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def wall(self) -> datetime | None:
        if self.day is None:
            return None
        return datetime.combine(self.day, self.at or time(10, 0))

    def when(self, workspace: Workspace) -> datetime | None:
        wall = self.wall()
        if wall is None:
            return None
        return local_resolve(wall, workspace.tz, fold=self.fold, shift=self.shift)


def _int(value) -> int | None:
    return parse_id(value)  # None also for ids past a bigint (they overflow the driver)


def parse(post_data, workspace: Workspace) -> ComposeData:
    d = ComposeData(title=post_data.get("title", "")[:200], body=post_data.get("body", ""),
                    rubric_id=_int(post_data.get("rubric")),
                    campaign_id=_int(post_data.get("campaign")),
                    media_ids=[i for i in (_int(x) for x in
                                           post_data.get("media", "").split(",")) if i],
                    utm_enabled=post_data.get("utm_enabled") == "on",
                    utm_medium=(post_data.get("utm_medium") or "social")[:60],
                    utm_campaign=post_data.get("utm_campaign", "")[:100],
                    shorten_links=post_data.get("shorten_links") == "on",
                    action=post_data.get("action") if post_data.get("action") in ACTIONS
                    else "draft", slot_id=_int(post_data.get("slot")))
    ids = {i for i in (_int(x) for x in post_data.getlist("channels")) if i}
    channels = Channel.objects.filter(workspace=workspace, pk__in=ids).order_by("name")
    if len(channels) != len(ids):
        d.errors["channels"] = _("Channel not found in this workspace.")
    elif d.action != "draft" and not ids:  # named with every other missing field
        d.errors["channels"] = _("Choose at least one channel.")
    for channel in channels:
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
    _check_clock(d, workspace)
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
    d.fold = _int(post_data.get("fold")) if post_data.get("fold") in ("0", "1") else None
    d.shift = post_data.get("dst_shift") == "on"


def _check_clock(d: ComposeData, workspace: Workspace) -> None:
    """A day and time the clocks skip or repeat: describe the choice, and refuse it when
    the action publishes at that time and the person has not chosen yet."""
    wall = d.wall() if not {"date", "time"} & set(d.errors) else None
    if wall is None:
        return
    try:
        d.when(workspace)
    except NonexistentTime as exc:
        d.dst = {"kind": "gap", "message": exc.message,
                 "choices": gap_choices(wall, workspace.tz)}
    except AmbiguousTime as exc:
        d.dst = {"kind": "fold", "message": exc.message,
                 "choices": fold_choices(wall, workspace.tz)}
    except InvalidInput as exc:  # a day at the very start or end of the calendar
        d.errors["date"] = exc.message
        return
    else:
        return
    if d.action in TIMED:
        d.errors["time"] = d.dst["message"]


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
    tagged: bool = False  # the text as published is longer: its links carry UTM tags
    shortened: bool = False  # its links are counted as the short links they will become


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
        raw = text = v.text if v.custom else d.body
        shortened = False
        if d.utm_enabled:
            text = tag_links(text, source=v.channel.kind, medium=d.utm_medium,
                             campaign=campaign)
        if d.shorten_links:  # counted as published: a short link per link
            tagged, text = text, links_shorten_preview(text)
            shortened = text != tagged
        req = PublishRequest(text=text, media=tuple(media_file(a) for a in media),
                             format=Format(v.format), first_comment=v.first_comment,
                             options=v.options)
        limit = cls.limits.caption_limit() if media else cls.limits.text_max
        checks.append(ChannelCheck(channel=v.channel, variant=v, text=text,
                                   length=text_length(text, cls.limits.counts), limit=limit,
                                   issues=cls.validate(req, settings=v.channel.settings),
                                   media=media, label=cls.label,
                                   simulated=cls.simulated, tagged=text != raw,
                                   shortened=shortened))
    return checks


def body_count(d: ComposeData, checks: list[ChannelCheck]) -> dict:
    """The counter under the post's text: the length as published (UTM-tagged, by the
    network's counting rules) on each chosen channel that follows the post's text; the
    plain length before any channel is chosen."""
    follow = [c for c in checks if not c.variant.custom]
    return {"checks": follow, "tagged": any(c.tagged for c in follow),
            "shortened": any(c.shortened for c in follow),
            "length": text_length(d.body)}


def save(d: ComposeData, membership: Membership, post: Post | None = None) -> Post:
    """Store the form and do its action through the compose service. Raises a
    SmmdeskError (and stores nothing) when a network would refuse the post, the time is
    not valid or the role may not do the action."""
    ws = membership.workspace
    return post_compose(workspace=ws, actor=membership.user, data=compose_input(d, ws),
                        post=post)


def compose_input(d: ComposeData, workspace: Workspace) -> ComposeInput:
    """The form's values as the compose service takes them."""
    return ComposeInput(
        body=d.body, title=d.title, rubric_id=d.rubric_id, campaign_id=d.campaign_id,
        media_ids=list(d.media_ids), utm_enabled=d.utm_enabled, utm_medium=d.utm_medium,
        utm_campaign=d.utm_campaign, shorten_links=d.shorten_links, action=d.action,
        slot_id=d.slot_id,
        at=d.when(workspace) if d.action in TIMED else None,
        variants=[VariantInput(channel=v.channel, text=v.text if v.custom else None,
                               format=v.format, first_comment=v.first_comment,
                               options=v.options) for v in d.variants])


def initial(post: Post) -> ComposeData:
    """The form's values for an existing post."""
    d = ComposeData(title=post.title, body=post.body, rubric_id=post.rubric_id,
                    campaign_id=post.campaign_id, media_ids=[a.pk for a in post.ordered_media()],
                    utm_enabled=post.utm_enabled, utm_medium=post.utm_medium,
                    utm_campaign=post.utm_campaign, shorten_links=post.shorten_links)
    for v in post.variants.select_related("channel").order_by("channel__name"):
        d.variants.append(VariantData(channel=v.channel, custom=v.customized, text=v.text,
                                      format=v.format, first_comment=v.first_comment,
                                      options=dict(v.options)))
    first = post.publications.exclude(scheduled_at=None).order_by("scheduled_at").first()
    if first is not None:
        local = first.scheduled_at.astimezone(post.workspace.tz)
        d.day, d.at = local.date(), local.time().replace(second=0, microsecond=0)
    return d

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel
from smmdesk.connectors.base import FORMAT_LABELS, Format, MediaKind

FORMAT_CHOICES = [(f.value, FORMAT_LABELS[f]) for f in Format]
MEDIA_KIND_CHOICES = [(k.value, k.value) for k in MediaKind]


class Rubric(models.Model):
    """A content pillar: "useful", "entertaining", "selling", "about the team"..."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="rubrics")
    name = models.CharField(_("name"), max_length=100)
    color = models.CharField(_("colour"), max_length=7, default="#6366f1")
    target_share = models.PositiveSmallIntegerField(_("target share, %"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"],
                                               name="rubric_unique_name")]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=150)
    utm_campaign = models.SlugField(_("UTM campaign"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


def _media_path(instance: MediaAsset, filename: str) -> str:
    ext = PurePath(filename).suffix.lower()[:8]
    now = timezone.now()
    return f"ws{instance.workspace_id}/{now:%Y/%m}/{uuid.uuid4().hex}{ext}"


class MediaAsset(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=_media_path, max_length=300)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=8, choices=MEDIA_KIND_CHOICES)
    mime = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    alt_text = models.CharField(_("alt text"), max_length=1500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class ApprovalState(models.TextChoices):
    DRAFT = "draft", _("Not sent for approval")
    PENDING_TEAM = "pending_team", _("Waiting for the team")
    PENDING_CLIENT = "pending_client", _("Waiting for the client")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class Post(models.Model):
    """What to say. Its ``body`` and ``media`` are the defaults every channel variant uses
    until that variant is customised."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(_("internal title"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    media = models.ManyToManyField(MediaAsset, through="PostMedia", related_name="+", blank=True)
    rubric = models.ForeignKey(Rubric, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="posts")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    approval = models.CharField(_("approval"), max_length=16, choices=ApprovalState.choices,
                                default=ApprovalState.DRAFT)
    # Links in the text get utm_source=<network>, utm_medium, utm_campaign when published.
    utm_enabled = models.BooleanField(_("tag links with UTM"), default=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=60, default="social")
    utm_campaign = models.CharField(_("UTM campaign"), max_length=100, blank=True)
    # Links in the text become /l/<code> short links (per post and channel) when published.
    shorten_links = models.BooleanField(_("shorten links"), default=False)
    series = models.CharField(max_length=32, blank=True, db_index=True)  # recurring copies
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or (self.body[:60] + ("…" if len(self.body) > 60 else "")) or "—"

    def utm_campaign_value(self) -> str:
        if self.utm_campaign:
            return self.utm_campaign
        if self.campaign_id:
            return self.campaign.utm_campaign or slugify(self.campaign.name)
        return ""

    def ordered_media(self) -> list[MediaAsset]:
        # .all() so that prefetch_related("post_media__asset") is used when present.
        return [pm.asset for pm in sorted(self.post_media.all(), key=lambda pm: pm.position)]


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_media")
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class Variant(models.Model):
    """The post as one channel will show it: its own text, media and format."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="variants")
    customized = models.BooleanField(default=False)  # False: text and media follow the post
    text = models.TextField(blank=True)
    media = models.ManyToManyField(MediaAsset, through="VariantMedia", related_name="+",
                                   blank=True)
    format = models.CharField(max_length=10, choices=FORMAT_CHOICES, default=Format.FEED)
    first_comment = models.TextField(_("first comment"), blank=True)
    # The network's own settings for this post, named by the connector's variant_options
    # (e.g. a Mastodon content warning).
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "channel"],
                                               name="variant_unique_channel")]

    def effective_text(self) -> str:
        return self.text if self.customized else self.post.body

    def effective_media(self) -> list[MediaAsset]:
        if not self.customized:
            return self.post.ordered_media()
        return [vm.asset for vm in sorted(self.variant_media.all(), key=lambda vm: vm.position)]


class VariantMedia(models.Model):
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="variant_media")
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class PlanSlot(models.Model):
    """A planned place in the content plan: a day, a rubric and a format, waiting for a post."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="plan_slots")
    day = models.DateField(_("day"))
    time = models.TimeField(_("time"), null=True, blank=True)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    rubric = models.ForeignKey(Rubric, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="plan_slots")
    format = models.CharField(_("format"), max_length=10, choices=FORMAT_CHOICES,
                              default=Format.FEED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    post = models.OneToOneField(Post, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="plan_slot")

    class Meta:
        ordering = ["day", "time", "pk"]
        indexes = [models.Index(fields=["workspace", "day"], name="plan_ws_day")]


class HashtagGroup(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="hashtag_groups")
    name = models.CharField(_("name"), max_length=100)
    tags = models.TextField(_("hashtags"))

    class Meta:
        ordering = ["name"]


class Snippet(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="snippets")
    name = models.CharField(_("name"), max_length=100)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["name"]

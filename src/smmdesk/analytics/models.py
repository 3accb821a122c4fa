"""What smmdesk measures: snapshots of posts and channels (kept, never overwritten), the
collector's claimed plans, goals, and short links with their clicks.

A counter a network does not give is stored as NULL ("not available from <network>"),
never as 0. Derived metrics (ER, growth, CTR, ...) are never stored: analytics/metrics.py
computes each from these raw counters, with its formula documented once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel
from smmdesk.content.models import Campaign, Post
from smmdesk.publishing.models import Publication

# The raw counters every network is asked for, under one name each (connectors map the
# network's own names onto these: Instagram's 2025 "views" replaced "impressions").
POST_COUNTERS = ("views", "reach", "likes", "comments", "reposts", "saves", "clicks")
CHANNEL_COUNTERS = ("followers", "following", "posts", "views", "reach")


class PostSnapshot(models.Model):
    """One reading of a published post's counters, at ``taken_at``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE,
                                    related_name="snapshots")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now)
    age_hours = models.PositiveIntegerField(default=0)  # since publication, rounded down
    views = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    reposts = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)  # counters beyond POST_COUNTERS

    class Meta:
        indexes = [models.Index(fields=["publication", "taken_at"]),
                   models.Index(fields=["workspace", "taken_at"]),
                   models.Index(fields=["channel", "taken_at"])]


class ChannelSnapshot(models.Model):
    """One day's reading of a channel's counters (the last one of that day counts)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()  # in the workspace's time zone
    taken_at = models.DateTimeField(default=timezone.now)
    followers = models.BigIntegerField(null=True, blank=True)
    following = models.BigIntegerField(null=True, blank=True)
    posts = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)  # views that day, if given
    reach = models.BigIntegerField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "day"]),
                   models.Index(fields=["workspace", "day"])]


class CollectPlan(models.Model):
    """When the collector reads a publication (its ladder) or a channel (daily) next.

    One row per publication or per channel; a worker claims due rows
    (``claimed_by`` until ``claimed_until``) so however many workers run, each row is
    read by one of them at a time."""

    publication = models.OneToOneField(Publication, on_delete=models.CASCADE, null=True,
                                       blank=True, related_name="collect_plan")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField(default=0)  # index into the ladder
    next_at = models.DateTimeField(null=True, blank=True)  # None: done, never again
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    backfilled = models.BooleanField(default=False)  # channel rows: history read once

    class Meta:
        indexes = [models.Index(fields=["next_at"])]
        constraints = [models.UniqueConstraint(
            fields=["channel"], condition=models.Q(publication__isnull=True),
            name="analytics_one_channel_plan")]


class GoalMetric(models.TextChoices):
    FOLLOWERS = "followers", _("Followers")
    FOLLOWER_GROWTH = "follower_growth", _("New followers")
    LEADS = "leads", _("Leads")
    REACH = "reach", _("Reach")
    VIEWS = "views", _("Views")
    ER = "er", _("Engagement rate")
    CLICKS = "clicks", _("Link clicks")
    CONVERSIONS = "conversions", _("Conversions")
    REVENUE = "revenue", _("Revenue")
    NEGATIVE_SHARE = "negative_share", _("Share of negative messages")
    FIRST_REPLY = "first_reply", _("First reply time")


class Goal(models.Model):
    """A measurable target: "20 leads in December", "+1000 followers by March"."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(_("metric"), max_length=30, choices=GoalMetric.choices)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    channels = models.ManyToManyField(Channel, blank=True, related_name="+")  # none: all
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The last status the owner was told about (on_track / at_risk / off_track).
    notified_status = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["ends_on", "name"]

    def __str__(self) -> str:
        return self.name


class ShortLink(models.Model):
    """``/l/<code>`` on the deployment's own address, redirecting to ``target``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="links")
    code = models.CharField(max_length=16, unique=True)
    target = models.URLField(max_length=2000)
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="links")
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"/l/{self.code}"


class Click(models.Model):
    """One follow of a short link. ``visitor`` is a keyed hash (no address is stored);
    a known bot's click is kept but marked and left out of the counts."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="clicks")
    at = models.DateTimeField(default=timezone.now)
    visitor = models.CharField(max_length=64)
    bot = models.BooleanField(default=False)
    referrer = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["link", "at"])]

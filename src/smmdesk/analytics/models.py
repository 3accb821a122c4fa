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


class PostCounters(models.Model):
    """A post's raw counters (``POST_COUNTERS``); NULL: the network does not give it."""

    views = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    reposts = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class PostSnapshot(PostCounters):
    """One reading of a published post's counters, at ``taken_at``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE,
                                    related_name="snapshots")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now)
    age_hours = models.PositiveIntegerField(default=0)  # since publication, rounded down
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


class PostLatest(PostCounters):
    """Each published post's latest reading, kept beside the snapshots it copies so a
    dashboard reads one row per post instead of searching its ladder. Written with every
    PostSnapshot (analytics.services.snapshots_record); the snapshots stay the history."""

    publication = models.OneToOneField(Publication, on_delete=models.CASCADE,
                                       primary_key=True, related_name="latest")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()
    taken_at = models.DateTimeField()
    age_hours = models.PositiveIntegerField(default=0)
    # The reading the best-time heatmap compares posts by: the latest at or below 24 h
    # (greatest age, then latest taken), so the heatmap reads one row per post too.
    day_taken_at = models.DateTimeField(null=True, blank=True)
    day_age_hours = models.PositiveIntegerField(null=True, blank=True)
    day_views = models.BigIntegerField(null=True, blank=True)
    day_reach = models.BigIntegerField(null=True, blank=True)
    day_likes = models.BigIntegerField(null=True, blank=True)
    day_comments = models.BigIntegerField(null=True, blank=True)
    day_reposts = models.BigIntegerField(null=True, blank=True)
    day_saves = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "published_at"]),
                   models.Index(fields=["channel", "published_at"])]


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


# --- Conversions, costs and ROI -------------------------------------------------------

class AnalyticsSettings(models.Model):
    """A workspace's measuring settings: attribution, the conversion webhook's key,
    money, and the report's look (white label)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE,
                                     related_name="analytics_settings")
    # A conversion is credited to the last click on one of our links within this window.
    attribution_days = models.PositiveSmallIntegerField(_("attribution window, days"),
                                                        default=7)
    # The HMAC-SHA256 key that signs POSTs to the conversion webhook.
    webhook_secret = models.CharField(max_length=64, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    # Production cost of one hour of the team's work, for costs entered in hours.
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=12, decimal_places=2,
                                      null=True, blank=True)
    brand_name = models.CharField(_("brand name in reports"), max_length=200, blank=True)
    brand_color = models.CharField(_("brand colour"), max_length=7, default="#2563eb")
    brand_logo = models.ForeignKey("content.MediaAsset", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")


class PromoCode(models.Model):
    """A code printed in a post ("SMM10"): a conversion that names it is credited here."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="promo_codes")
    code = models.CharField(_("code"), max_length=40)
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "code"],
                                               name="analytics_promo_unique")]


class ConversionKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    ORDER = "order", _("Order")
    CALL = "call", _("Call")
    LEAD = "lead", _("Lead")
    OTHER = "other", _("Other")


class ConversionSource(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    API = "api", _("API")
    CSV = "csv", _("CSV import")
    INBOX = "inbox", _("Inbox lead")
    MANUAL = "manual", _("Entered by hand")


class Attribution(models.TextChoices):
    CLICK = "click", _("Click on our link")
    PROMO = "promo", _("Promo code")
    UTM = "utm", _("UTM tags")
    LEAD = "lead", _("Inbox lead")
    NONE = "none", _("Not attributed")


class Conversion(models.Model):
    """A registration, order or call, with what it is credited to (the last click on our
    link within the attribution window, a promo code, UTM tags or an inbox lead)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="conversions")
    kind = models.CharField(_("kind"), max_length=20, choices=ConversionKind.choices,
                            default=ConversionKind.ORDER)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True,
                                blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    # The sender's own id: the same conversion sent twice is stored once.
    external_id = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=ConversionSource.choices)
    click = models.ForeignKey(Click, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    link = models.ForeignKey(ShortLink, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="conversions")
    promo = models.ForeignKey(PromoCode, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="conversions")
    lead = models.OneToOneField("inbox.Lead", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="conversion")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    attribution = models.CharField(max_length=10, choices=Attribution.choices,
                                   default=Attribution.NONE)
    utm = models.JSONField(default=dict, blank=True)  # utm_source, utm_medium, ...
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["workspace", "occurred_at"])]
        constraints = [models.UniqueConstraint(
            fields=["workspace", "external_id"], condition=~models.Q(external_id=""),
            name="analytics_conversion_once")]


class CostKind(models.TextChoices):
    ADS = "ads", _("Ad spend")
    PRODUCTION = "production", _("Production")
    INFLUENCER = "influencer", _("Opinion leaders")
    OTHER = "other", _("Other")


class Cost(models.Model):
    """Money spent: ad spend on a day (imported by the ads work, or entered by hand), or
    a post's production cost (an amount, or hours at the workspace's hourly rate)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("kind"), max_length=20, choices=CostKind.choices,
                            default=CostKind.ADS)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2, null=True,
                                blank=True)
    spent_on = models.DateField(_("date"))
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(max_length=10, default="manual")  # manual / csv / ads
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-spent_on"]
        indexes = [models.Index(fields=["workspace", "spent_on"])]


# --- Reports --------------------------------------------------------------------------

class ReportSection(models.TextChoices):
    SUMMARY = "summary", _("Summary and goals")
    GROWTH = "growth", _("Growth")
    TOP_POSTS = "top_posts", _("Top posts")
    RUBRICS = "rubrics", _("Rubric performance")
    INBOX = "inbox", _("Inbox and response times")
    SENTIMENT = "sentiment", _("Sentiment")
    CONVERSIONS = "conversions", _("Leads and conversions")
    ROI = "roi", _("ROI")
    PLAN = "plan", _("Next month's plan")


class ReportSchedule(models.TextChoices):
    NONE = "", _("Not sent")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportTemplate(models.Model):
    """What a report holds (sections, channels, language) and when it goes to whom."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="report_templates")
    name = models.CharField(_("name"), max_length=200)
    sections = models.JSONField(default=list)  # ReportSection values, in order
    channels = models.ManyToManyField(Channel, blank=True, related_name="+")  # none: all
    language = models.CharField(_("language"), max_length=8, blank=True)  # "": workspace's
    schedule = models.CharField(_("send"), max_length=10, choices=ReportSchedule.choices,
                                blank=True, default="")
    recipients = models.TextField(_("recipients"), blank=True)  # e-mail addresses, one a line
    next_run_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["next_run_at"])]

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    """One made report, kept so the client can open past ones."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="reports")
    template = models.ForeignKey(ReportTemplate, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="reports")
    title = models.CharField(max_length=300)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    language = models.CharField(max_length=8)
    sections = models.JSONField(default=list)
    channel_ids = models.JSONField(default=list)  # empty: all
    pdf = models.BinaryField(null=True, blank=True)
    csv = models.TextField(blank=True)
    figures = models.JSONField(default=dict, blank=True)  # the numbers the PDF shows
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "-created_at"]

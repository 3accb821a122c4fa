"""Listening: what is said about the brand outside its own pages, and what is news.

A ``Source`` is a watched place (a feed, a web page, a Telegram channel, a network's
search); the worker claims due sources (compare-and-swap on ``claimed_until``, like
publishing) and stores what each fetch brings as ``Item`` rows, once each (unique per
source and the source's own id). Every new item is matched against the workspace's
``Query`` rows; a match makes a ``Mention`` (one per item, with every query it matched),
which is worked like an inbox message. Items of news sources are grouped into ``Story``
rows and counted into ``TermDay`` for trends; each query's hourly volume is kept in
``QueryHour`` so a spike against its own baseline can be found (``Spike``, once).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace
from smmdesk.inbox.models import Label, MessageStatus


class Source(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="listening_sources")
    kind = models.CharField(max_length=32)  # sources.registry kind; no choices: no migration
    name = models.CharField(_("name"), max_length=200)
    config = models.JSONField(default=dict, blank=True)
    secret_encrypted = models.TextField(blank=True, editable=False)  # lib/crypto, never shown
    news = models.BooleanField(default=True)  # feeds stories and trends, not only mentions
    enabled = models.BooleanField(default=True)
    cursor = models.TextField(blank=True)
    next_fetch_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    needs_attention = models.BooleanField(default=False)  # a key is wrong: a person must act
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    items_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="listening_items")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    author = models.CharField(max_length=200, blank=True)
    author_id = models.CharField(max_length=200, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    author_followers = models.PositiveBigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    kind = models.CharField(max_length=16, default="post")
    media = models.CharField(max_length=16, default="text")
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    shares = models.PositiveBigIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    network = models.CharField(max_length=32, blank=True)
    reply_ref = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(db_index=True)
    fetched_at = models.DateTimeField(default=timezone.now)
    story = models.ForeignKey("Story", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="items")

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"],
                                               name="listening_item_unique")]
        indexes = [models.Index(fields=["workspace", "published_at"], name="litem_ws_pub")]

    def __str__(self) -> str:
        return self.title or self.text[:60]


class Query(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="listening_queries")
    name = models.CharField(_("name"), max_length=120)
    text = models.TextField(_("query"))
    exclude_own = models.BooleanField(_("leave out our own channels"), default=True)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Mention(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="mentions")
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="mention")
    queries = models.ManyToManyField(Query, related_name="mentions")
    status = models.CharField(max_length=12, choices=MessageStatus.choices,
                              default=MessageStatus.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    labels = models.ManyToManyField(Label, blank=True, related_name="mentions")
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    intent = models.CharField(max_length=12, blank=True)
    confidence = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(db_index=True)  # the item's, for ordering
    created_at = models.DateTimeField(default=timezone.now)
    reply_text = models.TextField(blank=True)
    reply_channel_id = models.BigIntegerField(null=True, blank=True)
    reply_state = models.CharField(max_length=10, blank=True)  # "", sending, sent, failed
    reply_error = models.TextField(blank=True)
    reply_url = models.URLField(max_length=1000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status", "published_at"],
                                name="mention_ws_status")]


class Story(models.Model):
    """Items that tell one event: near-duplicates and other sources' versions."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="stories")
    key = models.CharField(max_length=64)  # listening.stories' own key
    title = models.CharField(max_length=500)
    language = models.CharField(max_length=8, blank=True)
    first_seen = models.DateTimeField(db_index=True)
    last_seen = models.DateTimeField()
    items_count = models.PositiveIntegerField(default=0)
    sources_count = models.PositiveIntegerField(default=0)
    signature = models.JSONField(default=dict, blank=True)  # listening.stories state
    draft_post_id = models.BigIntegerField(null=True, blank=True)  # "React to this"

    class Meta:
        ordering = ["-last_seen"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"],
                                               name="story_key_unique")]


class NewsIndex(models.Model):
    """The open stories' index of one workspace (``StoryIndex.state()``), kept between
    batches and restarts; written only by the holder of a source's lease, in the
    transaction that stores the items."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    state = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)


class TermDay(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    term = models.CharField(max_length=120)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "language", "term", "day"],
                                               name="termday_unique")]
        indexes = [models.Index(fields=["workspace", "day"], name="termday_ws_day")]


class QueryHour(models.Model):
    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="hours")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["query", "hour"],
                                               name="queryhour_unique")]


class Spike(models.Model):
    """A query's volume well above its own baseline; the owner was told once."""

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="spikes")
    hour = models.DateTimeField()  # the last hour of the window
    hours = models.PositiveSmallIntegerField(default=1)  # the window: 1 or 3 hours
    count = models.PositiveIntegerField()  # mentions in the window
    expected = models.FloatField()  # the usual count for a window that long
    items = models.JSONField(default=list)  # ids of the items that made it
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["query", "hour"], name="spike_unique")]

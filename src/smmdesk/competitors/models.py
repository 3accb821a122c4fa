"""Competitors: other brands' public pages, their posts and public counts over time.

A ``Page`` is read by a listening source in ``account`` mode (sources/), claimed by one
worker at a time like every background loop. Each fetch updates the posts it sees
(counts grow for days) and writes one ``PageDay`` per day (followers), never
overwriting an earlier day: the comparison reads growth from those rows.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace


class Competitor(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="competitors")
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"],
                                               name="competitor_unique")]

    def __str__(self) -> str:
        return self.name


class Page(models.Model):
    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="pages")
    kind = models.CharField(max_length=32)  # sources.registry kind, account mode
    config = models.JSONField(default=dict, blank=True)
    channel_id = models.BigIntegerField(null=True, blank=True)  # ours, for Instagram discovery
    name = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    cursor = models.TextField(blank=True)
    next_fetch_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name or self.kind


class Post(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="posts")
    external_id = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    media = models.CharField(max_length=16, default="text")
    published_at = models.DateTimeField(db_index=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    shares = models.PositiveBigIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    alerted_at = models.DateTimeField(null=True, blank=True)  # the 3x-median alert, once

    class Meta:
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["page", "external_id"],
                                               name="competitor_post_unique")]


class PageDay(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    posts = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["page", "day"], name="page_day_unique")]

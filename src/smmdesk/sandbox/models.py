"""The simulated network's own storage: its accounts, posts and audience comments.

These tables are the *server side* of the sandbox network. smmdesk talks to them only
through ``connectors/sandbox.py``, exactly as it talks to Telegram through the Bot API.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SandboxAccount(models.Model):
    handle = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    followers_base = models.PositiveIntegerField(default=1500)
    # Language mix of the simulated audience, e.g. {"ru": 0.5, "be": 0.3, "en": 0.2}.
    languages = models.JSONField(default=dict)
    seed = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)


class SandboxPost(models.Model):
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="posts")
    marker = models.CharField(max_length=64, db_index=True, blank=True)
    text = models.TextField(blank=True)
    media_count = models.PositiveSmallIntegerField(default=0)
    format = models.CharField(max_length=10, default="feed")
    # How much more the audience likes this post than its traits say (the demo's
    # competitor has a post that takes off, for the "three times their median" alert).
    appeal_boost = models.FloatField(default=1.0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class SandboxComment(models.Model):
    post = models.ForeignKey(SandboxPost, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    author_handle = models.CharField(max_length=100)
    author_name = models.CharField(max_length=200)
    language = models.CharField(max_length=4)
    # What the simulator meant it to be (praise, negative, question, spam, purchase_intent,
    # neutral). Kept for grading smmdesk's own text understanding; never shown as truth.
    category = models.CharField(max_length=20)
    text = models.TextField()
    # Comments are generated when the post is made; each becomes visible at its time.
    created_at = models.DateTimeField(db_index=True)
    hidden = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    by_owner = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Correction(models.Model):
    """A manager's fix of what smmdesk understood of a message. It applies at once to the
    same text in the same workspace, and that workspace's own model learns from it
    (nlp/service.py); other workspaces are not affected."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE,
                                  related_name="+")
    text = models.TextField()
    language = models.CharField(max_length=8)
    sentiment = models.CharField(max_length=10)
    intent = models.CharField(max_length=12)
    toxic = models.BooleanField(default=False)
    # The labels the person set (e.g. ["intent"] from one key in the inbox); the others
    # are what smmdesk understood then. Empty: all four (older rows, the full form).
    tasks = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

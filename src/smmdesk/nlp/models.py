from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Correction(models.Model):
    """A manager's fix of what smmdesk understood of a message; ``smmdesk nlp train``
    learns from these (and the models in use pick them up on their next rebuild)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE,
                                  related_name="+")
    text = models.TextField()
    language = models.CharField(max_length=8)
    sentiment = models.CharField(max_length=10)
    intent = models.CharField(max_length=12)
    toxic = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

"""The inbox: everything people write to a workspace's channels, and what is done about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel
from smmdesk.publishing.models import Publication


class Author(models.Model):
    """A person on a network, as this workspace knows them."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="authors")
    network = models.CharField(max_length=32)
    network_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    handle = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "network", "network_id"],
                                               name="author_unique")]

    def __str__(self) -> str:
        return self.name or self.handle or self.network_id


class Label(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"],
                                               name="label_unique")]

    def __str__(self) -> str:
        return self.name


class MessageKind(models.TextChoices):
    COMMENT = "comment", pgettext_lazy("message kind", "Comment")
    MESSAGE = "message", _("Direct message")
    MENTION = "mention", _("Mention")


class MessageStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    SPAM = "spam", _("Spam")


class Message(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="messages")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices,
                            default=MessageKind.COMMENT)
    external_id = models.CharField(max_length=200)
    post_external_id = models.CharField(max_length=200, blank=True)
    publication = models.ForeignKey(Publication, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="messages")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="replies")
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="messages")
    by_us = models.BooleanField(default=False)  # our own replies, shown in threads
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)  # on the network
    received_at = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    intent = models.CharField(max_length=12, blank=True)
    toxic = models.BooleanField(default=False)
    confidence = models.JSONField(default=dict, blank=True)
    priority = models.SmallIntegerField(default=0)  # higher goes first
    status = models.CharField(max_length=12, choices=MessageStatus.choices,
                              default=MessageStatus.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    labels = models.ManyToManyField(Label, blank=True, related_name="messages")
    hidden = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    first_reply_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"],
                                               name="message_unique")]
        indexes = [
            models.Index(fields=["workspace", "status", "created_at"], name="msg_ws_status"),
            models.Index(fields=["workspace", "created_at"], name="msg_ws_created"),
            models.Index(fields=["author", "created_at"], name="msg_author"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def answered(self) -> bool:
        return self.first_reply_at is not None


class SavedReply(models.Model):
    """A ready answer with variables: {name}, {product}, {link}."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE,
                                  related_name="saved_replies")
    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(_("language"), max_length=8, blank=True)  # "" = any
    text = models.TextField(_("text"))
    # Suggested for messages of this intent / sentiment ("" = any).
    for_intent = models.CharField(max_length=12, blank=True)
    for_sentiment = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    CONTACTED = "contacted", _("Contacted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Lead(models.Model):
    """Someone who wants to buy: a message with purchase intent, with where it came from."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="leads")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="lead")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    publication = models.ForeignKey(Publication, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="leads")
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="leads")
    status = models.CharField(max_length=10, choices=LeadStatus.choices,
                              default=LeadStatus.NEW)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class InboxSettings(models.Model):
    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE,
                                     related_name="inbox_settings")
    sla_minutes = models.PositiveIntegerField(_("answer within, minutes"), default=120)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # Alerts about negative messages to a Telegram chat: {"bot_token", "chat_id"}, encrypted.
    telegram_alerts_encrypted = models.TextField(blank=True)


class Rule(models.Model):
    """When a new message matches ``conditions``, do ``actions`` (see inbox/rules.py)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    conditions = models.JSONField(default=dict)
    actions = models.JSONField(default=list)
    # A rule that reads the model's labels (language, tone, intent, toxicity) acts only
    # when the model is sure of them (nlp/actions.py), unless told to act on any label.
    act_on_uncertain = models.BooleanField(_("also act on uncertain labels"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]


class RuleAction(models.Model):
    """The audit log: one action a rule took on one message (undone, where possible)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="log")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="rule_log")
    action = models.CharField(max_length=12)
    detail = models.JSONField(default=dict, blank=True)
    # pending, running (claimed by one worker), done, failed, undone
    state = models.CharField(max_length=10, default="done")
    error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The workers look for pending and stopped ones every few seconds.
        indexes = [models.Index(fields=["state"], name="ruleaction_state")]


class ChannelPoll(models.Model):
    """One channel's polling of one stream ("comments" under our posts, or "events": the
    network's feed since ``cursor``). Its own row per channel and stream: a worker claims
    it (``claimed_by`` until ``claimed_until``) so two never poll one channel at once,
    and the cursor moves only under that claim."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=10)
    cursor = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "stream"],
                                               name="channel_poll_unique")]


class InboxSort(models.TextChoices):
    PRIORITY = "priority", _("Most urgent first")
    NEWEST = "newest", _("Newest first")
    OLDEST = "oldest", _("Oldest first")


class InboxVisit(models.Model):
    """One member's use of one workspace's inbox: the order they chose for the stream, and
    their visits, so that what arrived since the last one is counted and marked."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    sort = models.CharField(max_length=10, choices=InboxSort.choices,
                            default=InboxSort.PRIORITY)
    seen_at = models.DateTimeField(null=True, blank=True)  # the latest look at the stream
    # Where this visit began: messages received after it are new to this person.
    since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"],
                                               name="inbox_visit_unique")]

"""Doing things to messages: on our side (status, label, assign, notify) at once, on the
network (hide, delete, reply) through the channel's connector. Rule actions are logged
and can be undone where the network allows."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.channels.services import channel_connector
from smmdesk.connectors.base import ConnectorError, RemoteComment
from smmdesk.inbox.models import Label, Message, MessageStatus, Rule, RuleAction, SavedReply
from smmdesk.lib.db import write_transaction
from smmdesk.lib.errors import Conflict, InvalidInput
from smmdesk.team.services import notify

log = logging.getLogger("smmdesk.inbox")


# ---------------------------------------------------------------- on our side


def apply_local(rule: Rule | None, m: Message, action: dict) -> RuleAction:
    """label / assign / status / notify, logged with what it replaced."""
    do = action["do"]
    detail = dict(action)
    if do == "label":
        label, _created = Label.objects.get_or_create(workspace=m.workspace,
                                                      name=str(action["label"])[:60])
        m.labels.add(label)
        detail["label_id"] = label.pk
    elif do == "assign":
        detail["previous"] = m.assignee_id
        Message.objects.filter(pk=m.pk).update(assignee_id=action.get("user"))
        m.assignee_id = action.get("user")
    elif do == "status":
        detail["previous"] = m.status
        Message.objects.filter(pk=m.pk).update(status=action["status"])
        m.status = action["status"]
    elif do == "notify":
        users = m.workspace.memberships.filter(user_id=action.get("user")).select_related("user")
        notify(users=[x.user for x in users], workspace=m.workspace,
               url=f"/w/{m.workspace.slug}/inbox/{m.pk}/",
               text=lambda: _("Rule “%(rule)s” matched: “%(text)s”")
               % {"rule": rule.name if rule else "—", "text": m.text[:200]})
    return RuleAction.objects.create(workspace=m.workspace, rule=rule, message=m, action=do,
                                     detail=detail, state="done")


def apply_local_bulk(workspace, planned: list[tuple]) -> None:
    """The same as apply_local for many (rule, message, action), a few queries in all."""
    logs = []
    labels = {}
    through = Message.labels.through
    links = []
    for rule, m, action in planned:
        do, detail = action["do"], dict(action)
        if do == "label":
            name = str(action["label"])[:60]
            if name not in labels:
                labels[name], _created = Label.objects.get_or_create(workspace=workspace,
                                                                     name=name)
            links.append(through(message_id=m.pk, label_id=labels[name].pk))
            detail["label_id"] = labels[name].pk
        elif do in ("status", "assign"):
            field = "status" if do == "status" else "assignee_id"
            detail["previous"] = getattr(m, field)
            setattr(m, field, action.get("status") if do == "status" else action.get("user"))
        elif do == "notify":
            apply_local(rule, m, action)
            continue
        logs.append(RuleAction(workspace=workspace, rule=rule, message=m, action=do,
                               detail=detail, state="done"))
    through.objects.bulk_create(links, ignore_conflicts=True)
    groups: dict[tuple, list[int]] = {}
    for m in {m.pk: m for _r, m, a in planned if a["do"] in ("status", "assign")}.values():
        groups.setdefault((m.status, m.assignee_id), []).append(m.pk)
    for (status, assignee_id), ids in groups.items():  # one UPDATE per outcome, not per row
        Message.objects.filter(pk__in=ids).update(status=status, assignee_id=assignee_id)
    RuleAction.objects.bulk_create(logs)


# ---------------------------------------------------------------- on the network


def remote(m: Message) -> RemoteComment:
    author = m.author
    return RemoteComment(external_id=m.external_id, post_external_id=m.post_external_id,
                         author_id=author.network_id if author else "",
                         author_name=str(author or ""), text=m.text, created_at=m.created_at,
                         parent_external_id=m.parent.external_id if m.parent_id else "")


def fill_variables(text: str, m: Message) -> str:
    """{name}: the author's first name; {product}: the post's title (or campaign); {link}:
    the first link of the post."""
    import re

    post = m.publication.post if m.publication_id else None
    name = (m.author.name or m.author.handle).split()[0] if m.author and (
        m.author.name or m.author.handle) else ""
    link = re.search(r"https?://\S+", post.body).group(0) if post and re.search(
        r"https?://\S+", post.body) else ""
    product = (post.title or (post.campaign.name if post.campaign_id else "")) if post else ""
    return text.replace("{name}", name).replace("{product}", product).replace("{link}", link)


def network_hide(m: Message, hidden: bool = True) -> None:
    connector = channel_connector(m.channel)
    try:
        if not connector.capabilities.hide_comment:
            raise InvalidInput(_("%(network)s does not let smmdesk hide comments.")
                               % {"network": connector.label}, code="cannot_hide")
        connector.hide_comment(m.external_id, hidden)
    finally:
        connector.http.close()
    Message.objects.filter(pk=m.pk).update(hidden=hidden)
    m.hidden = hidden


def network_delete(m: Message) -> None:
    connector = channel_connector(m.channel)
    try:
        if not connector.capabilities.delete_comment:
            raise InvalidInput(_("%(network)s does not let smmdesk delete comments.")
                               % {"network": connector.label}, code="cannot_delete")
        connector.delete_comment(m.external_id)
    finally:
        connector.http.close()
    Message.objects.filter(pk=m.pk).update(deleted=True)
    m.deleted = True


def network_reply(m: Message, text: str, *, user=None) -> Message:
    """Answer on the network; the answer joins the thread, and the message counts as
    answered (first reply time) and done."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the answer first."), code="empty_reply")
    connector = channel_connector(m.channel)
    try:
        if not connector.capabilities.reply:
            raise InvalidInput(_("%(network)s does not let smmdesk reply; answer in the "
                                 "network's own app.") % {"network": connector.label},
                               code="cannot_reply")
        sent = connector.reply(remote(m), text)
    finally:
        connector.http.close()
    now = timezone.now()
    ours = Message.objects.create(
        workspace=m.workspace, channel=m.channel, kind=m.kind, external_id=sent.external_id,
        post_external_id=m.post_external_id, publication=m.publication, parent=m,
        by_us=True, text=sent.text or text, created_at=sent.created_at or now,
        status=MessageStatus.DONE, received_at=now)
    fields = {"status": MessageStatus.DONE, "resolved_at": now}
    if m.first_reply_at is None:
        fields.update(first_reply_at=now, first_reply_by=user)
    Message.objects.filter(pk=m.pk).update(**fields)
    return ours


def run_pending(limit: int = 100, *, worker_id: str = "") -> int:
    """The worker does the queued network actions of rules. Each is claimed first (a
    compare-and-swap from "pending" to "running"), so with any number of workers an action,
    an automatic reply above all, is done at most once."""
    recover_stopped_actions()
    done = 0
    for action, token in _claim_actions(limit, worker_id):
        try:
            _network_action(action)
            action.state = "done"
        except (ConnectorError, InvalidInput, Conflict) as exc:
            action.state, action.error = "failed", getattr(exc, "message", str(exc))
        except Exception as exc:
            log.exception("rule action %s failed", action.pk)
            action.state, action.error = "failed", type(exc).__name__
        with write_transaction():  # detail: the reply sent
            RuleAction.objects.filter(pk=action.pk, claimed_by=token).update(
                state=action.state, error=action.error, detail=action.detail, claimed_by="",
                claimed_until=None)
        done += 1
    return done


def _claim_actions(limit: int, worker_id: str) -> list[tuple[RuleAction, str]]:
    now = timezone.now()
    token = f"{worker_id[:30]}:{uuid.uuid4().hex}"[-64:]
    pending = RuleAction.objects.filter(state="pending").order_by("pk")
    update = {"state": "running", "claimed_by": token,
              "claimed_until": now + timedelta(seconds=settings.SMMDESK_INBOX_LEASE_SECONDS)}
    with write_transaction():
        if connection.vendor == "postgresql":
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.values_list("pk", flat=True)[:limit])
        # The state is checked again in the UPDATE: a row another worker took since the
        # SELECT no longer matches, so it is not done twice.
        RuleAction.objects.filter(pk__in=ids, state="pending").update(**update)
    rows = (RuleAction.objects.filter(claimed_by=token, state="running")
            .select_related("message__channel", "message__author", "rule").order_by("pk"))
    return [(a, token) for a in rows]


def recover_stopped_actions(*, now=None) -> int:
    """Actions whose worker stopped mid-way (its claim ran out). Hiding and deleting can
    be done again; a reply cannot: if ours is not stored, it may still be on the network,
    so a person is asked rather than the audience answered twice."""
    now = now or timezone.now()
    stale = RuleAction.objects.filter(state="running", claimed_until__lt=now)
    count = 0
    for action in stale.select_related("message"):
        fields = {"state": "pending", "error": ""}
        if action.action == "reply":
            ours = action.message.replies.filter(by_us=True, received_at__gte=action.created_at)
            reply = ours.order_by("pk").first()
            fields = {"state": "done", "detail": {**action.detail, "reply_id": reply.pk}} \
                if reply else {"state": "failed", "error": _(
                    "The worker stopped while sending this reply, so it may or may not be "
                    "on the network. Look there before answering again.")}
        with write_transaction():
            count += RuleAction.objects.filter(pk=action.pk, state="running",
                                               claimed_by=action.claimed_by).update(
                claimed_by="", claimed_until=None, **fields)
    return count


def _network_action(action: RuleAction) -> None:
    m = action.message
    if action.action == "hide":
        network_hide(m)
    elif action.action == "delete":
        network_delete(m)
    elif action.action == "reply":
        saved = SavedReply.objects.filter(workspace=m.workspace,
                                          pk=action.detail.get("saved_reply")).first()
        if saved is None:
            raise InvalidInput(_("The saved reply of this rule no longer exists."),
                               code="no_saved_reply")
        ours = network_reply(m, fill_variables(saved.text, m))
        action.detail = {**action.detail, "reply_id": ours.pk}


def undo(action: RuleAction, *, user) -> RuleAction:
    """Take a rule's action back, where that is possible."""
    if action.state != "done":
        raise Conflict(_("Only a done action can be undone."), code="not_done")
    m, d = action.message, action.detail
    if action.action == "label":
        m.labels.remove(d.get("label_id"))
    elif action.action == "assign":
        Message.objects.filter(pk=m.pk).update(assignee_id=d.get("previous"))
    elif action.action == "status":
        Message.objects.filter(pk=m.pk).update(status=d.get("previous") or MessageStatus.NEW)
    elif action.action == "hide":
        network_hide(m, hidden=False)
    else:
        raise Conflict(_("This action cannot be undone (%(action)s).")
                       % {"action": action.action}, code="not_undoable")
    action.state, action.undone_at, action.undone_by = "undone", timezone.now(), user
    action.save(update_fields=["state", "undone_at", "undone_by"])
    return action

"""A mention's answer, sent by the outbox after the person's request has committed.

``services.mention_reply`` marks the mention "sending" and queues this; the handler
calls our connector's ``reply_to_post`` outside any transaction. A temporary failure
is retried by the outbox with backoff; a permanent one (the post is gone, the channel
needs reconnecting) marks the mention "failed" with the network's words, so the person
can answer on the network instead. Nothing is lost: the text stays on the mention.
"""

from __future__ import annotations

from django.utils import timezone

from smmdesk.channels.models import Channel
from smmdesk.channels.services import channel_connector
from smmdesk.connectors.base import AmbiguousError, PermanentError, TransientError
from smmdesk.core.outbox import MAX_ATTEMPTS, OutboxPermanentError, outbox_handler
from smmdesk.listening.models import Mention


@outbox_handler("listening_reply")
def reply_handler(message) -> None:
    mention = Mention.objects.select_related("item").filter(
        pk=message.payload.get("mention"), reply_state="sending").first()
    if mention is None:
        return  # answered meanwhile, or deleted: nothing to send
    channel = Channel.objects.filter(pk=mention.reply_channel_id,
                                     workspace_id=mention.workspace_id).first()
    if channel is None:
        _failed(mention, "The channel chosen for the answer was removed.")
        raise OutboxPermanentError("channel removed")
    connector = channel_connector(channel)
    try:
        sent = connector.reply_to_post(mention.item.reply_ref, mention.reply_text)
    except TransientError as exc:
        if message.attempts >= MAX_ATTEMPTS:  # the outbox gives up now: say so
            _failed(mention, exc.message)
        raise
    except (PermanentError, AmbiguousError) as exc:
        # Ambiguous: the network may have posted it; sending again could answer twice,
        # so a person looks (the text stays on the mention).
        _failed(mention, exc.message)
        raise OutboxPermanentError(exc.message) from exc
    finally:
        connector.http.close()
    Mention.objects.filter(pk=mention.pk).update(
        reply_state="sent", replied_at=timezone.now(), status="done",
        reply_url=getattr(sent, "url", "") or "", reply_error="")


def _failed(mention: Mention, error: str) -> None:
    Mention.objects.filter(pk=mention.pk).update(reply_state="failed", reply_error=error[:2000])

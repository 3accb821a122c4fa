from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from smmdesk import __version__
from smmdesk.channels.connecting import webhook_deliver
from smmdesk.channels.models import Channel
from smmdesk.channels.services import channel_context
from smmdesk.connectors.base import PermanentError
from smmdesk.connectors.webhooks import WebhookRequest
from smmdesk.content.selectors import media_from_public_token
from smmdesk.core.outbox import outbox_counts
from smmdesk.publishing.selectors import overdue_count, worker_status


@never_cache
def healthz(request):
    """Liveness for people and load balancers: 200 when the database answers and a
    worker is alive, 503 otherwise, with the reason in the JSON."""
    try:
        worker = worker_status()
        overdue = overdue_count()
        outbox = outbox_counts()
        db_ok = True
    except DatabaseError:
        worker, overdue, outbox, db_ok = {"alive": False}, None, None, False
    ok = db_ok and worker["alive"]
    body = {"status": "ok" if ok else "degraded", "version": __version__,
            "database": {"ok": db_ok, "vendor": connection.vendor},
            "worker": worker, "overdue_publications": overdue, "outbox": outbox}
    return JsonResponse(body, status=200 if ok else 503)


@csrf_exempt
def webhook(request, kind: str, channel_id: int | None = None):
    """Where networks push events: network-wide (/hooks/<kind>/) or per channel
    (/hooks/<kind>/<channel id>/). The connector checks the signature; refusals are logged."""
    channel = context = None
    if channel_id is not None:
        channel = Channel.objects.filter(pk=channel_id, kind=kind).first()
        if channel is None:
            return HttpResponse("unknown channel", status=404, content_type="text/plain")
        try:
            context = channel_context(channel)
        except PermanentError:
            return HttpResponse("channel unavailable", status=410, content_type="text/plain")
    req = WebhookRequest(method=request.method,
                         headers={k.lower(): v for k, v in request.headers.items()},
                         query={k: v for k, v in request.GET.items()}, body=request.body,
                         channel=context)
    answer = webhook_deliver(kind=kind, request=req, channel=channel,
                             remote_addr=request.META.get("REMOTE_ADDR", ""))
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


def public_media(request, token: str):
    """A media file for a network that downloads it itself (Instagram), by signed link."""
    try:
        asset = media_from_public_token(token)
    except LookupError:
        raise Http404 from None
    return FileResponse(asset.file.open("rb"), content_type=asset.mime)

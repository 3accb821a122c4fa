"""Publishing on Threads: media containers, waiting for them, threads_publish, the
daily quota, and finding the parts of a thread that are already out.

Every post is two steps (https://developers.facebook.com/docs/threads/posts): create a
container (POST /{user}/threads) and publish it (POST /{user}/threads_publish). A
carousel's items are containers of their own (``is_carousel_item=true``) listed as
``children`` of a CAROUSEL container; a reply is a post with ``reply_to_id``.
Containers are invisible until published, so a failure before threads_publish is
simply tried again; only threads_publish is "maybe sent" when its answer is lost.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.connectors.base import (
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    TransientError,
    content_hash,
)
from smmdesk.connectors.meta import best_effort, graph_time
from smmdesk.connectors.threads import common
from smmdesk.connectors.threads.errors import container_failed
from smmdesk.lib import netguard

if TYPE_CHECKING:
    from smmdesk.connectors.threads import ThreadsConnector

RESUME_WINDOW = timedelta(hours=24)  # containers expire after 24 hours, so do retries


def publish_container(api: ThreadsConnector, fields: dict) -> str:
    """POST /{user}/threads_publish: the one step that makes something people see."""
    body = api._call("POST", f"{api._user()}/threads_publish",
                     data={"creation_id": fields["id"]}, create=True)
    return str(body["id"])


def post_container(api: ThreadsConnector, req: PublishRequest, text: str) -> dict:
    """The container of a thread's first post (or the only one) with its media and the
    per-post options, waited for until Threads has fetched and processed the media."""
    fields = {**({"text": text} if text.strip() else {}), **_options(req)}
    if not req.media:
        link = str(req.options.get("link_attachment") or "").strip()
        return create(api, {"media_type": "TEXT", **fields,
                            **({"link_attachment": link} if link else {})})
    if len(req.media) == 1:
        media = req.media[0]
        return ready(api, create(api, {**_source(media), **fields}), media)
    children = [_carousel_item(api, m, n, len(req.media)) for n, m in enumerate(req.media, 1)]
    container = create(api, {"media_type": "CAROUSEL", "children": ",".join(children),
                             **fields})
    slowest = next((m for m in req.media if m.kind == MediaKind.VIDEO), req.media[0])
    return ready(api, container, slowest)


def reply_container(api: ThreadsConnector, text: str, reply_to: str) -> dict:
    return create(api, {"media_type": "TEXT", "text": text, "reply_to_id": reply_to})


def create(api: ThreadsConnector, fields: dict) -> dict:
    """POST /{user}/threads: a container nobody sees (a failure is only transient)."""
    body = api._call("POST", f"{api._user()}/threads", data=fields)
    return {"id": str(body["id"])}


def ready(api: ThreadsConnector, container: dict, media: MediaFile, name: str = "") -> dict:
    """Look at GET /{container}?fields=status,error_message until FINISHED, on a bounded
    schedule (Meta: "once per minute, for no more than 5 minutes"; photos are ready
    at once). ERROR and EXPIRED end the wait with the reason in words."""
    waits = api.video_waits if media.kind == MediaKind.VIDEO else api.image_waits
    name = name or media.name or media.path.name
    for wait in (0, *waits):
        if wait:
            common.pause(wait)
        body = api._call("GET", container["id"], params={"fields": "status,error_message"})
        status = body.get("status")
        if status in ("FINISHED", "PUBLISHED"):
            return container
        if status in ("ERROR", "EXPIRED"):
            raise container_failed(body, name)
    raise TransientError(_(
        "Threads is still processing %(name)s after %(seconds)d seconds; smmdesk will try "
        "again later.") % {"name": name, "seconds": sum(waits)},
        code="still_processing", raw=container)


def _carousel_item(api: ThreadsConnector, media: MediaFile, n: int, total: int) -> str:
    """One carousel item, ready. One that fails stops the carousel before anything is
    published: half a carousel never goes out."""
    name = _("%(name)s (item %(n)d of %(total)d of the carousel)") % {
        "name": media.name or media.path.name, "n": n, "total": total}
    container = create(api, {**_source(media), "is_carousel_item": "true"})
    return ready(api, container, media, name)["id"]


def _source(media: MediaFile) -> dict:
    fields = ({"media_type": "VIDEO", "video_url": media.url} if media.kind == MediaKind.VIDEO
              else {"media_type": "IMAGE", "image_url": media.url})
    if media.alt_text:
        fields["alt_text"] = media.alt_text
    return fields


def _options(req: PublishRequest) -> dict:
    """reply_control and quote_post_id from the composer's per-post settings."""
    opts = {}
    control = str(req.options.get("reply_control") or "").strip()
    if control and control != "everyone":
        opts["reply_control"] = control
    quote = str(req.options.get("quote_post_id") or "").strip()
    if quote:
        opts["quote_post_id"] = quote
    return opts


# ---------------------------------------------------------------- before sending


def require_public(media: tuple[MediaFile, ...]) -> None:
    for item in media:
        if not netguard.public_url(item.url):
            raise PermanentError(_(
                "Threads downloads photos and videos from this smmdesk server, but “%(url)s” "
                "cannot be reached from the internet. Set SMMDESK_SITE_URL to the server's "
                "public https address (see the README), then publish again.")
                % {"url": item.url or _("(no address)")}, code="media_not_public")



def check_quota(api: ThreadsConnector, *, posts: int, replies: int) -> None:
    """GET /{user}/threads_publishing_limit: 250 posts and 1000 replies per moving 24
    hours. Not enough left for this post (and its thread's replies) is "try later"
    before anything is sent; an unreadable quota is no reason not to try."""
    body = best_effort(lambda: api._call(
        "GET", f"{api._user()}/threads_publishing_limit",
        params={"fields": "quota_usage,config,reply_quota_usage,reply_config"}), {})
    usage = (body.get("data") or [{}])[0]
    for needed, used, config, total_default in (
            (posts, "quota_usage", "config", common.POSTS_PER_DAY),
            (replies, "reply_quota_usage", "reply_config", common.REPLIES_PER_DAY)):
        if not needed or used not in usage:
            continue
        total = common.as_int((usage.get(config) or {}).get("quota_total")) or total_default
        if common.as_int(usage.get(used)) + needed > total:
            raise _quota_spent(api, used == "quota_usage", total, usage)


def _quota_spent(api: ThreadsConnector, posts: bool, total: int, usage: dict) -> TransientError:
    who = {"account": api.channel.name, "total": total}
    message = (_("Threads: %(account)s already published %(total)d posts through apps in the "
                 "last 24 hours, the most Threads allows; smmdesk will try again in an hour.")
               if posts else
               _("Threads: %(account)s already posted %(total)d replies through apps in the "
                 "last 24 hours, the most Threads allows; smmdesk will try again in an hour."))
    return TransientError(message % who, code="publishing_limit", retry_after=3600.0,
                          raw=usage)


# ---------------------------------------------------------------- finding what is out


def recent_posts(api: ThreadsConnector, since) -> tuple[list[dict], bool]:
    """Our posts since ``since`` (GET /{user}/threads, newest first) and whether the
    listing was read to its end."""
    return api._list(f"{api._user()}/threads", {
        "fields": "id,text,timestamp,permalink", "since": int(since.timestamp()),
        "limit": 50}, pages=4)


def find_root(items: list[dict], text: str) -> dict | None:
    """The oldest listed post with this text (whitespace and Unicode form aside)."""
    wanted = content_hash(text)
    matches = [i for i in items if content_hash(i.get("text", "")) == wanted]
    return min(matches, key=lambda i: graph_time(i.get("timestamp"))) if matches else None


def chain_on_network(api: ThreadsConnector, root: str, parts: list[str]) -> list[str]:
    """The ids of a thread's parts that are out, in order: our reply to the part before
    with the next part's text, as long as there is one (GET /{root}/conversation)."""
    items, _complete = api._list(f"{root}/conversation", {
        "fields": "id,text,timestamp,replied_to,is_reply_owned_by_me", "reverse": "false",
        "limit": 100}, pages=3)
    chain = [root]
    for part in parts[1:]:
        nxt = next((i for i in items if i.get("is_reply_owned_by_me")
                    and str((i.get("replied_to") or {}).get("id")) == chain[-1]
                    and content_hash(i.get("text", "")) == content_hash(part)), None)
        if nxt is None:
            break
        chain.append(str(nxt["id"]))
    return chain


def thread_so_far(api: ThreadsConnector, parts: list[str]) -> list[str]:
    """The parts of this thread a previous try already posted (none for a new thread):
    its first post among our posts of the last 24 hours, then the replies that follow
    it. A lost answer Threads has not listed yet is not seen, which is why a timeout
    stays "maybe sent" and goes through ``find_published`` instead. A listing that
    cannot be read stops here: nothing is sent without knowing."""
    items, _complete = recent_posts(api, timezone.now() - RESUME_WINDOW)
    root = find_root(items, parts[0])
    return chain_on_network(api, str(root["id"]), parts) if root else []

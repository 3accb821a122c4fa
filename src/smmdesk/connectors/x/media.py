"""Uploading images, GIFs and videos with the v2 media endpoints.

https://docs.x.com/x-api/media/quickstart/media-upload-chunked : an image goes up in one
request (POST /2/media/upload, multipart). A GIF or a video goes up in pieces:
``initialize`` (size and type, answers the media id), one ``append`` per chunk of at most
5 MB (read from disk one at a time, never the whole file), ``finalize``; X then processes
it, and while ``processing_info.state`` is "pending" or "in_progress" we ask again
(GET /2/media/upload?command=STATUS) after the ``check_after_secs`` it names. Alt text
is set afterwards (POST /2/media/metadata). Uploads create nothing anyone sees, so a
failed one is simply tried again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import MediaFile, MediaKind, PermanentError, TransientError
from smmdesk.connectors.x import common
from smmdesk.connectors.x.common import API, CHUNK_BYTES, MEDIA_WAIT_MAX

if TYPE_CHECKING:
    from smmdesk.connectors.x import XConnector

UPLOAD = f"{API}/media/upload"
ALT_TEXT_MAX = 1000
_CATEGORY = {MediaKind.IMAGE: "tweet_image", MediaKind.GIF: "tweet_gif",
             MediaKind.VIDEO: "tweet_video"}


def upload(api: XConnector, media: MediaFile) -> str:
    """The media id of ``media``, uploaded, processed and described."""
    if media.kind == MediaKind.IMAGE:
        media_id = _simple(api, media)
    else:
        media_id = _chunked(api, media)
    if media.alt_text.strip():
        api.call("POST", f"{API}/media/metadata", kind="repeatable", json={
            "id": media_id, "metadata": {"alt_text": {"text": media.alt_text[:ALT_TEXT_MAX]}}})
    return media_id


def _simple(api: XConnector, media: MediaFile) -> str:
    """Images are at most 5 MB (``validate``), so one request holds them."""
    with media.path.open("rb") as fh:
        data = api.call("POST", UPLOAD, kind="repeatable", retry=False,
                        data={"media_category": _CATEGORY[media.kind],
                              "media_type": media.mime},
                        files={"media": (media.name or media.path.name, fh, media.mime)})
    return str(data["data"]["id"])


def _chunked(api: XConnector, media: MediaFile) -> str:
    init = api.call("POST", f"{UPLOAD}/initialize", kind="repeatable", json={
        "media_type": media.mime, "total_bytes": media.size,
        "media_category": _CATEGORY[media.kind]})
    media_id = str(init["data"]["id"])
    with media.path.open("rb") as fh:
        index = 0
        while chunk := fh.read(CHUNK_BYTES):
            api.call("POST", f"{UPLOAD}/{media_id}/append", kind="repeatable",
                     data={"segment_index": str(index)},
                     files={"media": ("chunk", chunk, "application/octet-stream")})
            index += 1
    done = api.call("POST", f"{UPLOAD}/{media_id}/finalize", kind="repeatable")
    _wait(api, media, media_id, done["data"].get("processing_info"))
    return media_id


def _wait(api: XConnector, media: MediaFile, media_id: str, info: dict | None) -> None:
    """Poll STATUS while X processes the file, as long as it asks, at most
    ``MEDIA_WAIT_MAX`` seconds in all."""
    waited = 0.0
    while info and info.get("state") in ("pending", "in_progress"):
        pause = min(max(1.0, float(info.get("check_after_secs") or 1)), 30.0)
        if waited + pause > MEDIA_WAIT_MAX:
            raise TransientError(_(
                "X is still processing %(name)s after %(seconds)d seconds; smmdesk will try "
                "again in a few minutes.") % {"name": _name(media), "seconds": int(waited)},
                code="media_processing", retry_after=300)
        common.sleep(pause)
        waited += pause
        status = api.call("GET", UPLOAD, params={"command": "STATUS", "media_id": media_id})
        info = status["data"].get("processing_info")
    if info and info.get("state") == "failed":
        error = info.get("error") or {}
        raise PermanentError(_("X could not process %(name)s: %(reason)s")
                             % {"name": _name(media),
                                "reason": error.get("message") or error.get("name") or ""},
                             code="media_failed", raw=info)


def _name(media: MediaFile) -> str:
    return media.name or media.path.name

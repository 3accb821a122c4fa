"""A pin's ``media_source``: one image, a carousel of 2–5 images, or a video.

Images: ``image_url`` when the file has a public address (``MediaFile.url``), else the
bytes as ``image_base64`` inside the JSON body (the API has no image upload; images are
capped at 20 MB). Carousels: ``multiple_image_urls`` / ``multiple_image_base64``.

Videos (https://developers.pinterest.com/docs/work-with-organic-content-and-users/
create-boards-and-pins/#creating-video-pins): register the upload (POST /v5/media), send
the file to the returned ``upload_url`` (Amazon S3) as multipart form data with every
``upload_parameters`` field, streamed from disk, then poll GET /v5/media/{id} until its
``status`` is ``succeeded``; the pin takes ``video_id`` with a cover: a second, image file
of the post, or the frame at second ``cover_time`` (a post option, 0 when not given).
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import (
    MediaFile,
    MediaKind,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.pinterest.common import IMAGE_MAX_BYTES, IMAGE_TYPES
from smmdesk.lib.http import HttpFailure

if TYPE_CHECKING:
    from smmdesk.connectors.pinterest import PinterestConnector

# Seconds between status reads of an uploaded video (about six minutes in all).
VIDEO_WAITS: tuple[float, ...] = (2, 3, 5, 5, 10, 10, 15, 15, 30, 30, 60, 60, 60, 60)


def pause(seconds: float) -> None:
    """Every wait of this module; tests replace it."""
    time.sleep(seconds)


def media_source(api: PinterestConnector, media: tuple[MediaFile, ...], *, link: str,
                 title: str, cover_time: int) -> tuple[dict, dict]:
    """(``media_source`` for POST /v5/pins, facts for the result's raw)."""
    videos = [m for m in media if m.kind == MediaKind.VIDEO]
    if videos:
        covers = [m for m in media if m.kind == MediaKind.IMAGE]
        media_id = upload_video(api, videos[0])
        source = {"source_type": "video_id", "media_id": media_id,
                  **_cover(covers[0] if covers else None, cover_time)}
        return source, {"media_id": media_id}
    if len(media) == 1:
        return image_source(media[0]), {}
    return carousel_source(media, link=link, title=title), {}


def image_source(item: MediaFile) -> dict:
    if item.url:
        return {"source_type": "image_url", "url": item.url}
    return {"source_type": "image_base64", "content_type": image_type(item),
            "data": image_data(item)}


def carousel_source(media: tuple[MediaFile, ...], *, link: str, title: str) -> dict:
    """Every card may carry its own title, description and link; each gets the pin's
    title and link, and its alt text as description."""
    extra = {k: v for k, v in (("link", link), ("title", title)) if v}
    if all(m.url for m in media):
        items = [{"url": m.url, **extra, **_described(m)} for m in media]
        return {"source_type": "multiple_image_urls", "items": items}
    items = [{"content_type": image_type(m), "data": image_data(m), **extra, **_described(m)}
             for m in media]
    return {"source_type": "multiple_image_base64", "items": items}


def _described(item: MediaFile) -> dict:
    return {"description": item.alt_text} if item.alt_text else {}


def image_type(item: MediaFile) -> str:
    if item.mime not in IMAGE_TYPES:
        raise PermanentError(_("Pinterest accepts JPEG and PNG images; %(name)s is "
                               "%(mime)s. Save it as a JPEG or PNG.")
                             % {"name": _name(item), "mime": item.mime}, code="media_kind")
    return item.mime


def image_data(item: MediaFile) -> str:
    """The image in base64. Read whole, which is why images are capped at 20 MB."""
    if item.size > IMAGE_MAX_BYTES:
        raise PermanentError(_("Pinterest accepts images up to 20 MB; %(name)s is larger.")
                             % {"name": _name(item)}, code="media_too_large")
    return base64.b64encode(item.path.read_bytes()).decode("ascii")


def _cover(image: MediaFile | None, cover_time: int) -> dict:
    if image is None:
        return {"cover_image_key_frame_time": max(0, cover_time)}
    if image.url:
        return {"cover_image_url": image.url}
    return {"cover_image_content_type": image_type(image), "cover_image_data": image_data(image)}


# ---------------------------------------------------------------- video


def upload_video(api: PinterestConnector, video: MediaFile) -> str:
    """Register, upload and wait: the media id, ready for a pin. Nothing here is seen
    by anyone, so a failure is simply tried again later."""
    body = api.call("POST", "/media", json={"media_type": "video"}, scope="pins:write",
                    idempotent=True)
    media_id = str(body["media_id"])
    _send_to_storage(api, video, str(body.get("upload_url") or ""),
                     body.get("upload_parameters") or {})
    _wait_processed(api, media_id, video)
    return media_id


def _send_to_storage(api: PinterestConnector, video: MediaFile, url: str,
                     fields: dict) -> None:
    """The multipart POST to the storage address: the parameters as form fields, then
    the file, read from disk in chunks by httpx (never whole). No Pinterest token goes
    there. Sent once: a failure is reported and the whole upload tried again later."""
    data = {str(k): str(v) for k, v in fields.items()}
    try:
        with video.path.open("rb") as handle:
            response = api.http.request(
                "POST", url, data=data, files={"file": (_name(video), handle, video.mime)},
                idempotent=False)
    except HttpFailure as exc:
        raise TransientError(_("Pinterest's storage did not take the video %(name)s (the "
                               "connection failed); smmdesk will try again.")
                             % {"name": _name(video)}, code="upload_failed",
                             raw=str(exc)) from exc
    if response.status_code < 300:
        return
    text = response.text[:500]
    if "EntityTooLarge" in text:
        raise PermanentError(_("Pinterest's storage refused the video %(name)s as too "
                               "large.") % {"name": _name(video)}, code="media_too_large",
                             raw=text)
    raise TransientError(_("Pinterest's storage did not take the video %(name)s (HTTP "
                           "%(status)d); smmdesk will try again.")
                         % {"name": _name(video), "status": response.status_code},
                         code="upload_failed", raw=text)


def _wait_processed(api: PinterestConnector, media_id: str, video: MediaFile) -> None:
    for wait in (0, *VIDEO_WAITS):
        if wait:
            pause(wait)
        body = api.call("GET", f"/media/{media_id}", scope="pins:read")
        status = body.get("status")
        if status == "succeeded":
            return
        if status == "failed":
            reason = (body.get("failure_reason") or body.get("message")
                      or _("Pinterest gave no reason"))
            raise PermanentError(_(
                "Pinterest could not process the video %(name)s (%(reason)s). Check that "
                "it is an MP4, MOV or M4V file between 4 seconds and 15 minutes long, then "
                "publish again.") % {"name": _name(video), "reason": reason},
                code="video_failed", raw=body)
    raise TransientError(_(
        "Pinterest is still processing the video %(name)s after %(seconds)d seconds; "
        "smmdesk will try again later.") % {"name": _name(video),
                                            "seconds": sum(VIDEO_WAITS)},
        code="still_processing", raw={"media_id": media_id})


def _name(item: MediaFile) -> str:
    return item.name or item.path.name

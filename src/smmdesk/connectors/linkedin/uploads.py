"""Media for a LinkedIn post: register an upload, send the bytes, use the URN.

- Images (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/
  shares/images-api): POST /rest/images?action=initializeUpload → PUT the file to
  ``uploadUrl`` → ``urn:li:image:...``.
- Documents (.../shares/documents-api): the same with /rest/documents →
  ``urn:li:document:...`` (PDF up to 100 MB and 300 pages).
- Videos (.../shares/videos-api): initializeUpload with ``fileSizeBytes`` gives one
  ``uploadUrl`` per 4 MB part with its byte range; each part is PUT (read from disk a
  chunk at a time, never the whole file in memory) and its ETag kept; finalizeUpload
  with the ETags in order; then the video is ready once GET /rest/videos/{urn} says
  ``AVAILABLE``.

An upload nobody sees yet: a failure is simply retried later (never ambiguous).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import MediaFile, MediaKind, PermanentError, TransientError
from smmdesk.connectors.linkedin import common
from smmdesk.connectors.linkedin.common import encoded

if TYPE_CHECKING:
    from smmdesk.connectors.linkedin import LinkedInConnector

CHUNK = 1024 * 1024  # bytes read from disk at a time while a part streams
# Video processing: LinkedIn gives no estimate; most videos are ready within minutes.
VIDEO_WAITS: tuple[float, ...] = (2, 3, 5, 5, 10, 10, 15, 15, 30, 30, 30, 60, 60)


def upload(api: LinkedInConnector, media: MediaFile) -> str:
    """The URN of ``media`` uploaded for the channel's author."""
    if media.kind == MediaKind.VIDEO:
        return upload_video(api, media)
    resource = "documents" if media.kind == MediaKind.DOCUMENT else "images"
    return upload_simple(api, media, resource)


def upload_simple(api: LinkedInConnector, media: MediaFile, resource: str) -> str:
    """Images and documents: one initializeUpload, one PUT."""
    body = api._json("POST", f"{resource}?action=initializeUpload", json={
        "initializeUploadRequest": {"owner": api.author()}})
    value = body.get("value") or {}
    urn = str(value.get("image") or value.get("document") or "")
    if not urn or not value.get("uploadUrl"):
        raise TransientError(_("LinkedIn did not give an upload address for %(name)s; smmdesk "
                               "will try again.") % {"name": _name(media)},
                             code="upload_refused", raw=body)
    _put(api, value["uploadUrl"], media.path, 0, media.size - 1, media.mime)
    return urn


def upload_video(api: LinkedInConnector, media: MediaFile) -> str:
    body = api._json("POST", "videos?action=initializeUpload", json={
        "initializeUploadRequest": {"owner": api.author(), "fileSizeBytes": media.size,
                                    "uploadCaptions": False, "uploadThumbnail": False}})
    value = body.get("value") or {}
    urn = str(value.get("video") or "")
    parts = sorted(value.get("uploadInstructions") or [], key=lambda p: p["firstByte"])
    if not urn or not parts:
        raise TransientError(_("LinkedIn did not give an upload address for %(name)s; smmdesk "
                               "will try again.") % {"name": _name(media)},
                             code="upload_refused", raw=body)
    etags = [_put(api, p["uploadUrl"], media.path, int(p["firstByte"]), int(p["lastByte"]),
                  "application/octet-stream") for p in parts]
    api._json("POST", "videos?action=finalizeUpload", json={"finalizeUploadRequest": {
        "video": urn, "uploadToken": value.get("uploadToken") or "",
        "uploadedPartIds": etags}})
    wait_available(api, urn, media)
    return urn


def wait_available(api: LinkedInConnector, urn: str, media: MediaFile) -> None:
    """Poll the video's status, a bounded number of times, until AVAILABLE."""
    for pause in (0, *VIDEO_WAITS):
        if pause:
            common.sleep(pause)
        status = str(api._json("GET", f"videos/{encoded(urn)}").get("status") or "")
        if status == "AVAILABLE":
            return
        if status == "PROCESSING_FAILED":
            raise PermanentError(_("LinkedIn could not process the video %(name)s. Check that "
                                   "it is an MP4 between 3 seconds and 30 minutes long, then "
                                   "attach it again.") % {"name": _name(media)},
                                 code="video_failed", raw={"video": urn})
    raise TransientError(_("LinkedIn is still processing %(name)s after %(seconds)d seconds; "
                           "smmdesk will try again later.")
                         % {"name": _name(media), "seconds": sum(VIDEO_WAITS)},
                         code="still_processing", raw={"video": urn})


def _put(api: LinkedInConnector, url: str, path: Path, first: int, last: int,
         mime: str) -> str:
    """PUT bytes ``first``..``last`` of the file, streamed; the ETag LinkedIn answers."""
    length = last - first + 1
    response = api._call("PUT", url, content=_read(path, first, length), once=True,
                         headers={"Content-Type": mime or "application/octet-stream",
                                  "Content-Length": str(length)})
    return response.headers.get("etag", "")


def _read(path: Path, offset: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(offset)
        left = length
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _name(media: MediaFile) -> str:
    return media.name or media.path.name

"""Resumable video upload (developers.google.com/youtube/v3/guides/using_resumable_upload_
protocol) and the custom thumbnail.

The metadata opens a session (POST ...?uploadType=resumable answers with its address in
``Location``); the file then goes up in chunks, each streamed from disk piece by piece
as it is sent, so a 2 GB video never sits in memory (not even a whole chunk). YouTube
answers ``308 Resume Incomplete`` with a ``Range`` of what it holds until the last
chunk, which is answered with the video.
After a 5xx, an expired token or a lost connection, the session is asked what it holds
(an empty PUT with ``Content-Range: bytes */size``) and the upload goes on from there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
from django.utils.translation import gettext as _

from smmdesk.connectors.base import AmbiguousError, MediaFile, TransientError
from smmdesk.connectors.youtube.common import UPLOAD_API, json_body
from smmdesk.connectors.youtube.errors import api_error
from smmdesk.lib.http import HttpFailure

if TYPE_CHECKING:
    from smmdesk.connectors.youtube import YouTubeConnector

# "the chunk size must be a multiple of 256 KB" except for the last one; 8 MiB keeps
# the requests few. Each is read from disk in pieces of PIECE_SIZE while it is sent.
CHUNK_SIZE = 32 * 256 * 1024
PIECE_SIZE = 2**20
# Waits before asking the session again after a failure; then smmdesk gives up for now.
RESUME_WAITS: tuple[float, ...] = (1, 2, 4, 8, 16)
_RESUMABLE = frozenset({401, 500, 502, 503, 504})
_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def sleep(seconds: float) -> None:
    """Every wait of an upload goes through here (tests record them instead)."""
    time.sleep(seconds)


def upload_video(api: YouTubeConnector, video: MediaFile, resource: dict, parts: str) -> dict:
    """The whole upload: the session, then the file. Returns the video resource."""
    session = start_session(api, video, resource, parts)
    return send_file(api, session, video)


def start_session(api: YouTubeConnector, video: MediaFile, resource: dict, parts: str) -> str:
    """POST the metadata; nothing exists on YouTube until the last byte, so this may be
    repeated after a lost answer."""
    response = api.request("POST", f"{UPLOAD_API}/videos", idempotent=True, json=resource,
                           params={"uploadType": "resumable", "part": parts},
                           headers={"X-Upload-Content-Length": str(video.size),
                                    "X-Upload-Content-Type": video.mime or "video/*"})
    location = response.headers.get("location", "")
    if not location.startswith("https://"):
        raise TransientError(_("YouTube did not open an upload session; smmdesk will try "
                               "again."), code="no_session", raw={"status": response.status_code})
    return location


def send_file(api: YouTubeConnector, session: str, video: MediaFile) -> dict:
    offset, misses, asking = 0, 0, False
    while True:
        final = offset + CHUNK_SIZE >= video.size
        if asking:
            response = _put(api, session, b"", f"bytes */{video.size}", video.mime, 0)
        else:
            length = min(CHUNK_SIZE, video.size - offset)
            response = _put(api, session, read_chunk(video, offset, length),
                            f"bytes {offset}-{offset + length - 1}/{video.size}", video.mime,
                            length)
        if response is not None and response.status_code in (200, 201):
            return json_body(response)
        if response is not None and response.status_code == 308:
            misses = 0 if not asking else misses
            offset, asking = received(response), False
            continue
        misses += 1
        _after_failure(api, response, misses, final)
        asking = True


def read_chunk(video: MediaFile, offset: int, length: int) -> Iterator[bytes]:
    """One chunk from disk in pieces, read as the request sends them (the file opened
    for this chunk alone): the request body is never more than a piece in memory, even
    while httpx keeps the finished request around."""
    with open(video.path, "rb") as f:
        f.seek(offset)
        left = length
        while left > 0:
            piece = f.read(min(PIECE_SIZE, left))
            if not piece:
                raise OSError(f"{video.path} is shorter than its recorded size")
            left -= len(piece)
            yield piece


def received(response: httpx.Response) -> int:
    """The next byte to send after a 308: one past the end of its ``Range``, or 0 when
    YouTube holds nothing yet (no ``Range`` header)."""
    found = _RANGE.search(response.headers.get("range", ""))
    return int(found.group(2)) + 1 if found else 0


def _put(api: YouTubeConnector, session: str, content: bytes | Iterator[bytes],
         content_range: str, mime: str, length: int) -> httpx.Response | None:
    """One PUT to the session; None when no answer came. Content-Length is given, so
    httpx sends the pieces as one plain body (not chunked transfer encoding)."""
    headers = {**api.auth_headers(), "Content-Range": content_range,
               "Content-Length": str(length), "Content-Type": mime or "application/octet-stream"}
    try:
        return api.http.request("PUT", session, content=content, headers=headers,
                                idempotent=False)
    except HttpFailure:
        return None


def _after_failure(api: YouTubeConnector, response: httpx.Response | None, misses: int,
                   final: bool) -> None:
    """Decide after a chunk or a status question failed: wait and ask the session (5xx,
    no answer, an access token that ran out), or give up. Once the last byte may have
    arrived, giving up is ambiguous: the video may exist."""
    if response is not None and response.status_code not in _RESUMABLE:
        if response.status_code in (404, 410):
            raise _session_gone(final)
        raise api_error(response, create=final, channel=api.channel.name)
    if misses > len(RESUME_WAITS):
        raise _gave_up(final)
    if response is not None and response.status_code == 401:
        api.renew()
    sleep(RESUME_WAITS[misses - 1])


def _session_gone(final: bool):
    if final:
        return AmbiguousError(_("YouTube closed the upload after the last part was sent; the "
                                "video may or may not have been created. smmdesk will check "
                                "before uploading again."), code="session_gone")
    return TransientError(_("YouTube closed the upload session; smmdesk will upload the video "
                            "again from the start."), code="session_gone")


def _gave_up(final: bool):
    if final:
        return AmbiguousError(_("YouTube did not confirm the end of the upload; the video may "
                                "or may not have been created. smmdesk will check before "
                                "uploading again."), code="no_answer")
    return TransientError(_("YouTube kept failing during the upload; smmdesk will try again "
                            "later."), code="upload_interrupted")


def set_thumbnail(api: YouTubeConnector, video_id: str, image: MediaFile) -> dict:
    """thumbnails.set: the image itself as the body (at most 2 MB, JPEG or PNG)."""
    with open(image.path, "rb") as f:
        content = f.read()
    return api.call("POST", f"{UPLOAD_API}/thumbnails/set", content=content,
                    params={"videoId": video_id, "uploadType": "media"},
                    headers={"Content-Type": image.mime or "image/jpeg"})

"""Media for a group topic. Photos: photosV2.getUploadUrl (gid, count), one multipart POST
of all files to the upload URL, and the token OK answers for each photo goes straight into
the topic (photosV2.commit is not called: the reference says not to for group topics).
Videos: video.getUploadUrl (gid, file_name, file_size), then the file streamed from disk
to the upload URL; the topic attaches the video id as a "movie"."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import AmbiguousError, MediaFile, MediaKind, TransientError
from smmdesk.connectors.odnoklassniki.common import _json
from smmdesk.connectors.odnoklassniki.errors import _unreachable, _upload_refused

if TYPE_CHECKING:
    from smmdesk.connectors.odnoklassniki import OdnoklassnikiConnector


def _open(path: Path) -> IO[bytes]:
    """The file to send; httpx reads it in 64 KiB pieces while sending (tests spy here)."""
    return path.open("rb")


def _upload_all(api: OdnoklassnikiConnector, media: tuple[MediaFile, ...]) -> list[dict]:
    """The topic's media blocks for the files, photos first (one block), then videos."""
    photos = [m for m in media if m.kind != MediaKind.VIDEO]
    blocks = []
    if photos:
        blocks.append({"type": "photo", "list": [{"id": t} for t in _photos(api, photos)]})
    videos = [_video(api, m) for m in media if m.kind == MediaKind.VIDEO]
    if videos:
        blocks.append({"type": "movie", "list": [{"id": v} for v in videos]})
    return blocks


def _photos(api: OdnoklassnikiConnector, photos: list[MediaFile]) -> list[str]:
    ticket = api._call("photosV2.getUploadUrl", {"gid": api._group_id(),
                                                 "count": len(photos)})
    ids = [str(i) for i in ticket.get("photo_ids") or []]
    if len(ids) != len(photos):
        raise _upload_refused(photos[0], "no upload ticket for every photo", ticket)
    with ExitStack() as stack:
        files = {f"pic{n}": (m.name or m.path.name, stack.enter_context(_open(m.path)), m.mime)
                 for n, m in enumerate(photos, 1)}
        body = _post(api, ticket["upload_url"], files, photos[0])
    got = body.get("photos") if isinstance(body, dict) else None
    if not isinstance(got, dict) or any(not (got.get(i) or {}).get("token") for i in ids):
        raise _upload_refused(photos[0], "no token in the upload answer", body)
    return [got[i]["token"] for i in ids]


def _video(api: OdnoklassnikiConnector, media: MediaFile) -> str:
    ticket = api._call("video.getUploadUrl", {
        "gid": api._group_id(), "file_name": (media.name or media.path.name)[:255],
        "file_size": media.size, "post_form": "true"})
    if not ticket.get("upload_url") or not ticket.get("video_id"):
        raise _upload_refused(media, "no upload address", ticket)
    with _open(media.path) as handle:
        _post(api, ticket["upload_url"], {"file": (media.name or media.path.name, handle,
                                                   media.mime)}, media)
    return str(ticket["video_id"])


def _post(api: OdnoklassnikiConnector, url: str, files: dict, media: MediaFile) -> object:
    """POST files to an upload server OK named. Nothing is published yet, so a failure
    here is never ambiguous."""
    try:
        response = api.send("POST", url, idempotent=False, files=files)
    except AmbiguousError as exc:
        raise _unreachable(exc) from exc
    if response.status_code >= 500:
        raise TransientError(_("OK.ru's upload server had a problem. smmdesk will try "
                               "again."), code="server_error",
                             raw={"status": response.status_code})
    body = _json(response)
    if response.status_code != 200 or (isinstance(body, dict) and body.get("error_code")):
        reason = body.get("error_msg") if isinstance(body, dict) else response.status_code
        raise _upload_refused(media, reason or response.status_code, body)
    return body

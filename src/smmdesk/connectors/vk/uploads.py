"""Media for a wall post: photos through the wall upload server
(photos.getWallUploadServer, then photos.saveWallPhoto), videos through video.save."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import AmbiguousError, MediaFile, MediaKind, TransientError
from smmdesk.connectors.vk.common import _json
from smmdesk.connectors.vk.errors import _unreachable, _upload_refused

if TYPE_CHECKING:
    from smmdesk.connectors.vk import VKConnector


def _upload_all(api: VKConnector, media: tuple[MediaFile, ...]) -> list[str]:
    return [_upload_video(api, m) if m.kind == MediaKind.VIDEO else _upload_photo(api, m)
            for m in media]


def _upload_photo(api: VKConnector, media: MediaFile) -> str:
    server = api._call("photos.getWallUploadServer", {"group_id": api._group_id()})
    sent = _upload(api, server["upload_url"], "photo", media)
    if not sent.get("photo") or sent.get("photo") == "[]":
        raise _upload_refused(media, "no photo in the upload answer", sent)
    saved = api._call("photos.saveWallPhoto", {
        "group_id": api._group_id(), "server": sent.get("server"),
        "photo": sent["photo"], "hash": sent.get("hash"),
        "caption": media.alt_text[:2048] or None})
    return f"photo{saved[0]['owner_id']}_{saved[0]['id']}"


def _upload_video(api: VKConnector, media: MediaFile) -> str:
    name = (media.name or media.path.stem)[:128]  # video.save: "maximum 128 characters"
    saved = api._call("video.save", {"group_id": api._group_id(), "name": name,
                                     "wallpost": 0})
    _upload(api, saved["upload_url"], "video_file", media)
    return f"video{saved['owner_id']}_{saved['video_id']}"


def _upload(api: VKConnector, url: str, field: str, media: MediaFile) -> dict:
    """POST a file to an upload server VK named. Nothing is posted yet, so a failure
    here is never ambiguous."""
    with ExitStack() as stack:
        part = (media.name or media.path.name, stack.enter_context(media.path.open("rb")),
                media.mime)
        try:
            response = api.send("POST", url, idempotent=False, files={field: part})
        except AmbiguousError as exc:
            raise _unreachable(exc) from exc
    body = _json(response)
    if response.status_code >= 500:
        raise TransientError(_("VK's upload server had a problem. smmdesk will try "
                               "again."), code="server_error",
                             raw={"status": response.status_code})
    if response.status_code != 200 or body.get("error"):
        raise _upload_refused(media, body.get("error") or response.status_code, body)
    return body

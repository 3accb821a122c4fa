"""What an uploaded file really is, judged by its bytes, not by its name."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from smmdesk.connectors.base import MediaKind
from smmdesk.lib.errors import InvalidInput


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    mime: str
    width: int | None = None
    height: int | None = None


def _sniff_magic(head: bytes) -> tuple[MediaKind, str] | None:
    if head.startswith(b"\xff\xd8\xff"):
        return MediaKind.IMAGE, "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.IMAGE, "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaKind.GIF, "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE, "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return MediaKind.VIDEO, "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MediaKind.VIDEO, "video/webm"
    return None


def sniff_upload(fileobj, *, name: str, size: int) -> Sniffed:
    """Check type and size of an upload; raise InvalidInput in the person's words."""
    if size == 0:
        raise InvalidInput(_("%(name)s is empty.") % {"name": name}, code="empty_file")
    fileobj.seek(0)
    head = fileobj.read(32)
    fileobj.seek(0)
    found = _sniff_magic(head)
    if found is None:
        raise InvalidInput(
            _("%(name)s is not a supported file. Upload a JPEG, PNG, GIF or WebP image, "
              "or an MP4, MOV or WebM video.") % {"name": name}, code="unsupported_file")
    kind, mime = found
    limit_mb = settings.SMMDESK_MAX_VIDEO_MB if kind == MediaKind.VIDEO \
        else settings.SMMDESK_MAX_IMAGE_MB
    if size > limit_mb * 2**20:
        raise InvalidInput(
            _("%(name)s is %(size).1f MB; files of this type may be at most %(limit)d MB.")
            % {"name": name, "size": size / 2**20, "limit": limit_mb}, code="file_too_large")
    if kind == MediaKind.VIDEO:
        return Sniffed(kind, mime)
    return _check_image(fileobj, name=name, kind=kind, mime=mime)


def _check_image(fileobj, *, name: str, kind: MediaKind, mime: str) -> Sniffed:
    try:
        with Image.open(fileobj) as img:
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise InvalidInput(_("%(name)s looks like an image but cannot be read: it is damaged "
                             "or incomplete.") % {"name": name}, code="broken_image") from exc
    finally:
        fileobj.seek(0)
    return Sniffed(kind, mime, width, height)

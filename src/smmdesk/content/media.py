"""What an uploaded file really is, judged by its bytes, not by its name.

The stored file gets the extension of what it is (``Sniffed.extension``), never the one it
was sent with. Images are measured from their header and refused above
``SMMDESK_MAX_IMAGE_PIXELS`` before any pixel is decoded; videos must be a well-formed
MP4/MOV or WebM container (lib/containers.py), not just start like one; a PDF document
must be complete.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from smmdesk.connectors.base import MediaKind
from smmdesk.lib.containers import BadContainer, ebml_check, iso_bmff_check
from smmdesk.lib.errors import InvalidInput

# Pillow's own guard for every decoder in this process (connectors resize images too):
# it warns above the limit and refuses at twice it. Uploads are checked against the
# setting itself, below, so a changed setting applies at once.
Image.MAX_IMAGE_PIXELS = settings.SMMDESK_MAX_IMAGE_PIXELS
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
               "image/webp": ".webp"}
_PILLOW_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
                "WEBP": "image/webp"}


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    mime: str
    width: int | None = None
    height: int | None = None
    extension: str = ""


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
    if head.startswith(b"%PDF-"):
        return MediaKind.DOCUMENT, "application/pdf"
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
              "an MP4, MOV or WebM video, or a PDF document.") % {"name": name},
            code="unsupported_file")
    kind = found[0]  # the exact type comes from Pillow or the container check below
    limit_mb = {MediaKind.VIDEO: settings.SMMDESK_MAX_VIDEO_MB,
                MediaKind.DOCUMENT: settings.SMMDESK_MAX_DOCUMENT_MB}.get(
        kind, settings.SMMDESK_MAX_IMAGE_MB)
    if size > limit_mb * 2**20:
        raise InvalidInput(
            _("%(name)s is %(size).1f MB; files of this type may be at most %(limit)d MB.")
            % {"name": name, "size": size / 2**20, "limit": limit_mb}, code="file_too_large")
    if kind == MediaKind.VIDEO:
        return _check_video(fileobj, name=name, size=size, head=head)
    if kind == MediaKind.DOCUMENT:
        return _check_pdf(fileobj, name=name, size=size)
    return _check_image(fileobj, name=name, kind=kind)


def _check_pdf(fileobj, *, name: str, size: int) -> Sniffed:
    """A PDF must end with its end-of-file marker (within the last kilobyte, as the
    format allows): a file cut short in the upload is refused here, not by the network."""
    fileobj.seek(max(0, size - 1024))
    tail = fileobj.read(1024)
    fileobj.seek(0)
    if b"%%EOF" not in tail:
        raise InvalidInput(_("%(name)s looks like a PDF but is not complete: it is damaged "
                             "or cut short.") % {"name": name}, code="broken_document")
    return Sniffed(MediaKind.DOCUMENT, "application/pdf", extension=".pdf")


def _check_video(fileobj, *, name: str, size: int, head: bytes) -> Sniffed:
    check = iso_bmff_check if head[4:8] == b"ftyp" else ebml_check
    try:
        container = check(fileobj, size)
    except BadContainer as exc:
        raise InvalidInput(_("%(name)s looks like a video but is not a complete MP4, MOV or "
                             "WebM file: it is damaged, cut short or another kind of file.")
                           % {"name": name}, code="broken_video") from exc
    finally:
        fileobj.seek(0)
    return Sniffed(MediaKind.VIDEO, container.mime, extension=container.extension)


def _check_image(fileobj, *, name: str, kind: MediaKind) -> Sniffed:
    broken = InvalidInput(_("%(name)s looks like an image but cannot be read: it is damaged "
                            "or incomplete.") % {"name": name}, code="broken_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as img:  # reads the header only
                width, height, mime = *img.size, _PILLOW_MIME.get(img.format or "")
                _refuse_too_many_pixels(name=name, width=width, height=height)
                img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise broken from exc
    finally:
        fileobj.seek(0)
    if mime is None:
        raise broken
    return Sniffed(kind, mime, width, height, _EXTENSIONS[mime])


def _too_many_pixels(name: str) -> InvalidInput:
    limit = settings.SMMDESK_MAX_IMAGE_PIXELS
    return InvalidInput(_("%(name)s is too large an image: at most %(limit)s megapixels.")
                        % {"name": name, "limit": f"{limit / 1e6:g}"}, code="image_too_large")


def _refuse_too_many_pixels(*, name: str, width: int, height: int) -> None:
    if width * height > settings.SMMDESK_MAX_IMAGE_PIXELS:
        raise _too_many_pixels(name)

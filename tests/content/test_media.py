"""Uploads: stored under the extension of what they are, images limited in pixels before
decoding, videos checked as real MP4/MOV or WebM containers."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from smmdesk.content.models import MediaAsset
from smmdesk.content.services import media_upload
from smmdesk.lib.errors import InvalidInput
from tests.files import mp4_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(brand: bytes = b"isom", *, mdat: bytes = b"\x00" * 64) -> bytes:
    """The smallest file with the structure of a real MP4: ftyp, moov (mvhd, trak), mdat."""
    moov = box(b"moov", box(b"mvhd", b"\x00" * 100) + box(b"trak", box(b"tkhd", b"\x00" * 84)))
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41") + moov + \
        box(b"mdat", mdat)


def ebml(element_id: bytes, data: bytes) -> bytes:
    return element_id + bytes([0x80 | len(data)]) + data


def webm(doctype: bytes = b"webm") -> bytes:
    header = (ebml(b"\x42\x86", b"\x01") + ebml(b"\x42\xf7", b"\x01")
              + ebml(b"\x42\x82", doctype) + ebml(b"\x42\x87", b"\x04")
              + ebml(b"\x42\x85", b"\x02"))
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff"  # unknown size
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment + b"\x00" * 32


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header that claims ``width`` x ``height`` (valid CRC), with one tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def upload(workspace, owner, name: str, data: bytes) -> MediaAsset:
    return media_upload(workspace=workspace, actor=owner,
                        upload=SimpleUploadedFile(name, data))


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize(("name", "data", "extension", "mime"), [
    ("cup.exe", png_bytes(), ".png", "image/png"),
    ("cup.png", jpeg_bytes(), ".jpg", "image/jpeg"),
    ("page.html", mp4(), ".mp4", "video/mp4"),
    ("clip.webm", mp4(b"qt  "), ".mov", "video/quicktime"),
    ("clip.mp4", webm(), ".webm", "video/webm"),
    ("deck.png", pdf_bytes(), ".pdf", "application/pdf"),
])
def test_it_stores_a_file_under_the_extension_of_what_it_is(workspace, owner, name, data,
                                                            extension, mime):
    asset = upload(workspace, owner, name, data)
    assert asset.file.name.endswith(extension)
    assert asset.mime == mime and asset.original_name == name
    assert asset.file.read() == data


def test_an_81_megapixel_png_is_refused_before_it_is_decoded(workspace, owner):
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")  # 81 MP in about 10 KB
    with pytest.raises(InvalidInput) as caught:
        upload(workspace, owner, "bomb.png", buf.getvalue())
    assert caught.value.code == "image_too_large"
    assert "at most 40 megapixels" in caught.value.message
    assert not MediaAsset.objects.exists()


def test_a_header_claiming_a_huge_image_is_refused(workspace, owner):
    with pytest.raises(InvalidInput) as caught:
        upload(workspace, owner, "claims.png", png_claiming(100_000, 100_000))
    assert caught.value.code == "image_too_large"


def test_the_pixel_limit_is_a_setting(workspace, owner, settings):
    settings.SMMDESK_MAX_IMAGE_PIXELS = 100
    assert upload(workspace, owner, "ok.png", png_bytes((10, 10))).width == 10
    with pytest.raises(InvalidInput) as caught:
        upload(workspace, owner, "big.png", png_bytes((11, 10)))
    assert caught.value.code == "image_too_large"


@pytest.mark.parametrize(("name", "data"), [
    ("ftyp-only.mp4", mp4_bytes()),  # starts like an MP4, nothing after
    ("cut.mp4", mp4()[:-10]),  # mdat claims more bytes than there are
    ("photo.heic", mp4(b"heic")),  # ISO-BMFF, but a still image
    ("song.m4a", mp4(b"M4A ")),
    ("no-moov.mp4", box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"mdat", b"\x00" * 8)),
    ("broken-box.mp4", box(b"ftyp", b"isom\x00\x00\x02\x00isom") + b"\x00\x00\x00\x04moov"),
    ("film.mkv", webm(b"matroska")),
    ("ebml.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 40),
    ("header-only.webm", webm()[:20]),
])
def test_a_file_that_only_starts_like_a_video_is_refused(workspace, owner, name, data):
    with pytest.raises(InvalidInput) as caught:
        upload(workspace, owner, name, data)
    assert caught.value.code == "broken_video"
    assert name in caught.value.message
    assert not MediaAsset.objects.exists()


def test_a_large_box_size_is_read(workspace, owner):
    """A 64-bit box size (size field 1) is how cameras write large mdat boxes."""
    payload = b"\x00" * 32
    large_mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + len(payload)) + payload
    data = mp4()[:-(8 + 64)] + large_mdat
    assert upload(workspace, owner, "camera.mp4", data).mime == "video/mp4"


def test_a_pdf_cut_short_is_refused(workspace, owner):
    with pytest.raises(InvalidInput) as exc:
        upload(workspace, owner, "deck.pdf", pdf_bytes()[:-200])
    assert exc.value.code == "broken_document" and "deck.pdf" in exc.value.message


def test_a_pdf_is_a_document(workspace, owner):
    assert upload(workspace, owner, "deck.pdf", pdf_bytes(3)).kind == "document"

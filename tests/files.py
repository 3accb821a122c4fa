"""Small real media files for tests."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(size=(8, 6), color=(200, 120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def mp4_bytes() -> bytes:
    """The start of an MP4 file (an ftyp box), enough for type sniffing."""
    return b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64


def pdf_bytes(pages: int = 2) -> bytes:
    """A real PDF of ``pages`` pages (Pillow writes it), as a LinkedIn document post."""
    buf = io.BytesIO()
    images = [Image.new("RGB", (60, 80), (20 * n, 120, 40)) for n in range(pages)]
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:])
    return buf.getvalue()

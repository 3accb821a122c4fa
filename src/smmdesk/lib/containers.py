"""Is this file really an MP4/MOV or a WebM video? Its structure says, not its first bytes.

Only headers are read (a few bytes per box, seeking past the rest), so a 1 GB upload costs
a few hundred reads. ``BadContainer`` says, for the log, what did not hold.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAX_BOXES = 10_000  # a real file has a handful of top-level boxes; this bounds the walk
# ISO-BMFF also holds still images (HEIF, AVIF) and audio (M4A): not videos.
NOT_VIDEO_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
                    b"avif", b"avis", b"M4A ", b"M4B ", b"M4P ", b"jp2 ", b"crx "}

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE = 0x4282
EBML_SEGMENT = 0x18538067


class BadContainer(ValueError):
    """The bytes are not the container they start like."""


@dataclass(frozen=True)
class Container:
    mime: str
    extension: str


@dataclass(frozen=True)
class Box:
    type: bytes
    start: int  # of the box's payload
    end: int


def _boxes(fileobj, start: int, end: int):
    """The boxes between ``start`` and ``end``; BadContainer where sizes do not add up."""
    pos, count = start, 0
    while pos < end:
        count += 1
        if count > MAX_BOXES:
            raise BadContainer("too many boxes")
        fileobj.seek(pos)
        header = fileobj.read(16)
        if len(header) < 8:
            raise BadContainer(f"truncated box header at {pos}")
        size, kind, payload = int.from_bytes(header[:4], "big"), header[4:8], pos + 8
        if size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                raise BadContainer(f"truncated large box at {pos}")
            size, payload = int.from_bytes(header[8:16], "big"), pos + 16
        elif size == 0:  # the box runs to the end of its parent
            size = end - pos
        if not all(32 <= b < 127 for b in kind) or size < payload - pos or pos + size > end:
            raise BadContainer(f"bad box {kind!r} of {size} bytes at {pos}")
        yield Box(kind, payload, pos + size)
        pos += size


def iso_bmff_check(fileobj, size: int) -> Container:
    """MP4 or QuickTime: an ``ftyp`` box first, a video brand, boxes that tile the whole
    file, a ``moov`` with a movie header and a track, and media data (``mdat``)."""
    boxes = list(_boxes(fileobj, 0, size))
    if not boxes or boxes[0].type != b"ftyp" or boxes[0].end - boxes[0].start < 8:
        raise BadContainer("no ftyp box first")
    fileobj.seek(boxes[0].start)
    major = fileobj.read(4)
    if major in NOT_VIDEO_BRANDS:
        raise BadContainer(f"brand {major!r} is not a video")
    moov = next((b for b in boxes if b.type == b"moov"), None)
    if moov is None or not any(b.type in (b"mdat", b"moof") for b in boxes):
        raise BadContainer("no moov or no mdat box")
    inside = {b.type for b in _boxes(fileobj, moov.start, moov.end)}
    if not {b"mvhd", b"trak"} <= inside:
        raise BadContainer("moov without mvhd or trak")
    if major == b"qt  ":
        return Container("video/quicktime", ".mov")
    return Container("video/mp4", ".mp4")


def _vint(fileobj, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer: (value, length in bytes)."""
    first = fileobj.read(1)
    if not first or first[0] == 0:
        raise BadContainer("bad EBML number")
    length = 9 - first[0].bit_length()
    rest = fileobj.read(length - 1)
    if len(rest) != length - 1:
        raise BadContainer("truncated EBML number")
    value = first[0] if keep_marker else first[0] & (0xFF >> length)
    for byte in rest:
        value = value << 8 | byte
    return value, length


def ebml_check(fileobj, size: int) -> Container:
    """WebM: an EBML header whose DocType is ``webm``, then a Segment element."""
    fileobj.seek(0)
    if fileobj.read(4) != EBML_MAGIC:
        raise BadContainer("no EBML magic")
    header_size, length = _vint(fileobj, keep_marker=False)
    end = 4 + length + header_size
    if end > size:
        raise BadContainer("EBML header runs past the end")
    doctype = None
    while fileobj.tell() < end:
        element, _n = _vint(fileobj, keep_marker=True)
        element_size, _n = _vint(fileobj, keep_marker=False)
        if fileobj.tell() + element_size > end:
            raise BadContainer("EBML element runs past the header")
        data = fileobj.read(element_size) if element_size <= 64 else None
        if data is None:
            fileobj.seek(element_size, 1)
        if element == EBML_DOCTYPE:
            doctype = (data or b"").rstrip(b"\x00")
    if doctype != b"webm":
        raise BadContainer(f"DocType {doctype!r} is not webm")
    segment, _n = _vint(fileobj, keep_marker=True)
    if segment != EBML_SEGMENT:
        raise BadContainer("no Segment after the EBML header")
    return Container("video/webm", ".webm")


def mp4_duration(path: Path) -> float | None:
    """Seconds of an MP4/MOV from its ``moov/mvhd`` box (found by seeking, not reading
    the file); None when the file is no MP4 or the box is missing."""
    try:
        with open(path, "rb") as f:
            end = f.seek(0, 2)
            moov = _find_box(f, b"moov", 0, end)
            mvhd = moov and _find_box(f, b"mvhd", *moov)
            if not mvhd:
                return None
            f.seek(mvhd[0])
            version = f.read(4)[0]
            if version == 1:
                scale, length = struct.unpack(">IQ", f.read(28)[16:])
            else:
                scale, length = struct.unpack(">II", f.read(16)[8:])
            return length / scale if scale else None
    except (OSError, struct.error, IndexError):
        return None


def _find_box(f: BinaryIO, name: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(payload start, box end) of the first box called ``name`` between start and end."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, kind = struct.unpack(">I4s", f.read(8))
        head = 8
        if size == 1:
            size, head = struct.unpack(">Q", f.read(8))[0], 16
        elif size == 0:
            size = end - pos
        if size < head:
            return None
        if kind == name:
            return pos + head, pos + size
        pos += size
    return None

"""Sending a video file to TikTok's upload URL, and reading its length.

Media Transfer Guide (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide):
chunks of 5–64 MB sent in order with ``Content-Range: bytes FIRST-LAST/TOTAL``;
``total_chunk_count`` is the size divided by the chunk size, rounded down, so the last
chunk takes the trailing bytes (up to 128 MB); a video under 5 MB goes whole; at most
1000 chunks. Each chunk is streamed from disk a piece at a time: a 4 GB video never sits
in memory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MB = 2**20
# 10 MB, as in TikTok's example: under 64 MB, so the last chunk (< 2 chunks) stays under
# 128 MB, and a 4 GB video needs 410 chunks, well under 1000. Tests make it small.
CHUNK_SIZE = 10 * MB
PIECE = 1 * MB  # read from disk and handed to httpx this much at a time


def chunk_plan(size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) for a file of ``size`` bytes."""
    if size <= CHUNK_SIZE:
        return size, 1
    return CHUNK_SIZE, size // CHUNK_SIZE


def chunk_ranges(size: int) -> list[tuple[int, int]]:
    """[(first byte, byte after the last)] of each chunk; the last takes the rest."""
    chunk, count = chunk_plan(size)
    starts = [i * chunk for i in range(count)]
    return [(start, starts[i + 1] if i + 1 < count else size)
            for i, start in enumerate(starts)]


def pieces(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The bytes ``start``..``end`` of a file, PIECE by PIECE (an httpx request body)."""
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        while left > 0:
            data = f.read(min(PIECE, left))
            if not data:
                raise OSError(f"{path} is shorter than expected")
            left -= len(data)
            yield data


def mp4_duration(path: Path) -> float | None:
    """Seconds of an MP4/MOV from its ``moov/mvhd`` box (found by seeking, not reading
    the file); None when the file is no MP4 or the box is missing."""
    try:
        with open(path, "rb") as f:
            end = f.seek(0, 2)
            moov = _box(f, b"moov", 0, end)
            mvhd = moov and _box(f, b"mvhd", *moov)
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


def _box(f: BinaryIO, name: bytes, start: int, end: int) -> tuple[int, int] | None:
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

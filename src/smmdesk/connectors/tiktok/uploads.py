"""Sending a video file to TikTok's upload URL.

Media Transfer Guide (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide):
chunks of 5–64 MB sent in order with ``Content-Range: bytes FIRST-LAST/TOTAL``;
``total_chunk_count`` is the size divided by the chunk size, rounded down, so the last
chunk takes the trailing bytes (up to 128 MB); a video under 5 MB goes whole; at most
1000 chunks. Each chunk is streamed from disk a piece at a time: a 4 GB video never sits
in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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

"""Memory and speed of a large video upload, per network, without the network.

    python bench/upload_memory.py --gb 2

A sparse file of the given size (no disk used) is published to YouTube (resumable
upload) and TikTok (chunked file upload) through their real connectors; an in-memory
transport plays the network, takes every byte as a socket would and keeps none. Peak
Python memory is measured with tracemalloc around the publish. Last lines:
``upload: network=youtube gb=2.0 requests=N peak_mb=X seconds=Y mb_per_s=Z``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # see bench/dispatch.py

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import httpx  # noqa: E402

from bench.harness import setup_django  # noqa: E402


class Network(httpx.BaseTransport):
    """Both networks' upload protocols, enough for a publish: every body is consumed
    piece by piece and counted, never kept."""

    def __init__(self, size: int):
        self.size, self.held, self.requests = size, 0, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        path = request.url.path
        if request.method in ("PUT", "POST") and "upload" in request.url.host + path \
                and request.url.params.get("uploadType") != "resumable":
            return self._chunk(request)
        if "creator_info" in path:
            return _ok({"privacy_level_options": ["PUBLIC_TO_EVERYONE"],
                        "max_video_post_duration_sec": 600, "creator_username": "zerno"})
        if path.endswith("/video/init/"):
            return _ok({"publish_id": "v_pub_1",
                        "upload_url": "https://open-upload.tiktokapis.com/video/?upload_id=1"})
        if "status/fetch" in path:
            return _ok({"status": "PUBLISH_COMPLETE",
                        "publicaly_available_post_id": [7312086576512798005]})
        if request.url.params.get("uploadType") == "resumable":
            return httpx.Response(200, headers={
                "location": "https://www.googleapis.com/upload/youtube/v3/videos?upload_id=x"})
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})

    def _chunk(self, request: httpx.Request) -> httpx.Response:
        sent = sum(len(piece) for piece in request.stream)
        self.held += sent
        if "tiktok" in request.url.host:
            return httpx.Response(201 if self.held >= self.size else 206)
        if self.held >= self.size:
            return httpx.Response(201, json={"id": "Zr1nC0ffeeA", "status": {}})
        return httpx.Response(308, headers={"range": f"bytes=0-{self.held - 1}"})


def _ok(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "error": {"code": "ok", "message": ""}})


def connector(kind: str):
    from smmdesk.connectors.base import ChannelContext
    from smmdesk.connectors.registry import connector_class

    creds = {"access_token": "bench-token", "refresh_token": "bench-refresh",
             "open_id": "bench-open-id"}
    return connector_class(kind)(ChannelContext(1, "bench", "Zerno", credentials=creds,
                                                settings={"username": "zerno"}))


def publish(kind: str, path: Path, size: int) -> tuple[int, float, float]:
    """(requests, peak MB, seconds) of one publish of the file."""
    from smmdesk.connectors.base import MediaFile, MediaKind, PublishRequest
    from smmdesk.lib import http as http_lib
    from smmdesk.lib import netguard

    network = Network(size)
    http_lib.set_transport_factory(lambda: network)
    # The networks' names are not looked up: the address guard sees a public address
    # (example.com's) and the transport above answers.
    netguard.set_resolver(lambda host, port: ["93.184.215.14"])
    media = MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4", size=size,
                      name="roastery-tour.mp4", width=1080, height=1920)
    req = PublishRequest(text="A tour of the roastery", media=(media,),
                         options={"privacy_level": "PUBLIC_TO_EVERYONE"})
    api = connector(kind)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        api.publish(req)
        seconds = time.perf_counter() - started
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert network.held == size, (kind, network.held, size)
    return network.requests, peak / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=2.0)
    args = parser.parse_args()
    setup_django()
    size = int(args.gb * 2**30)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roastery-tour.mp4"
        with open(path, "wb") as f:  # sparse: the file system stores no zeros
            f.write(b"\0\0\0\x18ftypisom\0\0\2\0isomiso2")
            f.truncate(size)
        for kind in ("youtube", "tiktok"):
            requests, peak, seconds = publish(kind, path, size)
            print(f"upload: network={kind} gb={args.gb} requests={requests} "
                  f"peak_mb={peak:.1f} seconds={seconds:.1f} "
                  f"mb_per_s={size / 2**20 / seconds:.0f}")


if __name__ == "__main__":
    main()

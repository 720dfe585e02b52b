"""The Runs page plays a video run's samples in headless Chromium: MP4 clips in a looping video, GIFs animated."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from studio_helpers import LiveServer, screenshot

from ganforge.engine.loop import Trainer
from ganforge.video.task import VideoTask
from ganforge.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
from video_helpers import tiny, write_clip_folder  # noqa: E402


@pytest.fixture(scope="module")
def video_runs(tmp_path_factory):
    """A runs folder with a MoCoGAN run sampling MP4 clips (``mp4``) and a TGAN run sampling GIFs (``gif``)."""
    root = tmp_path_factory.mktemp("video-studio")
    data = write_clip_folder(root / "clips", n=4)
    for name, model in (("mp4", "mocogan"), ("gif", "tgan")):
        cfg = tiny(model, data, train={"steps": 2, "sample_format": name})
        Trainer(VideoTask(cfg), root / "runs" / name, quiet=True).fit()
    return root / "runs"


def test_runs_page_plays_mp4_and_gif_samples_of_video_runs(video_runs, page):
    client = TestClient(create_app(video_runs), base_url="http://127.0.0.1")
    files = client.get("/api/runs/mp4").json()["sample_files"]
    assert [(f["file"], f["kind"]) for f in files] == [("step_0000002.mp4", "video")]
    reply = client.get("/api/runs/mp4/samples/step_0000002.mp4")
    assert reply.status_code == 200 and reply.headers["content-type"] == "video/mp4"
    server = LiveServer(video_runs)
    try:
        page.goto(server.url + "/runs#mp4")
        page.wait_for_function("() => window.studioRuns.loaded && window.studioRuns.name === 'mp4'")
        # the browser decoded the H.264 clip and plays it: frames have a size and time moves on
        page.wait_for_function("() => { const v = document.querySelector('#timeline-video');"
                               " return !v.hidden && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0; }",
                               timeout=20_000)
        assert page.is_hidden("#timeline-image")
        size = page.evaluate("() => [document.querySelector('#timeline-video').videoWidth,"
                             " document.querySelector('#timeline-video').videoHeight]")
        assert size[0] >= 2 * 16 and size[0] % 16 == 0 and size[1] % 16 == 0
        screenshot(page, "video-runs")
        page.goto(server.url + "/runs#gif")
        page.wait_for_function("() => window.studioRuns.name === 'gif' && document.querySelector('#timeline-image')"
                               ".src.endsWith('step_0000002.gif') && document.querySelector('#timeline-image')"
                               ".naturalWidth > 0")
        assert page.is_hidden("#timeline-video") and not page.js_errors
    finally:
        server.stop()

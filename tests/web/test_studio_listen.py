"""The studio's Listen page: an audio run's WAV samples and spectrograms, fresh clips, in the API and in Chromium."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from starlette.testclient import TestClient

from ganforge.audio.task import AudioTask
from ganforge.engine.loop import Trainer
from ganforge.family import load
from ganforge.web.app import create_app

from audio_helpers import tiny_audio_config, write_sines


@pytest.fixture(scope="module")
def audio_runs(tmp_path_factory):
    """A runs folder with a conditional WaveGAN run ``wave`` (2 steps on sine clips of two classes)."""
    root = tmp_path_factory.mktemp("listen-page")
    cfg = tiny_audio_config(write_sines(root / "sines"), model={"conditional": True}, train={"steps": 2})
    Trainer(AudioTask(cfg), root / "runs" / "wave", quiet=True).fit()
    return root / "runs"


def frames(data: bytes):
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getsampwidth(), w.getnframes(), w.readframes(w.getnframes())


def test_api_lists_audio_runs_serves_samples_and_fresh_clips_as_the_pipeline_makes_them(audio_runs):
    client = TestClient(create_app(audio_runs), base_url="http://127.0.0.1")
    runs = client.get("/api/listen/runs").json()["runs"]
    assert [r["name"] for r in runs] == ["wave"] and runs[0]["classes"] == ["high", "low"]
    assert runs[0]["samples"] == [{"step": 2, "wav": "step_0000002.wav", "png": "step_0000002.png"}]
    got = client.get("/api/listen/wave/samples/step_0000002.wav")
    assert got.headers["content-type"] == "audio/wav" and frames(got.content)[:3] == (16000, 2, 2 * 1024 + 4000)
    assert client.get("/api/listen/wave/samples/step_0000002.png").content[:4] == b"\x89PNG"
    fresh = client.get("/api/listen/wave/generate.wav?n=2&seed=5&label=1")
    rate, width, count, pcm = frames(fresh.content)
    assert (rate, width, count) == (16000, 2, 2 * 1024 + 4000)
    clips = load(audio_runs / "wave").sample(2, labels=1, seed=5)
    with wave.open(io.BytesIO(fresh.content)) as w:
        assert w.getnchannels() == 1
    heard = np.frombuffer(pcm, "<i2")[:1024].astype(np.float64) / 32767
    assert np.abs(heard - clips[0].numpy()).max() < 1e-4          # the command's clip, as 16-bit PCM
    assert client.get("/api/listen/wave/generate.png?n=2").content[:4] == b"\x89PNG"
    bad = client.get("/api/listen/wave/generate.wav?n=99")
    assert bad.status_code == 400 and "n" in bad.json()["error"] and "\n" not in bad.json()["error"]
    assert client.get("/api/listen/wave/generate.wav?label=7").status_code == 400
    assert client.get("/api/listen/wave/samples/config.yaml").status_code == 404
    assert client.get("/api/listen/nothere/generate.wav").status_code == 404


@pytest.fixture(scope="module")
def listen_server(audio_runs):
    from studio_helpers import LiveServer

    server = LiveServer(audio_runs)
    yield server
    server.stop()


def test_the_listen_page_plays_training_samples_and_fresh_clips_in_chromium(listen_server, page):
    page.goto(listen_server.url + "/listen?run=wave")
    page.wait_for_function("() => document.getElementById('run').options.length === 1")
    assert page.locator("nav a.current").inner_text() == "Listen"
    player = page.locator("#timeline audio")
    assert player.count() == 1 and player.get_attribute("src").endswith("/samples/step_0000002.wav")
    # the browser decodes the training sample: 2 clips of 1024 samples and a quarter second between them
    duration = page.evaluate("""() => new Promise((done) => { const a = document.querySelector('#timeline audio');
        if (a.readyState >= 1) done(a.duration); else a.addEventListener('loadedmetadata', () => done(a.duration));
        a.load(); })""")
    assert abs(duration - (2 * 1024 + 4000) / 16000) < 0.01
    page.wait_for_function("() => document.querySelector('#timeline img').naturalWidth > 0", timeout=10000)
    page.select_option("#label", "1")
    page.fill("#count", "3")
    page.locator("#generate").click()
    page.wait_for_function("() => window.studioListen.loaded >= 1", timeout=20000)
    fresh = page.evaluate("() => document.getElementById('fresh-audio').duration")
    assert abs(fresh - (3 * 1024 + 2 * 4000) / 16000) < 0.01 and "3 clips" in page.locator("#fresh-caption").inner_text()
    page.wait_for_function("() => document.getElementById('fresh-spectrogram').naturalWidth > 0", timeout=10000)
    assert not page.js_errors

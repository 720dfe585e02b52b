"""The studio's Music page: its API (notes, MIDI and WAV of a music run, one-line errors) and, in headless
Chromium, the piano roll shown and both players (Web Audio notes, the server's WAV) playing."""
from __future__ import annotations

import io
import wave

import mido
import pretty_midi
import pytest
from starlette.testclient import TestClient

from ganforge.cli.main import main
from ganforge.web.app import create_app


@pytest.fixture(scope="module")
def music_runs(tmp_path_factory):
    """A runs folder with a tiny two-track MuseGAN run ``duet`` trained on a folder of generated MIDI files."""
    root = tmp_path_factory.mktemp("music-page")
    (root / "midi").mkdir()
    for k in range(3):
        m = pretty_midi.PrettyMIDI(initial_tempo=120)
        for program, base in ((0, 72), (32, 48)):
            inst = pretty_midi.Instrument(program)
            inst.notes = [pretty_midi.Note(80, base + (i * (k + 2)) % 12, i * 0.25, (i + 1) * 0.25) for i in range(32)]
            m.instruments.append(inst)
        m.write(str(root / "midi" / f"song{k}.mid"))
    runs = root / "runs"
    assert main(["train", "musegan", "--data", str(root / "midi"), "--out", str(runs), "--name", "duet", "--steps",
                 "2", "--quiet", "--set", "data.tracks=2", "--set", "data.bars=1", "--set", "model.width=8",
                 "--set", "model.latent_dim=4", "--set", "train.batch_size=4", "--set", "train.threads=1"]) == 0
    return runs


def test_music_api_gives_notes_midi_and_wav(music_runs):
    client = TestClient(create_app(music_runs), base_url="http://127.0.0.1")
    assert [r["name"] for r in client.get("/api/music/runs").json()["runs"]] == ["duet"]
    data = client.get("/api/music/duet/sample?n=2&seed=1").json()
    assert data["tracks"] == ["track0", "track1"] and data["roll"].startswith("data:image/png;base64,")
    assert data["notes"] and max(n["end"] for n in data["notes"]) == pytest.approx(data["seconds"])
    mid = client.get("/api/music/duet/sample.mid?n=2&seed=1")
    assert mid.headers["content-type"] == "audio/midi"
    back = mido.MidiFile(file=io.BytesIO(mid.content))
    assert sum(1 for t in back.tracks for m in t if m.type == "note_on" and m.velocity) == len(data["notes"])
    wav = client.get("/api/music/duet/sample.wav?n=2&seed=1")
    with wave.open(io.BytesIO(wav.content)) as w:
        assert (w.getsampwidth(), w.getframerate()) == (2, 22050) and w.getnframes() >= 22050 * data["seconds"] * 0.9
    err = client.get("/api/music/duet/sample?n=99")
    assert err.status_code == 400 and "n must be 1 to 16" in err.json()["error"]
    assert client.get("/api/music/nope/sample").status_code == 404


def test_music_page_shows_the_roll_and_plays_both(music_runs, page):
    from studio_helpers import LiveServer, screenshot

    server = LiveServer(music_runs)
    try:
        page.goto(server.url + "/music")
        page.wait_for_function("() => window.studioMusic.notes.length > 0")
        page.wait_for_function("() => { const img = document.getElementById('roll'); "
                               "return img.complete && img.naturalWidth > 0; }")
        page.click("#play-midi")
        assert page.text_content("#play-state") == "playing notes"
        assert page.evaluate("() => window.studioMusic.ctx.state") in ("running", "suspended")
        page.click("#play-wav")
        page.wait_for_function("() => window.studioMusic.state === 'playing wav'", timeout=90_000)
        wav = page.evaluate("() => window.studioMusic.wav")
        assert wav["rate"] > 0 and wav["seconds"] > 1.0
        screenshot(page, "music")
        page.click("#stop")
        assert page.text_content("#play-state") == "stopped"
        assert not page.is_visible("#error") and not page.js_errors
    finally:
        server.stop()

"""WAV in and out, MIDI reading and writing, rendering (fluidsynth and the built-in synthesiser), writers."""
from __future__ import annotations

import wave

import mido
import numpy as np
import pretty_midi
import pytest

from ganforge.errors import DataError, GanforgeError
from ganforge.media import audio, midi
from ganforge.media.writers import save_samples


def song(pitches=(60, 64, 67), program=0, step=0.25):
    m = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(program, name="S")
    inst.notes = [pretty_midi.Note(90, p, i * step, (i + 1) * step) for i, p in enumerate(pitches)]
    m.instruments.append(inst)
    return m


def test_wav_round_trip_is_16_bit_pcm_at_the_rate(tmp_path):
    t = np.arange(1600) / 16000
    x = 0.5 * np.sin(2 * np.pi * 440 * t)
    path = audio.write_wav(tmp_path / "a.wav", x, 16000)
    with wave.open(str(path)) as w:
        assert (w.getsampwidth(), w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 1, 16000, 1600)
    back = audio.read_wav(path, expect_rate=16000)
    assert back.rate == 16000 and back.samples.dtype == np.float32
    assert np.abs(back.samples - x).max() < 1e-4
    stereo = audio.write_wav(tmp_path / "s.wav", np.stack([x, -x], 1), 8000)
    assert audio.read_wav(stereo).samples.shape == (1600, 2)
    assert audio.wav_bytes(x, 16000) == path.read_bytes()


def test_wav_errors_are_one_line(tmp_path):
    path = audio.write_wav(tmp_path / "a.wav", np.zeros(100), 22050)
    with pytest.raises(DataError, match="22050 Hz, not 16000 Hz: resample it") as e:
        audio.read_wav(path, expect_rate=16000)
    assert "\n" not in str(e.value)
    (tmp_path / "bad.wav").write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(DataError, match="not a readable PCM WAV"):
        audio.read_wav(tmp_path / "bad.wav")
    with pytest.raises(GanforgeError, match="NaN"):
        audio.write_wav(tmp_path / "n.wav", np.array([0.0, np.nan]), 16000)
    with pytest.raises(GanforgeError, match="sample rate"):
        audio.write_wav(tmp_path / "r.wav", np.zeros(4), 44.1)
    assert not (tmp_path / "n.wav").exists()


def test_midi_errors_corrupt_and_empty(tmp_path):
    (tmp_path / "c.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    with pytest.raises(DataError, match="not a readable MIDI file") as e:
        midi.read_midi(tmp_path / "c.mid")
    assert "\n" not in str(e.value)
    pretty_midi.PrettyMIDI().write(str(tmp_path / "e.mid"))
    with pytest.raises(DataError, match="has no notes"):
        midi.read_midi(tmp_path / "e.mid")


def test_additive_synth_plays_the_pitch():
    r = audio.render_midi(song((69,), step=0.5), 16000, engine="additive")
    assert r.engine == "additive" and r.rate == 16000 and abs(np.abs(r.samples).max() - 0.9) < 1e-5
    spectrum = np.abs(np.fft.rfft(r.samples[:8000]))
    assert abs(np.argmax(spectrum) * 16000 / 8000 - 440) < 3


@pytest.mark.skipif(not audio.fluidsynth_available(), reason="fluidsynth is not installed")
def test_fluidsynth_renders_with_the_bundled_soundfont():
    r = audio.render_midi(song(), 16000)
    assert r.engine == "fluidsynth" and len(r.samples) >= 0.75 * 16000 and np.abs(r.samples).max() > 0.5


def test_music_writers_mid_wav_png_and_folder(tmp_path):
    songs = [song(), song((55, 57), program=40)]
    mid = save_samples(songs, tmp_path / "song.mid", kind="music")
    back = pretty_midi.PrettyMIDI(str(mid))
    assert sum(len(i.notes) for i in back.instruments) == 5
    assert back.get_end_time() > 0.75 + 1.0          # the second song starts after a second of silence
    assert sum(1 for t in mido.MidiFile(str(mid)).tracks for m in t if m.type == "note_on" and m.velocity) == 5
    wav = save_samples(songs, tmp_path / "song.wav", kind="music", rate=8000, engine="additive")
    assert audio.read_wav(wav, expect_rate=8000).seconds > 1.5
    png = save_samples(songs, tmp_path / "roll.png", kind="music")
    from PIL import Image
    assert Image.open(png).size[1] > 20
    folder = save_samples(songs, tmp_path / "out", kind="music", rate=8000, engine="additive")
    assert sorted(p.name for p in folder.iterdir())[:3] == ["sample_000.mid", "sample_000.png", "sample_000.wav"]
    with pytest.raises(GanforgeError, match=r"\.mid"):
        save_samples(songs, tmp_path / "x.txt", kind="music")


def test_audio_writers(tmp_path):
    clips = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 400))
    wav = save_samples(clips, tmp_path / "c.wav", kind="audio", rate=8000)
    assert len(audio.read_wav(wav, 8000).samples) == 3 * 400 + 2 * 2000
    folder = save_samples(clips, tmp_path / "clips", kind="audio", rate=8000)
    assert len(list(folder.glob("*.wav"))) == 3

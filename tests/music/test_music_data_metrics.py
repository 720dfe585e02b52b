"""Music data (JSB, MIDI folders, music21 folk tunes) as voices, and the music statistics on known phrases."""
from __future__ import annotations

import numpy as np
import pretty_midi
import pytest

from ganforge.errors import DataError
from ganforge.music.config import DataConfig
from ganforge.music.data import fold_pitch, load_music, quantise
from ganforge.music.metrics import Voices, music_statistics


def test_jsb_voices_are_four_monophonic_tracks(jsb_dir):
    d = load_music(DataConfig(dir=str(jsb_dir), limit=3))
    assert d.track_names == ("soprano", "alto", "tenor", "bass") and d.train.shape[1:] == (4, 64)
    assert len(d.train) > 3 and len(d.test) > 3 and 0 <= int(d.train.min()) and int(d.train.max()) <= 48
    mean = [(d.train[:, k][d.train[:, k] > 0]).float().mean() for k in range(4)]
    assert mean[0] > mean[1] > mean[2] > mean[3]          # soprano above alto above tenor above bass
    with pytest.raises(DataError, match="--data-dir"):
        load_music(DataConfig(dir=str(jsb_dir / "nowhere")))


def test_fold_pitch_moves_by_octaves_and_keeps_rests():
    assert fold_pitch(np.array([-1, 36, 35, 84, 100]), 36, 48).tolist() == [0, 1, 12, 37, 41]


def song(pitches, step=0.125, program=0):
    m = pretty_midi.PrettyMIDI(initial_tempo=120)
    inst = pretty_midi.Instrument(program)
    inst.notes = [pretty_midi.Note(80, p, i * step, (i + 1) * step) for i, p in enumerate(pitches)]
    m.instruments.append(inst)
    return m


def test_a_midi_folder_skips_bad_files_and_an_empty_one_is_an_error(tmp_path):
    cfg = DataConfig(name="midi", path=str(tmp_path), bars=1)
    for k in range(3):
        song([60 + k, 62, 64, 65] * 8).write(str(tmp_path / f"good{k}.mid"))
    (tmp_path / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00")
    pretty_midi.PrettyMIDI().write(str(tmp_path / "empty.mid"))
    d = load_music(cfg)
    assert d.train.shape[1:] == (1, 16) and "skipped 2 MIDI file(s)" in d.notes[0]
    roll = quantise(song([60, 62, 64, 65], step=0.25), cfg, 1)         # 8th notes at 120 bpm: two 16th steps each
    assert roll[0, :8].tolist() == [25, 25, 27, 27, 29, 29, 30, 30]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "corrupt.mid").write_bytes(b"garbage")
    with pytest.raises(DataError, match="no usable MIDI files .*1 unreadable") as e:
        load_music(DataConfig(name="midi", path=str(bad)))
    assert "\n" not in str(e.value)
    with pytest.raises(DataError, match="has no notes"):
        load_music(DataConfig(name="midi", path=str(tmp_path / "empty.mid")))


def test_folk_tunes_from_the_music21_corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path))
    d = load_music(DataConfig(name="folk", limit=4, bars=2))
    assert d.train.shape[1:] == (1, 32) and len(d.train) > 0
    assert list((tmp_path / "music").glob("folk-essenFolksong-4-*.npz"))          # cached for the next run


def voices(*tracks, names=None):
    arr = np.array([tracks])
    return Voices(arr, 4, 60, tuple(names or [f"t{k}" for k in range(len(tracks))]))


def test_statistics_on_known_phrases():
    # bar 1: C held 3 steps, E 1 step; bar 2: empty  |  second track: the same C major notes, then G held
    s = music_statistics(voices([1, 1, 1, 5, 0, 0, 0, 0], [1, 1, 5, 5, 8, 8, 8, 8]))
    assert s["eb/t0"] == 0.5 and s["eb/t1"] == 0.0
    assert s["upc/t0"] == 2 and s["upc/t1"] == 1.5
    assert s["qn/t0"] == 0.5 and s["qn/t1"] == pytest.approx(1 / 3)
    assert s["polyphony"] == pytest.approx(1 / 8)             # only step 2 sounds two pitches (C and E)
    assert s["scale_consistency"] == 1.0 and s["tone_span"] == pytest.approx((4 + 7) / 2)
    same = music_statistics(voices([1, 5, 8, 1], [1, 5, 8, 1]), ["tonal_distance", "repetitions"])
    assert same["td/t0-t1"] == 0.0 and same["repetitions"] == 0.0
    far = music_statistics(voices([1, 1, 1, 1], [7, 7, 7, 7]), ["tonal_distance"])     # C against F#: a tritone
    assert far["td/t0-t1"] > 1.0
    rep = music_statistics(voices([1, 3, 5, 6, 1, 3, 5, 6, 1, 3, 5, 6]), ["repetitions", "pitch_entropy"])
    assert rep["repetitions"] == 5 and rep["pitch_entropy"] == pytest.approx(2.0)

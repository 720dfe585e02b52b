"""Reading clips: built sets with their labels, WAV folders (class sub-folders), and one-line errors for bad input."""
from __future__ import annotations

import numpy as np
import pytest

from ganforge.audio.data.clips import load_clips
from ganforge.errors import DataError
from ganforge.media.audio import write_wav

from helpers import cli_error


def test_a_wav_folder_reads_mono_clips_cut_or_padded_with_folder_labels(sines, tmp_path):
    data = load_clips(sines, length=4096)
    assert data.waves.shape == (12, 4096) and data.classes == ["high", "low"] and data.label == "folder"
    assert data.labels.tolist() == [0] * 6 + [1] * 6
    assert float(data.waves[:, 3200:].abs().max()) == 0.0          # 0.2 s of sound, then silence
    write_wav(tmp_path / "stereo.wav", np.stack([np.full(100, 0.5), np.full(100, -0.5)], 1), 16000)
    flat = load_clips(tmp_path, length=128)
    assert flat.labels is None and float(flat.waves.abs().max()) == 0.0   # mixed to mono


def test_built_set_labels(tiny_notes):
    pitch = load_clips(tiny_notes, "test", length=1024)
    assert pitch.label == "pitch" and pitch.classes == ["60", "64", "67"] and sorted(set(pitch.labels.tolist())) == [0, 1, 2]
    inst = load_clips(tiny_notes, "train", length=1024, label="instrument")
    assert inst.classes == ["piano", "flute"] and inst.extra["pitch"].shape == (12,)
    with pytest.raises(DataError, match="no label 'digit'"):
        load_clips(tiny_notes, label="digit")


def test_bad_wav_folders_are_one_line_cli_errors(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    err = cli_error(capsys, ["train", "wavegan", "--data", str(empty), "--steps", "1", "--out", str(tmp_path)])
    assert "no .wav files" in err
    other = tmp_path / "rate"
    other.mkdir()
    write_wav(other / "a.wav", np.zeros(800, np.float32), 8000)
    err = cli_error(capsys, ["train", "wavegan", "--data", str(other), "--steps", "1", "--out", str(tmp_path)])
    assert "sampled at 8000 Hz" in err and "model.sample_rate=8000" in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.wav").write_bytes(b"RIFF\x00\x00not a wave file")
    err = cli_error(capsys, ["train", "specgan", "--data", str(broken), "--steps", "1", "--out", str(tmp_path)])
    assert "not a readable PCM WAV" in err
    assert not any(p.name.startswith(("wavegan", "specgan")) for p in tmp_path.iterdir())

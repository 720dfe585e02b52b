"""Audio data sets built offline: deterministic, checksummed, labelled, and the one-line errors of bad input."""
from __future__ import annotations

import json
import shutil
import wave

import pytest

from ganforge.audio.data import builders
from ganforge.audio.data.builders import build
from ganforge.datasets.built import verify
from ganforge.errors import DataError


def test_notes_are_deterministic_labelled_checksummed_pcm(tiny_notes, tmp_path):
    info = json.loads((tiny_notes / "dataset.json").read_text())
    assert info["counts"] == {"train": 12, "test": 6} and info["sample_rate"] == 16000
    assert info["labels"] == {"pitch": ["60", "64", "67"], "instrument": ["piano", "flute"]}
    assert "synthetic" in info["synthetic"] and len(info["sources"]["soundfont/TimGM6mb.sf2"]) == 64
    labels = json.loads((tiny_notes / "train" / "labels.json").read_text())
    assert {(v["instrument"], v["pitch"]) for v in labels.values()} == {(i, p) for i in ("piano", "flute")
                                                                       for p in (60, 64, 67)}
    with wave.open(str(tiny_notes / "train" / "00000.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (16000, 1, 2, 16384)
    assert verify(tiny_notes) == 12 + 6 + 2 + 1
    again = build("notes", tmp_path / "again", n=2, instruments=("piano", "flute"), pitches=(60, 64, 67),
                  progress=False)
    assert again["counts"] == info["counts"]
    assert (tmp_path / "again" / "SHA256SUMS").read_text() == (tiny_notes / "SHA256SUMS").read_text()
    copy = tmp_path / "copy"
    shutil.copytree(tiny_notes, copy)
    (copy / "test" / "00001.wav").write_bytes(b"RIFF")
    with pytest.raises(DataError, match="does not match its checksum"):
        verify(copy)


def test_spoken_digits_without_espeak_is_one_line_naming_the_install(monkeypatch, tmp_path):
    monkeypatch.setattr(builders.shutil, "which", lambda name: None)
    with pytest.raises(DataError, match="apt-get install espeak-ng") as err:
        build("spoken-digits", tmp_path / "digits", n=1, progress=False)
    assert "\n" not in str(err.value) and not (tmp_path / "digits").exists()


def test_spoken_digits_are_synthetic_speech_with_held_out_voices(tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    info = build("spoken-digits", tmp_path / "digits", n=1, progress=False)
    assert info["counts"] == {"train": 10, "test": 10} and "synthetic speech" in info["synthetic"]
    train = json.loads((tmp_path / "digits" / "train" / "labels.json").read_text())
    test = json.loads((tmp_path / "digits" / "test" / "labels.json").read_text())
    assert sorted(v["digit"] for v in train.values()) == list(range(10))
    variant = lambda labels: {v["voice"].split("+")[1] for v in labels.values()}   # noqa: E731
    assert not variant(train) & variant(test)


def test_bad_options_are_one_line_errors(tmp_path, capsys):
    from ganforge.cli.main import main

    from helpers import cli_error

    assert "out of range" in cli_error(capsys, ["data", "build", "notes", "--out", str(tmp_path / "n0"), "--n", "0"])
    assert main(["data", "list"]) == 0
    listed = capsys.readouterr().out
    assert "notes " in listed and "spoken-digits" in listed and "synthetic speech" in listed
    with pytest.raises(DataError, match="not one of them"):
        build("notes", tmp_path / "x", instruments=("banjo",), progress=False)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep")
    with pytest.raises(DataError, match="not a ganforge data set"):
        build("notes", tmp_path / "taken", n=1, pitches=(60,), instruments=("piano",), progress=False)
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep"

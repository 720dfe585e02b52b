"""Reading audio clips for training and evaluation: a built set (``ganforge data build``) or any folder of WAVs.

    data = load_clips("data/notes", split="train", length=16384, rate=16000, label="pitch")
    data.waves    # float32 [N, length] in [-1, 1];  data.labels: int64 [N] or None;  data.classes: names

A built set (``dataset.json``) reads ``SPLIT/`` and its ``labels.json``; ``label`` picks which
label (``auto``: the set's default: pitch for notes, digit for spoken digits). Any other folder:
every ``*.wav`` under ``DIR/SPLIT/`` when that exists, else under ``DIR`` (recursively); when the
files sit in sub-folders, the sub-folder names are the classes. Clips are mixed to mono, cut or
padded with silence to ``length``. A file at another sample rate, an unreadable file or a folder
without WAVs is a one-line error naming the fix.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch

from ganforge.datasets.built import read_info
from ganforge.errors import DataError
from ganforge.media.audio import read_wav


@dataclass
class AudioData:
    waves: torch.Tensor                 # float32 [N, length]
    labels: Optional[torch.Tensor]      # int64 [N] (indices into classes) or None
    classes: List[str]                  # class names of the label ([] without labels)
    label: str                          # which label: pitch, instrument, digit, folder, or none
    name: str                           # the data set's name (its folder's for a WAV folder)
    rate: int
    root: Path
    extra: dict                         # other labels of a built set: name -> int64 [N] (e.g. instrument)

    def __len__(self) -> int:
        return len(self.waves)

    def describe(self) -> str:
        return (f"{self.name} ({len(self)} clips of {self.waves.shape[1] / self.rate:.2f} s at {self.rate} Hz"
                + (f", {len(self.classes)} {self.label} classes)" if self.classes else ")"))


def fit_length(x: np.ndarray, length: int) -> np.ndarray:
    x = x.mean(axis=1) if x.ndim == 2 else x
    out = np.zeros(length, np.float32)
    out[:min(length, len(x))] = x[:length]
    return out


def read_clip(path: Path, rate: int, length: int) -> np.ndarray:
    wav = read_wav(path)
    if wav.rate != rate:
        raise DataError(f"{path} is sampled at {wav.rate} Hz but the data is read at {rate} Hz: resample it "
                        f"(ffmpeg -i IN.wav -ar {rate} OUT.wav) or train at its rate with --set model.sample_rate="
                        f"{wav.rate}")
    return fit_length(wav.samples, length)


def load_clips(folder: str | Path, split: str = "train", length: int = 16384, rate: int = 16000,
               label: str = "auto", limit: int = 0) -> AudioData:
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root} is not a folder: pass --data DIR, a set built by `ganforge data build notes` or a "
                        "folder of WAV files")
    if (root / "dataset.json").is_file():
        return load_built(root, split, length, rate, label, limit)
    base = root / split if (root / split).is_dir() else root
    files = sorted(p for p in base.rglob("*") if p.suffix.lower() == ".wav" and p.is_file())
    if not files:
        raise DataError(f"no .wav files in {base}: put the clips (16-bit PCM WAV, {rate} Hz) there, or build a set "
                        "with `ganforge data build notes --out DIR`")
    files = files[:limit] if limit else files
    waves = torch.from_numpy(np.stack([read_clip(p, rate, length) for p in files]))
    folders = [p.parent.relative_to(base).as_posix() for p in files]
    classes = sorted(set(folders))
    labelled = label != "none" and len(classes) >= 2 and "." not in folders
    if label not in ("auto", "folder", "none"):
        raise DataError(f"{root} is a folder of WAV files, whose only label is its sub-folders: use "
                        "--set data.label=folder (or auto)")
    labels = torch.tensor([classes.index(f) for f in folders]) if labelled else None
    return AudioData(waves, labels, classes if labelled else [], "folder" if labelled else "none", root.name, rate,
                     root, {})


def load_built(root: Path, split: str, length: int, rate: int, label: str, limit: int) -> AudioData:
    info = read_info(root)
    if info.get("sample_rate") != rate:
        raise DataError(f"{root} holds clips at {info.get('sample_rate')} Hz but the model reads {rate} Hz: train "
                        f"with --set model.sample_rate={info.get('sample_rate')}")
    names = info.get("labels", {})
    label = info.get("default_label", "") if label == "auto" else label
    if label != "none" and label not in names:
        raise DataError(f"{root} has no label {label!r}: use --set data.label= one of {', '.join(names) or 'none'}")
    labels_path = root / split / "labels.json"
    if not labels_path.is_file():
        raise DataError(f"{root / split} has no labels.json; the data set is incomplete: rebuild it with "
                        "`ganforge data build`")
    table = json.loads(labels_path.read_text())
    files = sorted(table)[:limit] if limit else sorted(table)
    if not files:
        raise DataError(f"{root / split} holds no clips: rebuild the set with a larger --n")
    waves = torch.from_numpy(np.stack([read_clip(root / split / f, rate, length) for f in files]))
    index = {key: {c: i for i, c in enumerate(classes)} for key, classes in names.items()}
    extra = {key: torch.tensor([index[key][str(table[f][key])] for f in files]) for key in names}
    labels = extra.get(label)
    return AudioData(waves, labels, list(names.get(label, [])), label, str(info.get("name", root.name)), rate,
                     root, extra)

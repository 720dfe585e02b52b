"""Music data as *voices*: ``[phrases, tracks, bars x steps]`` tokens (0 = rest, k = pitch ``low + k - 1``).

- ``jsb``: the JSB chorales (``$GANFORGE_DATA/jsb-chorales/Jsb16thSeparated.json``: per 16th note the
  four SATB pitches, -1/null for silence), train and test splits as published (valid is left out);
- ``folk``: monophonic tunes of a music21 corpus collection (``essenFolksong``, ``ryansMammoth``),
  each ABC tune parsed alone (fast) on a 16th grid and cached in ``$GANFORGE_CACHE/music``; every
  10th tune is the test set;
- ``midi``: a MIDI file or a folder of them (pretty_midi), quantised to the beat grid; non-drum
  instruments ordered from high to low fill the tracks (the rest merge into the last); every 10th
  file is the test set.

A track is monophonic: where one holds several pitches at once its highest sounds (the skyline).
Pitches outside ``low .. low + pitches - 1`` move by octaves into it. A held note and a repeated one
read alike (the JSB data has no onsets), so a note is a run of one pitch.
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from ganforge.errors import DataError
from ganforge.files import atomic_write, cache_dir
from ganforge.media.midi import MIDI_SUFFIXES, read_midi
from ganforge.music.config import DataConfig

JSB_FILE = "jsb-chorales/Jsb16thSeparated.json"
SATB = ("soprano", "alto", "tenor", "bass")
CHOIR_PROGRAMS = (52, 52, 52, 52)    # General MIDI "Choir Aahs"
FOLK_DEFAULT_LIMIT = 600
FOLK_FORMAT = 1


@dataclass
class MusicData:
    name: str
    train: torch.Tensor                 # long [N, tracks, steps]
    test: torch.Tensor                  # long [M, tracks, steps]
    track_names: Tuple[str, ...]
    programs: Tuple[int, ...]
    notes: List[str] = field(default_factory=list)

    @property
    def tracks(self) -> int:
        return self.train.shape[1]


def fold_pitch(p: np.ndarray, low: int, count: int) -> np.ndarray:
    """MIDI pitches (< 0: rest) as tokens, out-of-range pitches moved by octaves into range."""
    p = np.asarray(p, dtype=np.int64)
    rest = p < 0
    while (q := (~rest) & (p < low)).any():
        p = np.where(q, p + 12, p)
    while (q := (~rest) & (p >= low + count)).any():
        p = np.where(q, p - 12, p)
    return np.where(rest, 0, p - low + 1)


def phrases(piece: np.ndarray, cfg: DataConfig) -> List[np.ndarray]:
    """Cut a ``[tracks, steps]`` token array into phrases of ``bars`` bars, one every ``hop_bars``; silent ones dropped."""
    bar, length = cfg.steps_per_bar, cfg.bars * cfg.steps_per_bar
    out = [piece[:, s:s + length] for s in range(0, piece.shape[1] - length + 1, cfg.hop_bars * bar)]
    return [p for p in out if (p > 0).any()]


def stack(pieces: Sequence[np.ndarray], cfg: DataConfig, tracks: int, what: str) -> torch.Tensor:
    cut = [p for piece in pieces for p in phrases(piece, cfg)]
    if not cut:
        return torch.zeros(0, tracks, cfg.bars * cfg.steps_per_bar, dtype=torch.long)
    return torch.from_numpy(np.stack(cut)).long()


def data_folder(cfg: DataConfig) -> Path:
    root = cfg.dir or os.environ.get("GANFORGE_DATA")
    if not root:
        raise DataError("no data folder for jsb: pass --data-dir FOLDER (holding jsb-chorales/) or set GANFORGE_DATA")
    return Path(root)


def load_jsb(cfg: DataConfig) -> MusicData:
    path = data_folder(cfg) / JSB_FILE
    if not path.is_file():
        raise DataError(f"{path} does not exist: pass --data-dir FOLDER holding jsb-chorales/{Path(JSB_FILE).name} "
                        "(the JSB Chorales of Boulanger-Lewandowski 2012)")
    try:
        splits = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise DataError(f"{path} is not valid JSON ({e}); restore it from the data set") from None
    tracks = cfg.tracks or 4
    if tracks > 4:
        raise DataError(f"the JSB chorales have 4 voices, not {tracks}: set data.tracks to 4 or fewer")

    def pieces(split: str) -> List[np.ndarray]:
        out = []
        for piece in splits[split][: cfg.limit or None]:
            arr = np.array([[-1 if (v is None or v != v) else v for v in step[:4]] for step in piece], dtype=np.float64)
            out.append(fold_pitch(arr.T[:tracks], cfg.low, cfg.pitches))
        return out

    return MusicData("jsb", stack(pieces("train"), cfg, tracks, "train"), stack(pieces("test"), cfg, tracks, "test"),
                     SATB[:tracks], CHOIR_PROGRAMS[:tracks])


# ---------------------------------------------------------------------- MIDI files
def quantise(midi, cfg: DataConfig, tracks: int) -> np.ndarray:
    """A PrettyMIDI on the beat grid (``steps_per_bar / 4`` steps a beat) as ``[tracks, steps]`` tokens."""
    beats = midi.get_beats()
    if len(beats) < 2:
        beats = np.array([0.0, 60.0 / 120.0])
    per_beat = max(1, cfg.steps_per_bar // 4)
    end = midi.get_end_time()
    step_len = np.diff(beats).mean() / per_beat
    extra = max(0, int(np.ceil((end - beats[-1]) / (step_len * per_beat))) + 1)
    beats = np.concatenate([beats, beats[-1] + np.diff(beats).mean() * np.arange(1, extra + 1)])
    grid = np.concatenate([np.linspace(a, b, per_beat, endpoint=False) for a, b in zip(beats[:-1], beats[1:])])
    insts = sorted((i for i in midi.instruments if not i.is_drum and i.notes),
                   key=lambda i: -np.mean([n.pitch for n in i.notes]))
    groups = [insts[k:k + 1] for k in range(min(tracks - 1, len(insts)))] + [insts[tracks - 1:]] if tracks > 1 else [insts]
    roll = np.full((tracks, len(grid)), -1, dtype=np.int64)
    for t, group in enumerate(groups[:tracks]):
        for n in (n for inst in group for n in inst.notes):
            a, b = np.searchsorted(grid, [n.start - step_len / 2, n.end - step_len / 2])
            roll[t, a:max(b, a + 1)] = np.maximum(roll[t, a:max(b, a + 1)], n.pitch)
    return fold_pitch(roll, cfg.low, cfg.pitches)


def load_midi_folder(cfg: DataConfig) -> MusicData:
    if not cfg.path:
        raise DataError("data midi needs a file or folder: --data midi --set data.path=FOLDER (or --data FOLDER)")
    root = Path(cfg.path)
    if not root.exists():
        raise DataError(f"{root} does not exist: give a MIDI file or a folder of .mid files")
    tracks = cfg.tracks or 1
    if root.is_file():
        pieces, notes = [quantise(read_midi(root), cfg, tracks)], ["one MIDI file: its phrases are also the test set"]
        data = stack(pieces, cfg, tracks, "train")
        return MusicData("midi", data, data, tuple(f"track{k}" for k in range(tracks)), (0,) * tracks, notes)
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES and not p.name.startswith("."))
    good, bad = [], []
    for p in files:
        try:
            good.append((p, quantise(read_midi(p), cfg, tracks)))
        except DataError as e:
            bad.append(str(e).split(":")[0] + f" ({str(e).split(': ')[0].split(' ', 1)[-1]})")
    if cfg.limit:
        good = good[: cfg.limit]
    if not good:
        why = f" ({len(bad)} unreadable or without notes)" if bad else ""
        raise DataError(f"{root} holds no usable MIDI files{why}: put .mid files with notes in it")
    notes = [f"skipped {len(bad)} MIDI file(s) that are unreadable or have no notes, e.g. {bad[0]}"] if bad else []
    test = [a for k, (_, a) in enumerate(good) if k % 10 == 9]
    train = [a for k, (_, a) in enumerate(good) if k % 10 != 9]
    if not test:
        test, notes = train, notes + ["fewer than 10 files: the test set is the training set"]
    return MusicData("midi", stack(train, cfg, tracks, "train"), stack(test, cfg, tracks, "test"),
                     tuple(f"track{k}" for k in range(tracks)), (0,) * tracks, notes)


# ---------------------------------------------------------------------- music21 folk tunes
def folk_tunes(collection: str) -> List[Tuple[str, str]]:
    """(file name, ABC text) of every tune of a music21 corpus collection, in corpus order."""
    from music21 import corpus

    paths = sorted(str(p) for p in corpus.getComposer(collection) if str(p).endswith(".abc"))
    if not paths:
        raise DataError(f"music21's corpus has no ABC collection {collection!r}: use essenFolksong or ryansMammoth")
    out = []
    for p in paths:
        text = Path(p).read_text(encoding="latin-1")
        out += [(Path(p).name, t) for t in re.split(r"\n(?=X:)", text) if t.lstrip().startswith("X:")]
    return out


def parse_tune(abc: str, steps_per_quarter: int) -> Optional[np.ndarray]:
    """One ABC tune as MIDI pitches per step (-1 rest), or None where music21 cannot read it."""
    from music21 import converter

    try:
        score = converter.parse(abc, format="abc")
        events = [(float(n.offset), float(n.quarterLength), -1 if n.isRest else max(p.midi for p in n.pitches))
                  for n in score.flatten().notesAndRests]
    except Exception:   # music21 raises many kinds on odd ABC; such a tune is left out
        return None
    if not events:
        return None
    end = max(o + d for o, d, _ in events)
    out = np.full(int(round(end * steps_per_quarter)), -1, dtype=np.int64)
    for offset, length, pitch in events:
        a = int(round(offset * steps_per_quarter))
        out[a:max(a + 1, int(round((offset + length) * steps_per_quarter)))] = pitch
    return out


def load_folk(cfg: DataConfig, quiet: bool = True) -> MusicData:
    limit = cfg.limit or FOLK_DEFAULT_LIMIT
    spq = max(1, cfg.steps_per_bar // 4)
    cache = cache_dir() / "music" / f"folk-{cfg.collection}-{limit}-{spq}-v{FOLK_FORMAT}.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as f:
            melodies = [f[k] for k in sorted(f.files)]
    else:
        from tqdm import tqdm

        tunes = folk_tunes(cfg.collection)[:limit]
        parsed = [parse_tune(abc, spq) for _, abc in tqdm(tunes, desc=f"reading {cfg.collection}", disable=quiet,
                                                          file=sys.stderr)]
        melodies = [m for m in parsed if m is not None]
        atomic_write(cache, lambda tmp: np.savez(open(tmp, "wb"), **{f"t{k:05d}": m for k, m in enumerate(melodies)}))
    pieces = [fold_pitch(m[None], cfg.low, cfg.pitches) for m in melodies]
    tracks = cfg.tracks or 1
    if tracks != 1:
        raise DataError("folk tunes are melodies (one track): set data.tracks to 1")
    train = [p for k, p in enumerate(pieces) if k % 10 != 9]
    test = [p for k, p in enumerate(pieces) if k % 10 == 9] or train
    return MusicData("folk", stack(train, cfg, 1, "train"), stack(test, cfg, 1, "test"), ("melody",), (73,))


def load_music(cfg: DataConfig, quiet: bool = True) -> MusicData:
    """The data set of a config, checked to hold at least one phrase."""
    data = {"jsb": load_jsb, "midi": load_midi_folder}.get(cfg.name, lambda c: load_folk(c, quiet))(cfg)
    if len(data.train) == 0:
        raise DataError(f"data {cfg.name} has no phrase of {cfg.bars} bars x {cfg.steps_per_bar} steps: "
                        "lower data.bars or give longer pieces")
    return data

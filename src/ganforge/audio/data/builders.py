"""Audio data sets built offline: rendered instrument notes and synthetic spoken digits, deterministic and checksummed.

    ganforge data build notes --out data/notes                 # [--n 8] [--seed 0]
    ganforge data build spoken-digits --out data/digits        # needs espeak-ng (apt-get install espeak-ng)

- ``notes``: a small NSynth-like set. Five General MIDI instruments (piano, nylon guitar, violin,
  trumpet, flute) x MIDI pitches 48-72, each note rendered by fluidsynth with the soundfont that the
  ``pretty_midi`` wheel bundles, held 0.4-0.9 s from the clip's start at a seeded velocity, its
  loudness scaled by the velocity. ``--n`` clips per (instrument, pitch) in ``train/`` and a quarter
  of that (at least 2) in ``test/``, drawn independently. Labels: ``pitch``, ``instrument``.
- ``spoken-digits``: "zero" to "nine" spoken by espeak-ng, a formant synthesiser: SYNTHETIC SPEECH,
  not recordings of people (SC09, the set of WaveGAN's paper, is recorded speech). Seven English
  accents x voice variants, seeded speed (110-210 words a minute) and pitch (20-80); the test split
  uses voice variants that the training split never has. ``--n`` clips per digit in ``train/``, a
  quarter in ``test/``. Labels: ``digit``.

Every clip is 16384 samples (1.024 s) of 16-bit mono PCM at 16 kHz, in ``SPLIT/NNNNN.wav``, with
``SPLIT/labels.json`` (file -> labels). ``dataset.json`` records the options, the label names, the
sources (soundfont sha256, synthesiser versions) and says ``synthetic``; ``SHA256SUMS`` covers every
file (written and checked by :mod:`ganforge.datasets.built`). The same command on the same
fluidsynth or espeak-ng gives the same bytes.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from ganforge.datasets.built import check_target, publish
from ganforge.errors import DataError, GanforgeError
from ganforge.files import file_digest
from ganforge.media.audio import read_wav, write_wav
from ganforge.registry import Registry
from ganforge.version import __version__

FORMAT = "ganforge-audio-data/1"
RATE, LENGTH = 16000, 16384
INSTRUMENTS = {"piano": 0, "guitar": 24, "violin": 40, "trumpet": 56, "flute": 73}   # General MIDI programs
PITCHES = tuple(range(48, 73))
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029")
TRAIN_VOICES = ("m1", "m2", "m3", "m4", "m5", "f1", "f2", "f3", "klatt", "klatt2", "croak", "edward", "linda")
TEST_VOICES = ("m6", "m7", "f4", "f5", "klatt3")
SYNTHETIC = "synthetic speech (espeak-ng formant synthesis), not recordings of people"
BUILDERS = Registry("audio data set")

Clip = Tuple[np.ndarray, Dict[str, object]]   # (float32 [LENGTH], labels)


@dataclass(frozen=True)
class Options:
    n: int = 8                                    # clips per class in train/ (a quarter, at least 2, in test/)
    seed: int = 0
    instruments: Tuple[str, ...] = tuple(INSTRUMENTS)   # notes: a subset makes a smaller set
    pitches: Tuple[int, ...] = PITCHES


@dataclass
class AudioBuilder:
    name: str
    description: str
    labels: Callable[["Options"], Dict[str, List[str]]]         # label -> class names
    splits: Callable[["Options", Dict[str, str]], Dict[str, Tuple[int, Callable[[], Iterator[Clip]]]]]
    default_label: str
    note: str = ""


def register_builder(name: str, description: str, labels, default_label: str, note: str = ""):
    def decorate(splits):
        BUILDERS.register(name)(AudioBuilder(name, description, labels, splits, default_label, note))
        return splits
    return decorate


def fit(x: np.ndarray, peak: float = 0.9) -> np.ndarray:
    """A clip cut or padded to LENGTH samples, peaking at ``peak`` (silence stays silence)."""
    out = np.zeros(LENGTH, np.float32)
    x = np.asarray(x, np.float64)[:LENGTH]
    top = float(np.abs(x).max()) if x.size else 0.0
    out[:len(x)] = x * (peak / top) if top > 0 else x
    return out


def split_rng(seed: int, split: str) -> np.random.Generator:
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(split.encode()).digest()[:4], "big")])


# ---- notes -----------------------------------------------------------------------------------------------------

def render_note(program: int, pitch: int, velocity: int, held: float) -> np.ndarray:
    import pretty_midi

    from ganforge.media.audio import render_midi

    midi = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(program=program)
    inst.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=0.0, end=held))
    midi.instruments.append(inst)
    return render_midi(midi, RATE, engine="fluidsynth").samples


@register_builder("notes", "notes of 5 General MIDI instruments x pitches 48-72 rendered by fluidsynth (1 s, 16 kHz)",
                  lambda o: {"pitch": [str(p) for p in o.pitches], "instrument": list(o.instruments)}, "pitch",
                  note="synthetic notes: fluidsynth playing the General MIDI soundfont TimGM6mb")
def notes(opts: Options, sources: Dict[str, str]):
    from ganforge.media.audio import fluidsynth_available, soundfont_path

    if not fluidsynth_available():
        raise DataError("the notes set is rendered by fluidsynth, which is not installed: apt-get install fluidsynth "
                        "(the Python binding pyfluidsynth comes with ganforge)")
    sources["soundfont/TimGM6mb.sf2"] = file_digest(soundfont_path(), "sha256")
    out = {}
    for split, per in (("train", opts.n), ("test", max(1, opts.n // 4))):
        rng = split_rng(opts.seed, split)
        plan = [(name, INSTRUMENTS[name], p, int(rng.integers(50, 128)), float(rng.uniform(0.4, 0.9)))
                for name in opts.instruments for p in opts.pitches for _ in range(per)]

        def clips(plan=plan) -> Iterator[Clip]:
            for name, prog, pitch, velocity, held in plan:
                wave = fit(render_note(prog, pitch, velocity, held), 0.9 * (0.5 + 0.5 * velocity / 127))
                yield wave, {"pitch": pitch, "instrument": name, "velocity": velocity, "held": round(held, 3)}
        out[split] = (len(plan), clips)
    return out


# ---- spoken digits -----------------------------------------------------------------------------------------------

def espeak() -> str:
    found = shutil.which("espeak-ng")
    if not found:
        raise DataError("spoken-digits needs the espeak-ng speech synthesiser, which is not installed: "
                        "apt-get install espeak-ng")
    return found


def speak(word: str, voice: str, speed: int, pitch: int, tmp: Path) -> np.ndarray:
    """One word by espeak-ng (22,050 Hz) resampled to 16 kHz, leading silence trimmed."""
    from scipy.signal import resample_poly

    path = tmp / "word.wav"
    done = subprocess.run([espeak(), "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), word],
                          capture_output=True, text=True, timeout=60)
    if done.returncode or not path.is_file():
        raise GanforgeError(f"espeak-ng failed on voice {voice}: {done.stderr.strip()[:200]}; check the espeak-ng "
                            "install (espeak-ng --voices=en)")
    wav = read_wav(path)
    x = resample_poly(wav.samples.astype(np.float64), 320, 441)
    loud = np.flatnonzero(np.abs(x) > 0.02 * max(float(np.abs(x).max()), 1e-9))
    return x[max(0, loud[0] - 160):] if loud.size else x


def espeak_version() -> str:
    done = subprocess.run([espeak(), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


@register_builder("spoken-digits", f"'zero'..'nine' spoken by espeak-ng in many voices: {SYNTHETIC}",
                  lambda o: {"digit": [str(d) for d in range(10)]}, "digit", note=SYNTHETIC)
def spoken_digits(opts: Options, sources: Dict[str, str]):
    sources["espeak-ng"] = espeak_version()
    out = {}
    for split, per, voices in (("train", opts.n, TRAIN_VOICES), ("test", max(1, opts.n // 4), TEST_VOICES)):
        rng = split_rng(opts.seed, split)
        plan = [(digit, f"{ACCENTS[rng.integers(len(ACCENTS))]}+{voices[rng.integers(len(voices))]}",
                 int(rng.integers(110, 211)), int(rng.integers(20, 81))) for digit in range(10) for _ in range(per)]

        def clips(plan=plan) -> Iterator[Clip]:
            with tempfile.TemporaryDirectory() as tmp:
                for digit, voice, speed, pitch in plan:
                    wave = fit(speak(DIGITS[digit], voice, speed, pitch, Path(tmp)))
                    yield wave, {"digit": digit, "voice": voice, "speed": speed, "pitch": pitch}
        out[split] = (len(plan), clips)
    return out


# ---- writing -------------------------------------------------------------------------------------------------------

def build(name: str, out: str | Path, n: int = 8, seed: int = 0, overwrite: bool = False, progress: bool = True,
          instruments: Sequence[str] = tuple(INSTRUMENTS), pitches: Sequence[int] = PITCHES) -> Dict[str, object]:
    """Build audio data set ``name`` into ``out`` and verify it; returns its dataset.json. ``instruments`` and
    ``pitches`` (notes) choose a subset, for a smaller set."""
    import json

    builder: AudioBuilder = BUILDERS.get(name)
    if not 1 <= n <= 1000:
        raise DataError(f"--n {n} is out of range: give 1 to 1000 clips per class")
    unknown = [i for i in instruments if i not in INSTRUMENTS] + [str(p) for p in pitches if p not in PITCHES]
    if unknown or not instruments or not pitches:
        raise DataError(f"notes has instruments {', '.join(INSTRUMENTS)} and pitches {PITCHES[0]}-{PITCHES[-1]}; "
                        f"{unknown[0] if unknown else 'an empty choice'} is not one of them")
    opts = Options(n, seed, tuple(instruments), tuple(sorted(set(pitches))))
    out = Path(out)
    check_target(out, overwrite)
    sources: Dict[str, str] = {}
    splits = builder.splits(opts, sources)

    def fill(tmp: Path) -> Dict[str, object]:
        with tqdm(total=sum(c for c, _ in splits.values()), desc=f"build {name}", unit="clip",
                  disable=None if progress else True) as bar:
            for split, (count, clips) in splits.items():
                folder = tmp / split
                folder.mkdir()
                labels = {}
                for k, (wave, label) in enumerate(clips()):
                    write_wav(folder / f"{k:05d}.wav", wave, RATE)
                    labels[f"{k:05d}.wav"] = label
                    bar.update(1)
                (folder / "labels.json").write_text(json.dumps(labels, indent=0, sort_keys=True) + "\n")
        return {"format": FORMAT, "name": name, "kind": "audio", "description": builder.description,
                "synthetic": builder.note or "rendered offline by a synthesiser", "sample_rate": RATE,
                "length": LENGTH, "labels": builder.labels(opts), "default_label": builder.default_label,
                "options": {"n": n, "seed": seed, **({"instruments": list(opts.instruments), "pitches": list(opts.pitches)}
                                                   if name == "notes" else {})}, "counts": {s: c for s, (c, _) in splits.items()},
                "sources": dict(sorted(sources.items())), "ganforge_version": __version__}

    return publish(out, fill)

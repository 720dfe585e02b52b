"""Writing samples to files by suffix: one registry of media writers shared by `sample`, trainers and the studio.

    save_samples(images, "grid.png")            # image grid
    save_samples(images, "walk.gif")            # one frame per image
    save_samples(sentences, "samples.txt")      # one sentence per line

A writer is registered for a suffix and a kind of sample (``images``: uint8 ``[N, C, H, W]``;
``text``: a list of strings; ``music``: a list of ``pretty_midi.PrettyMIDI`` songs; ``audio``: float
waveforms ``[N, T]`` in [-1, 1] with a ``rate``); the coming families add theirs (``.mp4``) the same
way. A suffix no writer of that kind takes is a one-line error listing the ones that do.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import numpy as np

from ganforge.errors import GanforgeError
from ganforge.files import atomic_write_text
from ganforge.media import audio
from ganforge.media import images as img
from ganforge.media import midi as mid


@dataclass(frozen=True)
class Writer:
    kind: str
    suffix: str
    write: Callable[..., Path]
    description: str


WRITERS: Dict[Tuple[str, str], Writer] = {}


def register_writer(kind: str, suffix: str, description: str):
    """Decorator: ``@register_writer("images", ".png", "a grid")`` on ``write(samples, path, **options) -> Path``."""

    def decorate(fn: Callable[..., Path]) -> Callable[..., Path]:
        WRITERS[(kind, suffix)] = Writer(kind, suffix, fn, description)
        return fn

    return decorate


def suffixes(kind: str) -> Dict[str, str]:
    return {w.suffix or "(folder)": w.description for (k, _), w in sorted(WRITERS.items()) if k == kind}


def save_samples(samples: Any, out: str | Path, kind: str = "images", **options: Any) -> Path:
    """Write ``samples`` of a kind to ``out`` with the writer of its suffix (no suffix: a folder)."""
    out = Path(out)
    writer = WRITERS.get((kind, out.suffix.lower()))
    if writer is None:
        choices = ", ".join(f"{s} ({d})" for s, d in suffixes(kind).items())
        raise GanforgeError(f"cannot write {kind} to {out}: use {choices}")
    return writer.write(samples, out, **options)


@register_writer("images", ".png", "a grid")
def _png(images, path: Path, labels=None, nrow=None, **_) -> Path:
    return img.save_grid(images, path, nrow)


@register_writer("images", ".npz", "uint8 array and labels")
def _npz(images, path: Path, labels=None, **_) -> Path:
    return img.save_npz(images, path, labels)


@register_writer("images", "", "one PNG per sample")
def _folder(images, path: Path, labels=None, **_) -> Path:
    return img.save_folder(images, path, labels)


@register_writer("images", ".gif", "an animation, one frame per image")
def _gif(images, path: Path, scale: int = 4, **_) -> Path:
    return img.save_gif([img.make_grid(f[None], nrow=1, padding=0) for f in images], path, scale=scale)


@register_writer("text", ".txt", "one sentence per line")
def _txt(lines, path: Path, **_) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


@register_writer("music", ".mid", "the songs one after another, a second apart")
def _mid(songs, path: Path, gap: float = 1.0, **_) -> Path:
    return mid.write_midi(mid.concatenate(songs, gap), path)


@register_writer("music", ".wav", "the songs rendered to 16-bit PCM (fluidsynth or the built-in synthesiser)")
def _music_wav(songs, path: Path, rate: int = 22050, gap: float = 1.0, engine: str = "auto", **_) -> Path:
    sound = audio.render_midi(mid.concatenate(songs, gap), rate, engine)
    return audio.write_wav(path, sound.samples, sound.rate)


@register_writer("music", ".png", "piano rolls, one row per song")
def _roll(songs, path: Path, scale: int = 3, **_) -> Path:
    return img.save_png(mid.roll_image(songs), path, scale)


@register_writer("music", "", "sample_NNN.mid, .wav and .png per song")
def _music_folder(songs, path: Path, **options) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i, song in enumerate(songs):
        for suffix in (".mid", ".wav", ".png"):
            WRITERS[("music", suffix)].write([song], path / f"sample_{i:03d}{suffix}", **options)
    return path


@register_writer("audio", ".wav", "the clips one after another, a quarter second apart")
def _audio_wav(clips, path: Path, rate: int = 16000, gap: float = 0.25, **_) -> Path:
    silence = np.zeros(int(gap * rate), dtype=np.float32)
    parts = [p for c in clips for p in (np.asarray(c, dtype=np.float32).reshape(-1), silence)][:-1]
    return audio.write_wav(path, np.concatenate(parts) if parts else silence[:0], rate)


@register_writer("audio", "", "sample_NNN.wav per clip")
def _audio_folder(clips, path: Path, rate: int = 16000, **_) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i, clip in enumerate(clips):
        audio.write_wav(path / f"sample_{i:03d}.wav", np.asarray(clip, dtype=np.float32).reshape(-1), rate)
    return path

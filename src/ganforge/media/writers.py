"""Writing samples to files by suffix: one registry of media writers shared by `sample`, trainers and the studio.

    save_samples(images, "grid.png")            # image grid
    save_samples(images, "walk.gif")            # one frame per image
    save_samples(sentences, "samples.txt")      # one sentence per line

A writer is registered for a suffix and a kind of sample (``images``: uint8 ``[N, C, H, W]``;
``text``: a list of strings; ``clips``: uint8 ``[N, T, C, H, W]`` as .gif, .mp4 or .png frame strips;
``music``: a list of ``pretty_midi.PrettyMIDI`` songs; ``audio``: float waveforms ``[N, T]`` in [-1, 1] with a
``rate``). A suffix no writer of that kind takes is a one-line error listing the ones that do.

Given an ``origin`` (:class:`ganforge.provenance.Origin`), every file written is then marked: a
watermark and a signed C2PA manifest, or a signed ``FILE.provenance.json`` sidecar
(:mod:`ganforge.provenance`); ``origin=None`` (``--no-provenance``) writes the bare files.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

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
    files: Optional[Callable[..., List[Path]]] = None   # the files a write made (default: the path it returned)


WRITERS: Dict[Tuple[str, str], Writer] = {}


def register_writer(kind: str, suffix: str, description: str, files: Optional[Callable[..., List[Path]]] = None):
    """Decorator: ``@register_writer("images", ".png", "a grid")`` on ``write(samples, path, **options) -> Path``;
    ``files(samples, path, **options)`` lists the files of a writer that writes several (a folder)."""

    def decorate(fn: Callable[..., Path]) -> Callable[..., Path]:
        WRITERS[(kind, suffix)] = Writer(kind, suffix, fn, description, files)
        return fn

    return decorate


def suffixes(kind: str) -> Dict[str, str]:
    return {w.suffix or "(folder)": w.description for (k, _), w in sorted(WRITERS.items()) if k == kind}


def save_samples(samples: Any, out: str | Path, kind: str = "images", origin: Any = None, **options: Any) -> Path:
    """Write ``samples`` of a kind to ``out`` with the writer of its suffix (no suffix: a folder), then mark every
    file written with the provenance of ``origin`` (None: no provenance)."""
    out = Path(out)
    writer = WRITERS.get((kind, out.suffix.lower()))
    if writer is None:
        choices = ", ".join(f"{s} ({d})" for s, d in suffixes(kind).items())
        raise GanforgeError(f"cannot write {kind} to {out}: use {choices}")
    path = writer.write(samples, out, **options)
    if origin is not None:
        from ganforge.provenance import mark_files

        mark_files(writer.files(samples, path, **options) if writer.files else [path], origin)
    return path


@register_writer("images", ".png", "a grid")
def _png(images, path: Path, labels=None, nrow=None, **_) -> Path:
    return img.save_grid(images, path, nrow)


@register_writer("images", ".npz", "uint8 array and labels")
def _npz(images, path: Path, labels=None, **_) -> Path:
    return img.save_npz(images, path, labels)


def _folder_files(images, path: Path, labels=None, **_) -> List[Path]:
    return [path / name for name in img.folder_names(len(images), labels)]


@register_writer("images", "", "one PNG per sample", files=_folder_files)
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


# clips: uint8 [N, T, C, H, W] (the video family's samples), every clip's frame t side by side in frame t
@register_writer("clips", ".gif", "an animation of the clips side by side")
def _clips_gif(clips, path: Path, scale: int = 2, fps: int = 8, **_) -> Path:
    from ganforge.media import video

    return video.save_clips_gif(clips, path, fps=fps, scale=scale)


@register_writer("clips", ".mp4", "an H.264 video of the clips side by side")
def _clips_mp4(clips, path: Path, scale: int = 2, fps: int = 8, **_) -> Path:
    from ganforge.media import video

    return video.save_clips_mp4(clips, path, fps=fps, scale=scale)


@register_writer("clips", ".png", "a strip: one clip a row, one frame a column")
def _clips_strip(clips, path: Path, scale: int = 2, **_) -> Path:
    from ganforge.media import video

    return video.save_clips_strip(clips, path, scale=scale)


@register_writer("clips", ".npz", "uint8 clips [N, T, H, W, C] and labels")
def _clips_npz(clips, path: Path, labels=None, **_) -> Path:
    from ganforge.media import video

    return video.save_clips_npz(clips, path, labels)


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


def _music_folder_files(songs, path: Path, **_) -> List[Path]:
    return [path / f"sample_{i:03d}{suffix}" for i in range(len(songs)) for suffix in (".mid", ".wav", ".png")]


@register_writer("music", "", "sample_NNN.mid, .wav and .png per song", files=_music_folder_files)
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


def _audio_folder_files(clips, path: Path, **_) -> List[Path]:
    return [path / f"sample_{i:03d}.wav" for i in range(len(clips))]


@register_writer("audio", "", "sample_NNN.wav per clip", files=_audio_folder_files)
def _audio_folder(clips, path: Path, rate: int = 16000, **_) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i, clip in enumerate(clips):
        audio.write_wav(path / f"sample_{i:03d}.wav", np.asarray(clip, dtype=np.float32).reshape(-1), rate)
    return path

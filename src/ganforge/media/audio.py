"""Sound files and MIDI rendering: 16-bit PCM WAV in and out, MIDI to a waveform.

    write_wav("a.wav", samples, 16000)             # float samples in [-1, 1], mono [T] or [T, channels]
    wav = read_wav("a.wav", expect_rate=16000)      # Wav(samples float32, rate); another rate is a DataError
    sound = render_midi(pretty_midi_obj, 16000)     # Rendered(samples, rate, engine)

``render_midi`` plays the notes through fluidsynth with the General MIDI soundfont that the
``pretty_midi`` wheel bundles (``TimGM6mb.sf2``); where fluidsynth (the Debian package and its
Python binding) is missing it falls back to the project's own small additive synthesiser, and
``Rendered.engine`` says which one played (``"fluidsynth"`` or ``"additive"``).
"""
from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ganforge.errors import DataError, GanforgeError
from ganforge.files import atomic_write

MIN_RATE, MAX_RATE = 1000, 192000
ENGINES = ("auto", "fluidsynth", "additive")


@dataclass(frozen=True)
class Wav:
    samples: np.ndarray   # float32 in [-1, 1], [T] (mono) or [T, channels]
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


@dataclass(frozen=True)
class Rendered(Wav):
    engine: str = "additive"


def _check_rate(rate) -> int:
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or not MIN_RATE <= int(rate) <= MAX_RATE:
        raise GanforgeError(f"sample rate {rate!r} is not valid: give a whole number of Hz from {MIN_RATE} to {MAX_RATE}")
    return int(rate)


def to_pcm16(samples) -> np.ndarray:
    """Float samples (clipped to [-1, 1]) as little-endian int16; NaN or infinity is an error."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim not in (1, 2) or (x.ndim == 2 and not 1 <= x.shape[1] <= 8):
        raise GanforgeError(f"audio samples of shape {x.shape} cannot be written: give [time] or [time, channels<=8]")
    if not np.isfinite(x).all():
        raise GanforgeError("audio samples contain NaN or infinity: the generator diverged; sample an earlier checkpoint")
    return np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2")


def write_wav(path: str | Path, samples, rate: int) -> Path:
    """Write mono ``[T]`` or ``[T, channels]`` float samples as 16-bit PCM at ``rate`` Hz (atomically)."""
    rate, pcm, path = _check_rate(rate), to_pcm16(samples), Path(path)

    def write(tmp: Path) -> None:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())

    atomic_write(path, write)
    return path


def wav_bytes(samples, rate: int) -> bytes:
    """The bytes of a 16-bit PCM WAV file (for the studio, which serves them without a file)."""
    import io

    rate, pcm, buf = _check_rate(rate), to_pcm16(samples), io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def read_wav(path: str | Path, expect_rate: Optional[int] = None) -> Wav:
    """Read an 8- or 16-bit PCM WAV as float32 in [-1, 1]; with ``expect_rate``, another rate is a DataError."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist: give the path of a .wav file")
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as e:
        raise DataError(f"{path} is not a readable PCM WAV file ({e}): re-export it as 16-bit PCM WAV") from None
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise DataError(f"{path} has {8 * width}-bit samples: re-export it as 16-bit PCM WAV")
    if expect_rate is not None and rate != int(expect_rate):
        raise DataError(f"{path} is sampled at {rate} Hz, not {int(expect_rate)} Hz: resample it "
                        f"(e.g. ffmpeg -i in.wav -ar {int(expect_rate)} out.wav) or set the data's rate to {rate}")
    x = x[: len(x) - len(x) % channels].reshape(-1, channels)
    return Wav(x[:, 0].copy() if channels == 1 else x, rate)


# --- rendering MIDI ---------------------------------------------------------------------------------

def soundfont_path() -> Path:
    """The General MIDI soundfont bundled in the pretty_midi wheel."""
    import pretty_midi

    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


def fluidsynth_available() -> bool:
    """Whether fluidsynth (libfluidsynth and pyfluidsynth) and the bundled soundfont can be used."""
    try:
        import fluidsynth  # noqa: F401  (pyfluidsynth; fails without the Debian library)
    except (ImportError, OSError):
        return False
    return soundfont_path().is_file()


def midi_hz(pitch) -> np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


def additive(midi, rate: int, harmonics=(1.0, 0.45, 0.2, 0.1), release: float = 0.06) -> np.ndarray:
    """The project's own synthesiser: each note a few harmonics under an attack/decay/release envelope."""
    notes = [(n, inst.is_drum) for inst in midi.instruments for n in inst.notes]
    end = max((n.end for n, _ in notes), default=0.0)
    out = np.zeros(int(np.ceil((end + release) * rate)) + 1, dtype=np.float64)
    for note, drum in notes:
        start, length = int(note.start * rate), int((note.end - note.start + release) * rate)
        if length <= 0:
            continue
        t = np.arange(length) / rate
        held = note.end - note.start
        env = np.minimum(1.0, t / 0.01) * np.exp(-1.5 * t)
        env *= np.clip(1.0 - (t - held) / release, 0.0, 1.0)
        if drum:
            tone = np.random.default_rng(note.pitch).uniform(-1, 1, length) * np.exp(-30 * t)
        else:
            f = midi_hz(note.pitch)
            tone = sum(a * np.sin(2 * np.pi * f * (k + 1) * t) for k, a in enumerate(harmonics) if f * (k + 1) < rate / 2)
        stop = min(len(out), start + length)
        out[start:stop] += (note.velocity / 127.0) * (env * tone)[: stop - start]
    return out


def render_midi(midi, rate: int = 22050, engine: str = "auto") -> Rendered:
    """Render a ``pretty_midi.PrettyMIDI`` to mono float32 peaking at 0.9 (silence stays silence).

    ``engine``: ``"fluidsynth"`` (the bundled GM soundfont; an error if it is not installed),
    ``"additive"`` (the built-in synthesiser) or ``"auto"`` (fluidsynth where available).
    """
    rate = _check_rate(rate)
    if engine not in ENGINES:
        raise GanforgeError(f"unknown audio engine {engine!r}: use one of {', '.join(ENGINES)}")
    use_fluid = engine == "fluidsynth" or (engine == "auto" and fluidsynth_available())
    if use_fluid and not fluidsynth_available():
        raise GanforgeError("fluidsynth is not installed: install it (apt-get install fluidsynth; pip install "
                            "pyfluidsynth) or render with engine 'additive'")
    has_notes = any(inst.notes for inst in midi.instruments)
    if use_fluid and has_notes:
        x = np.asarray(midi.fluidsynth(fs=rate, synthesizer=str(soundfont_path())), dtype=np.float64)
    else:
        x = additive(midi, rate) if has_notes else np.zeros(0)
    peak = float(np.abs(x).max()) if x.size else 0.0
    x = x * (0.9 / peak) if peak > 0 else x
    return Rendered(x.astype(np.float32), rate, "fluidsynth" if use_fluid else "additive")

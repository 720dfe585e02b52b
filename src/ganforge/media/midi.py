"""MIDI files and piano-roll pictures, shared by every family that makes music.

    midi = read_midi("song.mid")            # pretty_midi.PrettyMIDI; corrupt or note-less files are DataErrors
    write_midi(midi, "out.mid")             # written atomically; opens again in pretty_midi and mido
    song = concatenate([a, b], gap=1.0)     # one after the other, a second of silence between
    image = roll_image([a, b])              # uint8 [H, W, 3]: one coloured piano roll per song, stacked

A song is a ``pretty_midi.PrettyMIDI``: the common currency of the ``music`` sample writers.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

import numpy as np

from ganforge.errors import DataError
from ganforge.files import atomic_write

MIDI_SUFFIXES = {".mid", ".midi"}
TRACK_COLOURS = np.array([[230, 80, 70], [240, 190, 60], [80, 190, 110], [70, 140, 230],
                          [190, 100, 220], [120, 220, 220]], dtype=np.float32)


def read_midi(path: str | Path):
    """Read a MIDI file; one that does not parse, or has no notes, is a one-line DataError."""
    import pretty_midi

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist: give the path of a .mid file")
    try:
        midi = pretty_midi.PrettyMIDI(str(path))
    except Exception as e:   # mido/pretty_midi raise OSError, EOFError, ValueError, KeyError, IndexError ...
        raise DataError(f"{path} is not a readable MIDI file ({type(e).__name__}: {str(e)[:80]}): "
                        "re-export it as a standard MIDI file (.mid) or remove it") from None
    if not any(inst.notes for inst in midi.instruments):
        raise DataError(f"{path} has no notes: remove it from the folder or export the tracks that hold notes")
    return midi


def write_midi(midi, path: str | Path) -> Path:
    """Write a PrettyMIDI to ``path`` atomically."""
    path = Path(path)
    atomic_write(path, lambda tmp: midi.write(str(tmp)))
    return path


def concatenate(songs: Sequence, gap: float = 1.0):
    """The songs one after another with ``gap`` seconds between; tracks merged by name, program and drum flag."""
    import pretty_midi

    out = pretty_midi.PrettyMIDI(initial_tempo=_tempo(songs[0]) if songs else 120.0)
    tracks = {}
    offset = 0.0
    for song in songs:
        for inst in song.instruments:
            key = (inst.name, inst.program, inst.is_drum)
            if key not in tracks:
                tracks[key] = pretty_midi.Instrument(inst.program, is_drum=inst.is_drum, name=inst.name)
                out.instruments.append(tracks[key])
            tracks[key].notes.extend(pretty_midi.Note(n.velocity, n.pitch, n.start + offset, n.end + offset)
                                     for n in inst.notes)
        offset += max(song.get_end_time(), 0.0) + gap
    return out


def _tempo(song) -> float:
    _, tempi = song.get_tempo_changes()
    return float(tempi[0]) if len(tempi) else 120.0


def roll_image(songs: Sequence, steps_per_second: float = 8.0, gap_rows: int = 2, min_width: int = 16) -> np.ndarray:
    """One piano roll per song (time across, pitch up, a colour per track), stacked; uint8 [H, W, 3]."""
    pitches = [n.pitch for s in songs for i in s.instruments for n in i.notes]
    low, high = (min(pitches) - 2, max(pitches) + 2) if pitches else (58, 70)
    height = high - low + 1
    width = max([min_width] + [int(np.ceil(s.get_end_time() * steps_per_second)) + 1 for s in songs])
    rows: List[np.ndarray] = []
    for song in songs:
        img = np.full((height, width, 3), 24.0, dtype=np.float32)
        img[[high - p for p in range(low, high + 1) if p % 12 == 0]] = 48.0     # a line at every C
        for k, inst in enumerate(song.instruments):
            colour = TRACK_COLOURS[k % len(TRACK_COLOURS)]
            for n in inst.notes:
                a = int(round(n.start * steps_per_second))
                b = max(a + 1, int(round(n.end * steps_per_second)))
                img[high - n.pitch, a:b] = colour * (0.5 + 0.5 * n.velocity / 127.0)
                img[high - n.pitch, a] = np.minimum(255.0, colour * 1.25)        # onsets brighter
        rows.append(img)
        rows.append(np.full((gap_rows, width, 3), 255.0, dtype=np.float32))
    return np.concatenate(rows[:-1] or [np.zeros((height, width, 3), np.float32)]).astype(np.uint8)

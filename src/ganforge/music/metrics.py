"""Music statistics of voices (``[N, tracks, steps]`` tokens), registered with the metrics core (modality ``music``).

MuseGAN's (Dong et al. 2018), per track:

- ``eb``: empty bars, the share of bars in which the track plays nothing;
- ``upc``: used pitch classes per bar (0-12), over the bars in which the track plays;
- ``qn``: qualified notes, the share of notes at least 3 time steps long (a note: a run of one pitch);
- ``tonal_distance``: per track pair, the distance of the two tracks' tonal centroids (Harte et al. 2006:
  a bar's chroma projected on the circles of fifths, minor and major thirds), over bars where both play.

C-RNN-GAN's and MidiNet's, over the phrase:

- ``polyphony``: the share of time steps at which two or more distinct pitches sound (across tracks);
- ``scale_consistency``: the share of sounding steps in the best-fitting major scale, per phrase;
- ``repetitions``: repeated 4-note patterns per track and phrase (4-grams of note pitches seen before);
- ``tone_span``: highest minus lowest pitch, in semitones, per track and phrase;
- ``pitch_entropy``: the entropy (bits) of a phrase's pitch-class histogram.

"Closer to the data is better": each is printed beside the same statistic of the training and test data.
A score carries a :class:`MusicCard`; scores compare only when their cards agree.
"""
from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ganforge.metrics.protocol import Card
from ganforge.metrics.registry import Metric, MetricInputs, compute_metrics, register_metric
from ganforge.version import __version__

MUSIC = "music"
ALL = ("eb", "upc", "qn", "tonal_distance", "polyphony", "scale_consistency", "repetitions", "tone_span",
       "pitch_entropy")
MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])
QUALIFIED_STEPS = 3


def _tonnetz_matrix() -> np.ndarray:
    """Harte, Sandler & Gasser (2006): 6 x 12, radii r1 = r2 = 1 (fifths, minor thirds), r3 = 0.5 (major thirds)."""
    k = np.arange(12)
    rows = [np.sin(k * 7 * np.pi / 6), np.cos(k * 7 * np.pi / 6), np.sin(k * 3 * np.pi / 2), np.cos(k * 3 * np.pi / 2),
            0.5 * np.sin(k * 2 * np.pi / 3), 0.5 * np.cos(k * 2 * np.pi / 3)]
    return np.stack(rows)


TONNETZ = _tonnetz_matrix()


@dataclass(frozen=True)
class Voices:
    """Tokens ``[N, tracks, steps]`` with what they mean: the bar length, the lowest pitch and the track names."""

    tokens: np.ndarray
    steps_per_bar: int
    low: int
    names: Tuple[str, ...]

    @property
    def pitch(self) -> np.ndarray:       # MIDI pitch, -1 = rest
        return np.where(self.tokens > 0, self.tokens + self.low - 1, -1)

    def bars(self) -> np.ndarray:        # [N, tracks, bars, steps_per_bar]
        n, k, t = self.tokens.shape
        b = t // self.steps_per_bar
        return self.pitch[:, :, :b * self.steps_per_bar].reshape(n, k, b, self.steps_per_bar)


def runs(seq: np.ndarray) -> List[Tuple[int, int]]:
    """(pitch, length) of each note of one track: maximal runs of one pitch (rests skipped)."""
    out, start = [], 0
    for i in range(1, len(seq) + 1):
        if i == len(seq) or seq[i] != seq[start]:
            if seq[start] >= 0:
                out.append((int(seq[start]), i - start))
            start = i
    return out


def chroma(bars: np.ndarray) -> np.ndarray:
    """``[..., steps]`` pitches -> ``[..., 12]`` counts of sounding steps per pitch class."""
    pc = np.where(bars >= 0, bars % 12, 12)
    return np.stack([(pc == c).sum(-1) for c in range(12)], -1).astype(np.float64)


def per_track(v: Voices, prefix: str, values: np.ndarray) -> Dict[str, float]:
    return {f"{prefix}/{name}": float(x) for name, x in zip(v.names, values)}


def empty_bars(v: Voices) -> Dict[str, float]:
    return per_track(v, "eb", (v.bars() < 0).all(-1).mean(axis=(0, 2)))


def used_pitch_classes(v: Voices) -> Dict[str, float]:
    c = chroma(v.bars())                                     # [N, K, B, 12]
    used, playing = (c > 0).sum(-1), (c > 0).any(-1)
    return per_track(v, "upc", [used[:, k][playing[:, k]].mean() if playing[:, k].any() else np.nan
                                for k in range(used.shape[1])])


def qualified_notes(v: Voices) -> Dict[str, float]:
    out = []
    for k in range(v.tokens.shape[1]):
        lengths = [length for seq in v.pitch[:, k] for _, length in runs(seq)]
        out.append(np.mean(np.array(lengths) >= QUALIFIED_STEPS) if lengths else np.nan)
    return per_track(v, "qn", out)


def tonal_distance(v: Voices) -> Dict[str, float]:
    c = chroma(v.bars())
    total = c.sum(-1, keepdims=True)
    centroid = (c / np.maximum(total, 1)) @ TONNETZ.T        # [N, K, B, 6]
    out = {}
    for i, j in itertools.combinations(range(c.shape[1]), 2):
        both = (total[:, i, :, 0] > 0) & (total[:, j, :, 0] > 0)
        d = np.linalg.norm(centroid[:, i] - centroid[:, j], axis=-1)[both]
        out[f"td/{v.names[i]}-{v.names[j]}"] = float(d.mean()) if d.size else float("nan")
    return out


def polyphony(v: Voices) -> Dict[str, float]:
    p = v.pitch
    distinct = np.array([[len(set(col[col >= 0].tolist())) for col in phrase.T] for phrase in p])
    return {"polyphony": float((distinct >= 2).mean())}


def scale_consistency(v: Voices) -> Dict[str, float]:
    scores = []
    for phrase in v.pitch:
        pcs = phrase[phrase >= 0] % 12
        if pcs.size:
            scores.append(max(np.isin(pcs, (MAJOR + r) % 12).mean() for r in range(12)))
    return {"scale_consistency": float(np.mean(scores)) if scores else float("nan")}


def repetitions(v: Voices, n: int = 4) -> Dict[str, float]:
    counts = []
    for phrase in v.pitch:
        for seq in phrase:
            notes = [p for p, _ in runs(seq)]
            grams = [tuple(notes[i:i + n]) for i in range(len(notes) - n + 1)]
            counts.append(len(grams) - len(set(grams)))
    return {"repetitions": float(np.mean(counts))}


def tone_span(v: Voices) -> Dict[str, float]:
    spans = [seq[seq >= 0].max() - seq[seq >= 0].min() for phrase in v.pitch for seq in phrase if (seq >= 0).any()]
    return {"tone_span": float(np.mean(spans)) if spans else float("nan")}


def pitch_entropy(v: Voices) -> Dict[str, float]:
    out = []
    for c in chroma(v.pitch.reshape(v.tokens.shape[0], -1)):
        if c.sum():
            p = c[c > 0] / c.sum()
            out.append(-(p * np.log2(p)).sum())
    return {"pitch_entropy": float(np.mean(out)) if out else float("nan")}


STATISTICS = {"eb": empty_bars, "upc": used_pitch_classes, "qn": qualified_notes, "tonal_distance": tonal_distance,
              "polyphony": polyphony, "scale_consistency": scale_consistency, "repetitions": repetitions,
              "tone_span": tone_span, "pitch_entropy": pitch_entropy}


class MusicMetric(Metric):
    """A statistic of raw voices: ``samples`` is a :class:`Voices`."""

    modality = MUSIC
    needs = ("samples",)
    min_samples = 1
    statistic = "eb"

    def sample_count(self, inputs: MetricInputs) -> int:
        return 0 if inputs.samples is None else len(inputs.samples.tokens)

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        return STATISTICS[self.statistic](inputs.samples)


for _name in ALL:
    register_metric(_name)(type(f"Music_{_name}", (MusicMetric,), {
        "statistic": _name, "__doc__": f"music statistic {_name} (see ganforge.music.metrics)",
        "description": (STATISTICS[_name].__doc__ or _name)}))


def music_statistics(voices: Voices, names: Sequence[str] = ALL) -> Dict[str, float]:
    """The named statistics of voices, through the metric registry."""
    return compute_metrics(names, MetricInputs(samples=voices))


@dataclass(frozen=True)
class MusicCard(Card):
    """What a music score was measured with."""

    kind = "music card"

    num_samples: int
    reference: str
    reference_sha256: str
    reference_count: int
    steps_per_bar: int
    bars: int
    low: int
    pitches: int
    temperature: float
    seed: int
    ganforge_version: str = __version__

    def lines(self) -> str:
        return "\n".join([
            f"  samples:    {self.num_samples} phrases of {self.bars} bars x {self.steps_per_bar} steps "
            f"(seed {self.seed}, temperature {self.temperature:g})",
            f"  reference:  {self.reference} ({self.reference_count} phrases, sha256 {self.reference_sha256[:16]})",
            f"  pitches:    {self.low}..{self.low + self.pitches - 1}",
            f"  ganforge:   {self.ganforge_version}"])


def voices_sha256(tokens: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(tokens, dtype=np.int64).tobytes()).hexdigest()


def table(columns: Dict[str, Dict[str, float]], digits: int = 3) -> str:
    """A markdown table: one row per statistic, one column per source (a model, the train data, the test data)."""
    keys = list(dict.fromkeys(k for values in columns.values() for k in values))
    lines = ["| statistic | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for k in keys:
        cells = [columns[c].get(k, float("nan")) for c in columns]
        lines.append(f"| {k} | " + " | ".join("-" if v != v else f"{v:.{digits}f}" for v in cells) + " |")
    return "\n".join(lines)

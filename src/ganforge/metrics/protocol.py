"""The protocol card: what a score was measured with, stored and printed beside every score.

A card names the number of samples, the reference set and the sha256 of its images, the feature
extractor and the sha256 of its weights, the resize method (the extractor's own preprocessing, and
any ``--resize`` of samples unlike the reference with the reference's round trip), the seed and the
ganforge version.
Scores are only comparable when their cards agree on all of these (the source they measure may
differ): :func:`check_comparable` raises a one-line error naming the first field that differs.

Reference statistics (feature mean, covariance and the features themselves) are cached in
``$GANFORGE_CACHE/refstats/<key>.npz``, keyed by the reference part of the card; such a file can
also be passed as ``--ref`` and is refused when its card differs from the evaluation's.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from ganforge.errors import GanforgeError
from ganforge.files import atomic_write, cache_dir
from ganforge.version import __version__

REFERENCE_FIELDS = ("reference_sha256", "reference_count", "extractor", "extractor_sha256", "resize",
                    "ganforge_version")
STATS_FORMAT = "ganforge-refstats/1"


class Card:
    """What a score was measured with, as a frozen dataclass; two scores compare only when their cards agree.

    Subclasses (:class:`ProtocolCard`, the text family's BLEU card, the translation card) are saved as
    plain JSON dicts and read back with :meth:`from_dict`, which refuses a dict missing a field."""

    kind = "protocol card"

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Any:
        names = {f.name for f in dataclasses.fields(cls)}
        missing = names - set(data)
        if missing:
            raise GanforgeError(f"{cls.kind} lacks {sorted(missing)[0]!r}; it was not written by ganforge eval")
        return cls(**{k: data[k] for k in names})


@dataclass(frozen=True)
class ProtocolCard(Card):
    num_samples: int
    reference: str
    reference_sha256: str
    reference_count: int
    extractor: str
    extractor_sha256: str
    resize: str
    seed: int
    ganforge_version: str = __version__

    def reference_key(self) -> str:
        part = {k: getattr(self, k) for k in REFERENCE_FIELDS}
        return hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()[:24]

    def lines(self) -> str:
        return "\n".join([
            f"  samples:    {self.num_samples} (seed {self.seed})",
            f"  reference:  {self.reference} ({self.reference_count} images, sha256 {self.reference_sha256[:16]})",
            f"  extractor:  {self.extractor} (weights sha256 {self.extractor_sha256[:16]})",
            f"  resize:     {self.resize}",
            f"  ganforge:   {self.ganforge_version}"])


def differences(a: Any, b: Any, fields=None) -> Dict[str, tuple]:
    """Fields (all but the reference's name) on which two cards differ; cards of two kinds differ in ``card``.

    Any frozen dataclass can be a card (:class:`ProtocolCard` for feature metrics, a family's own card
    for metrics of raw samples, e.g. the text family's BLEU card)."""
    if type(a) is not type(b):
        return {"card": (type(a).__name__, type(b).__name__)}
    names = fields or [f.name for f in dataclasses.fields(a) if f.name != "reference"]
    return {n: (getattr(a, n), getattr(b, n)) for n in names if getattr(a, n) != getattr(b, n)}


def check_comparable(a: Any, b: Any, what: str = "these scores") -> None:
    """Raise unless two cards measure the same way (same samples, reference, extractor, resize, seed)."""
    diff = differences(a, b)
    if diff:
        name, (x, y) = next(iter(diff.items()))
        more = f" (and {len(diff) - 1} more field(s))" if len(diff) > 1 else ""
        raise GanforgeError(f"{what} were measured with different protocols: {name} is {x!r} vs {y!r}{more}; "
                            "re-evaluate both with the same protocol")


@dataclass
class ReferenceStats:
    """Features of a reference set under one extractor: mean, covariance, the features, its card part."""

    mean: np.ndarray
    cov: np.ndarray
    features: np.ndarray
    image_shape: tuple
    card: Dict[str, Any] = field(default_factory=dict)   # reference, reference_sha256/count, extractor...

    def save(self, path: Path) -> Path:
        payload = {"format": np.array(STATS_FORMAT), "card": np.array(json.dumps(self.card)),
                   "mean": self.mean, "cov": self.cov, "features": self.features.astype(np.float32),
                   "image_shape": np.array(self.image_shape, dtype=np.int64)}
        atomic_write(Path(path), lambda tmp: np.savez(open(tmp, "wb"), **payload))
        return Path(path)

    @classmethod
    def load(cls, path: Path) -> "ReferenceStats":
        try:
            with np.load(path, allow_pickle=False) as f:
                if "format" not in f.files or str(f["format"]) != STATS_FORMAT:
                    raise GanforgeError(f"{path} is not a ganforge reference-statistics file; make one with "
                                        "`ganforge eval --save-ref FILE`")
                shape = tuple(int(v) for v in f["image_shape"])
                return cls(f["mean"], f["cov"], f["features"].astype(np.float64), shape, json.loads(str(f["card"])))
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise GanforgeError(f"reference statistics {path} are corrupt ({type(exc).__name__}); recompute them "
                                "with `ganforge eval --save-ref FILE`") from None

    def check_protocol(self, extractor: Dict[str, Any], source: str, ignore: tuple = ()) -> None:
        """Refuse statistics made with another extractor, weights, resize or ganforge version (but ``ignore``)."""
        for key in ("extractor", "extractor_sha256", "resize", "ganforge_version"):
            if key in ignore:
                continue
            want = extractor.get(key, __version__ if key == "ganforge_version" else None)
            if self.card.get(key) != want:
                raise GanforgeError(f"reference statistics {source} were made with another protocol ({key} "
                                    f"{self.card.get(key)!r}, this evaluation uses {want!r}); recompute them "
                                    "with this extractor (`ganforge eval --save-ref FILE`)")


def stats_cache_path(card: ProtocolCard) -> Path:
    return cache_dir() / "refstats" / f"{card.reference_key()}.npz"


def cached_stats(card: ProtocolCard) -> Optional[ReferenceStats]:
    path = stats_cache_path(card)
    if not path.is_file():
        return None
    try:
        stats = ReferenceStats.load(path)
    except GanforgeError:
        return None  # a corrupt cache entry is recomputed
    same = all(stats.card.get(k) == getattr(card, k) for k in REFERENCE_FIELDS)
    return stats if same else None

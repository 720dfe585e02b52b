"""``ganforge.metrics.evaluate(source, ref, metrics)``: scores with their protocol card.

    score = evaluate("runs/dcgan-...", ref="mnist:test", metrics="fid,kid,is,pr")
    print(score)                     # the numbers and the card
    score.values["fid"], score.card  # ProtocolCard

The core :class:`Evaluator` holds one reference under one feature extractor, as arrays or as
saved reference statistics, and scores any sample set that its extractor accepts (of any
modality: the extractor declares it). Named sources (a run folder sampled on the fly, an image
folder, an .npz, ``mnist:test``...) and the ``auto`` extractor are resolved by the family of the
``modality`` (default ``"image"``) through :data:`~ganforge.metrics.sources.SOURCES`. Reference
statistics are cached by protocol, so repeated evaluations only extract the generated side.
Samples of another size than the reference's are refused unless ``resize="bicubic"`` (or another
filter) is given: then both sides are resized as clean-fid does, and the card says so.
Metrics of raw samples (BLEU) are scored by their family through the same registry
(:func:`~ganforge.metrics.registry.compute_metrics`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple, Union

import numpy as np
import torch

from ganforge.errors import GanforgeError
from ganforge.metrics.features import array_digest, create_extractor
from ganforge.metrics.fid import feature_statistics
from ganforge.metrics.protocol import ProtocolCard, ReferenceStats, cached_stats, check_comparable, stats_cache_path
from ganforge.metrics.registry import FEATURES, METRICS, MetricInputs, compute_metrics, parse_metric_names
from ganforge.metrics.sources import source_for

SamplesLike = Union[str, Path, np.ndarray, torch.Tensor]

DEFAULT_METRICS = ("fid", "kid", "is", "pr", "dc")


@dataclass
class Score:
    values: Dict[str, float]
    card: Any                  # ProtocolCard, or a family's card for metrics of raw samples
    source: str
    extra: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {"source": self.source, "values": self.values, "card": self.card.to_dict(), **self.extra}

    @classmethod
    def from_dict(cls, data: Dict[str, Any], card_class: Any = ProtocolCard) -> "Score":
        return cls(dict(data["values"]), card_class.from_dict(data["card"]), data.get("source", "?"))

    def __str__(self) -> str:
        v = self.values
        known = ("fid", "kid", "is", "precision", "recall", "density", "coverage")
        keys = [k for k in known if k in v] + [k for k in v if k not in known and not k.endswith("_std")]
        parts = [f"{k.upper() if k in known and len(k) <= 3 else k} {v[k]:.4g}" +
                 (f" ± {v[k + '_std']:.2g}" if k + "_std" in v else "") for k in keys]
        return f"{self.source}\n  " + "  ".join(parts) + "\n" + self.card.lines()

    def compare(self, other: "Score") -> Dict[str, float]:
        """Differences ``self - other``; refuses scores measured under different protocols."""
        check_comparable(self.card, other.card)
        return {k: self.values[k] - other.values[k] for k in self.values if k in other.values}


class Evaluator:
    """Holds one reference set's statistics under one extractor; scores any number of sample sets.

    ``ref`` is an array of samples, saved :class:`ReferenceStats` (or their .npz file), or a name
    that the ``modality``'s family reads (``mnist:test``, an image folder, an .npz of images);
    ``extractor`` is a registered extractor's name, or ``"auto"`` for the family's choice. Used by
    :func:`evaluate`, ``ganforge eval`` and the training-time eval hook (which scores every N steps).

    ``resize`` (a filter the extractor knows, e.g. ``"bicubic"`` for images) lets samples of another
    size be scored, as clean-fid does: they are resized to the reference's size, and the reference
    takes the round trip reference -> the samples' size -> reference with the same filter, so that
    both sides carry the same artefacts. The card's ``resize`` says so, and the round-tripped
    statistics are cached under it (one set per sample size). Samples of the reference's size are
    not resized, and their card is the plain one. Without ``resize``, another size is an error.
    """

    def __init__(self, ref: Union[SamplesLike, ReferenceStats] = "mnist:test", extractor: str = "auto",
                 weights: Optional[str] = None, data_dir: Optional[str] = None, device: str = "cpu",
                 use_cache: bool = True, modality: str = "image", resize: Optional[str] = None):
        self.modality, self.resize, self.use_cache = modality, resize, use_cache
        self._stats: Dict[str, ReferenceStats] = {}      # by the card's resize: plain, or a round trip per size
        self._reference: Optional[torch.Tensor] = None   # the reference samples, kept for round trips
        self._last: Optional[ReferenceStats] = None      # the statistics of the last score
        self.last_features: Optional[Tuple[np.ndarray, np.ndarray]] = None   # the last samples' (features, probs)
        self.ref_name = str(ref) if not isinstance(ref, (np.ndarray, torch.Tensor, ReferenceStats)) else "array"
        stats_file = isinstance(ref, ReferenceStats) or (isinstance(ref, (str, Path)) and _is_stats_file(Path(ref)))
        if stats_file:
            stats = ref if isinstance(ref, ReferenceStats) else ReferenceStats.load(Path(ref))
            name = stats.card.get("extractor") if extractor == "auto" else extractor
            self._create_extractor(name, weights, device)
            stats.check_protocol(self.described(), self.ref_name, ignore=("resize",) if resize else ())
            self.ref_name, self.ref_shape = stats.card.get("reference", self.ref_name), tuple(stats.image_shape)
            self._stats[stats.card.get("resize")] = stats
            return
        if isinstance(ref, (str, Path)) or extractor == "auto":
            samples, name = source_for(modality).load(ref, data_dir, what="reference")
            if extractor == "auto":
                extractor = source_for(modality).auto_extractor(name, samples)
        else:
            samples, name = ref, f"array[{len(ref)}]"
        self.ref_name = name
        self._create_extractor(extractor, weights, device)
        self._reference = self.extractor.accept(samples, f"reference {name}")
        self.ref_shape, self._digest = tuple(self._reference.shape[1:]), array_digest(self._reference.numpy())
        if resize is None:
            self._stats_for(self.extractor.resize)    # computed now: the samples are not kept
            self._reference = None

    def _create_extractor(self, name: str, weights: Optional[str], device: str) -> None:
        self.extractor = create_extractor(name, weights, device)
        if self.resize is not None:
            self.extractor.check_resize(self.resize)

    @property
    def stats(self) -> ReferenceStats:
        """The reference's statistics as it is (no round trip)."""
        return self._stats_for(self.extractor.resize)

    def _stats_for(self, resize: str, sample_shape: Optional[tuple] = None) -> ReferenceStats:
        """The statistics under the card's ``resize``: of the reference, or of its round trip via ``sample_shape``."""
        if resize not in self._stats:
            if self._reference is None:
                made = next(iter(self._stats))
                raise GanforgeError(f"reference statistics {self.ref_name} were made with resize {made!r}, but these "
                                    f"samples need {resize!r}; pass the reference samples themselves as the reference")
            samples = self._reference
            if sample_shape is not None:
                there = self.extractor.resize_samples(samples, sample_shape, self.resize)
                samples = self.extractor.resize_samples(there, self.ref_shape, self.resize)
            self._stats[resize] = self._reference_stats(samples, resize)
        return self._stats[resize]

    def _reference_stats(self, samples: torch.Tensor, resize: str) -> ReferenceStats:
        """The reference's features and statistics, from the cache when this protocol was seen before."""
        part = {"reference": self.ref_name, "reference_sha256": self._digest, "reference_count": len(samples),
                **self.described(), "resize": resize}
        probe = ProtocolCard(num_samples=0, seed=0, **{k: part[k] for k in part if k != "extractor_test_accuracy"})
        stats = cached_stats(probe) if self.use_cache else None
        if stats is None:
            feats, _ = self.extractor.extract(samples, progress=f"features of {Path(self.ref_name).name}")
            mean, cov = feature_statistics(feats)
            stats = ReferenceStats(mean, cov, feats, tuple(samples.shape[1:]), part)
            if self.use_cache:
                stats.save(stats_cache_path(probe))
        return stats

    def described(self) -> Dict[str, Any]:
        from ganforge.version import __version__

        return {**self.extractor.describe(), "ganforge_version": __version__}

    def card(self, num_samples: int, seed: int, stats: Optional[ReferenceStats] = None) -> ProtocolCard:
        c = (stats or self.stats).card
        return ProtocolCard(num_samples=num_samples, reference=c["reference"], reference_sha256=c["reference_sha256"],
                            reference_count=int(c["reference_count"]), extractor=c["extractor"],
                            extractor_sha256=c["extractor_sha256"], resize=c["resize"], seed=seed,
                            ganforge_version=c["ganforge_version"])

    def prepare(self, samples: Any, source: str = "samples") -> Tuple[torch.Tensor, ReferenceStats]:
        """(the samples as the extractor reads them, resized when asked, the reference statistics to score against)."""
        samples = self.extractor.accept(samples, source)
        self.extractor.check_compatible(samples, self.ref_shape, source, self.ref_name, self.resize)
        shape = tuple(samples.shape[1:])
        if self.resize is None or shape == self.ref_shape:
            return samples, self.stats
        stats = self._stats_for(self.extractor.describe_resize(shape, self.ref_shape, self.resize), shape)
        return self.extractor.resize_samples(samples, self.ref_shape, self.resize), stats

    def score(self, samples: Any, metrics: Union[str, Iterable[str]] = DEFAULT_METRICS, seed: int = 0,
              source: str = "samples", options: Optional[Dict[str, Any]] = None) -> Score:
        """Score a sample set that the extractor accepts (e.g. uint8 images ``[N, C, H, W]``)."""
        names = parse_metric_names(metrics, (FEATURES,), f"an evaluation of {self.extractor.modality or 'features'}")
        samples, stats = self.prepare(samples, source)
        self._last = stats
        feats, probs = self.extractor.extract(samples, progress="features of samples" if len(samples) > 2000 else None)
        self.last_features = (feats, probs)   # for per-sample views (ganforge eval --views)
        inputs = MetricInputs(fake_features=feats, fake_probs=probs, real_mean=stats.mean, real_cov=stats.cov,
                              real_features=stats.features, seed=seed, options=dict(options or {}))
        values = compute_metrics(names, inputs)
        accuracy = stats.card.get("extractor_test_accuracy")
        return Score(values, self.card(len(samples), seed, stats), source,
                     {"extractor_test_accuracy": accuracy} if accuracy is not None else {})

    @property
    def last_reference(self) -> ReferenceStats:
        """The reference statistics the last score was measured against (round-tripped when resized)."""
        return self._last or self.stats

    def save_reference(self, path: Union[str, Path]) -> Path:
        """Save the statistics of the last score (a round-tripped reference when it was resized)."""
        return self.last_reference.save(Path(path))


def _is_stats_file(path: Path) -> bool:
    if path.suffix.lower() != ".npz" or not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as f:
            return "format" in f.files and "card" in f.files
    except (OSError, ValueError, EOFError):
        return False


def evaluate(source: SamplesLike, ref: Union[SamplesLike, ReferenceStats] = "mnist:test",
             metrics: Union[str, Iterable[str]] = DEFAULT_METRICS, num_samples: int = 10000, seed: int = 0,
             extractor: str = "auto", weights: Optional[str] = None, data_dir: Optional[str] = None,
             device: str = "cpu", options: Optional[Dict[str, Any]] = None, modality: str = "image",
             resize: Optional[str] = None) -> Score:
    """Score generated samples (a run is sampled: ``num_samples``, ``seed``) against a reference; see above.

    ``resize`` (e.g. ``"bicubic"``) lets samples of another size than the reference's be scored (see
    :class:`Evaluator`)."""
    if num_samples < 1:
        raise GanforgeError(f"number of samples must be >= 1 (got {num_samples})")
    names = parse_metric_names(metrics, (FEATURES,), f"an evaluation of {modality}")
    evaluator = Evaluator(ref, extractor, weights, data_dir, device, modality=modality, resize=resize)
    samples, name = read_samples(source, num_samples, seed, data_dir, device, modality)
    return evaluator.score(samples, names, seed, name, options)


def read_samples(source: SamplesLike, n: int, seed: int, data_dir: Optional[str] = None, device: str = "cpu",
                 modality: str = "image"):
    """(samples, name): ``n`` seeded samples of a run, or the first ``n`` of a file, folder or array."""
    reader = source_for(modality)
    if isinstance(source, (str, Path)) and reader.is_run(Path(source)):
        return reader.sample_run(Path(source), n, seed, device)
    samples, name = reader.load(source, data_dir)
    return samples[:n], name


__all__ = ["DEFAULT_METRICS", "Evaluator", "METRICS", "Score", "evaluate", "read_samples"]

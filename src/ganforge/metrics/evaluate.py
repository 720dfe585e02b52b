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
Metrics of raw samples (BLEU) are scored by their family through the same registry
(:func:`~ganforge.metrics.registry.compute_metrics`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Union

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
    """

    def __init__(self, ref: Union[SamplesLike, ReferenceStats] = "mnist:test", extractor: str = "auto",
                 weights: Optional[str] = None, data_dir: Optional[str] = None, device: str = "cpu",
                 use_cache: bool = True, modality: str = "image"):
        self.modality = modality
        self.ref_name = str(ref) if not isinstance(ref, (np.ndarray, torch.Tensor, ReferenceStats)) else "array"
        stats_file = isinstance(ref, ReferenceStats) or (isinstance(ref, (str, Path)) and _is_stats_file(Path(ref)))
        if stats_file:
            stats = ref if isinstance(ref, ReferenceStats) else ReferenceStats.load(Path(ref))
            name = stats.card.get("extractor") if extractor == "auto" else extractor
            self.extractor = create_extractor(name, weights, device)
            stats.check_protocol(self.described(), self.ref_name)
            self.stats, self.ref_name = stats, stats.card.get("reference", self.ref_name)
            return
        if isinstance(ref, (str, Path)) or extractor == "auto":
            samples, name = source_for(modality).load(ref, data_dir, what="reference")
            if extractor == "auto":
                extractor = source_for(modality).auto_extractor(name, samples)
        else:
            samples, name = ref, f"array[{len(ref)}]"
        self.ref_name = name
        self.extractor = create_extractor(extractor, weights, device)
        self.stats = self._reference_stats(self.extractor.accept(samples, f"reference {name}"), name, use_cache)

    def _reference_stats(self, samples: torch.Tensor, name: str, use_cache: bool) -> ReferenceStats:
        """The reference's features and statistics, from the cache when this protocol was seen before."""
        part = {"reference": name, "reference_sha256": array_digest(samples.numpy()), "reference_count": len(samples),
                **self.described()}
        probe = ProtocolCard(num_samples=0, seed=0, **{k: part[k] for k in part if k != "extractor_test_accuracy"})
        stats = cached_stats(probe) if use_cache else None
        if stats is None:
            feats, _ = self.extractor.extract(samples, progress=f"features of {Path(name).name}")
            mean, cov = feature_statistics(feats)
            stats = ReferenceStats(mean, cov, feats, tuple(samples.shape[1:]), part)
            if use_cache:
                stats.save(stats_cache_path(probe))
        return stats

    def described(self) -> Dict[str, Any]:
        from ganforge.version import __version__

        return {**self.extractor.describe(), "ganforge_version": __version__}

    def card(self, num_samples: int, seed: int) -> ProtocolCard:
        c = self.stats.card
        return ProtocolCard(num_samples=num_samples, reference=c["reference"], reference_sha256=c["reference_sha256"],
                            reference_count=int(c["reference_count"]), extractor=c["extractor"],
                            extractor_sha256=c["extractor_sha256"], resize=c["resize"], seed=seed,
                            ganforge_version=c["ganforge_version"])

    def score(self, samples: Any, metrics: Union[str, Iterable[str]] = DEFAULT_METRICS, seed: int = 0,
              source: str = "samples", options: Optional[Dict[str, Any]] = None) -> Score:
        """Score a sample set that the extractor accepts (e.g. uint8 images ``[N, C, H, W]``)."""
        names = parse_metric_names(metrics, (FEATURES,), f"an evaluation of {self.extractor.modality or 'features'}")
        samples = self.extractor.accept(samples, source)
        self.extractor.check_compatible(samples, self.stats.image_shape, source, self.ref_name)
        feats, probs = self.extractor.extract(samples, progress="features of samples" if len(samples) > 2000 else None)
        inputs = MetricInputs(fake_features=feats, fake_probs=probs, real_mean=self.stats.mean,
                              real_cov=self.stats.cov, real_features=self.stats.features, seed=seed,
                              options=dict(options or {}))
        values = compute_metrics(names, inputs)
        accuracy = self.stats.card.get("extractor_test_accuracy")
        return Score(values, self.card(len(samples), seed), source,
                     {"extractor_test_accuracy": accuracy} if accuracy is not None else {})

    def save_reference(self, path: Union[str, Path]) -> Path:
        return self.stats.save(Path(path))


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
             device: str = "cpu", options: Optional[Dict[str, Any]] = None, modality: str = "image") -> Score:
    """Score generated samples (a run is sampled: ``num_samples``, ``seed``) against a reference; see above."""
    if num_samples < 1:
        raise GanforgeError(f"number of samples must be >= 1 (got {num_samples})")
    names = parse_metric_names(metrics, (FEATURES,), f"an evaluation of {modality}")
    evaluator = Evaluator(ref, extractor, weights, data_dir, device, modality=modality)
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

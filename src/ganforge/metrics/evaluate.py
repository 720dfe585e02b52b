"""``ganforge.metrics.evaluate(source, ref, metrics)``: scores with their protocol card.

    score = evaluate("runs/dcgan-...", ref="mnist:test", metrics="fid,kid,is,pr")
    print(score)                     # the numbers and the card
    score.values["fid"], score.card  # ProtocolCard

The generated side is a run folder (sampled on the fly: ``num_samples`` images, ``seed``), an
image folder, an .npz, or an array. The reference side is a named split (``mnist:test``), a
folder, an .npz of images, or a saved reference-statistics file (``--save-ref``). Reference
statistics are cached by protocol, so repeated evaluations only extract the generated side.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Union

import numpy as np
import torch

from ganforge.errors import DataError, GanforgeError
from ganforge.metrics.features import FeatureExtractor, array_digest, create_extractor
from ganforge.metrics.fid import feature_statistics
from ganforge.metrics.protocol import ProtocolCard, ReferenceStats, cached_stats, check_comparable, stats_cache_path
from ganforge.metrics.registry import METRICS, MetricInputs, create_metric, parse_metric_names
from ganforge.image.metrics.sources import ImagesLike, is_run, load_images, sample_run

DEFAULT_METRICS = ("fid", "kid", "is", "pr", "dc")


@dataclass
class Score:
    values: Dict[str, float]
    card: ProtocolCard
    source: str
    extra: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {"source": self.source, "values": self.values, "card": self.card.to_dict(), **self.extra}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Score":
        return cls(dict(data["values"]), ProtocolCard.from_dict(data["card"]), data.get("source", "?"))

    def __str__(self) -> str:
        v = self.values
        parts = []
        for key, std in (("fid", None), ("kid", "kid_std"), ("is", "is_std"), ("precision", None), ("recall", None),
                         ("density", None), ("coverage", None)):
            if key in v:
                parts.append(f"{key.upper() if len(key) <= 3 else key} {v[key]:.4g}" +
                             (f" ± {v[std]:.2g}" if std and std in v else ""))
        return f"{self.source}\n  " + "  ".join(parts) + "\n" + self.card.lines()

    def compare(self, other: "Score") -> Dict[str, float]:
        """Differences ``self - other``; refuses scores measured under different protocols."""
        check_comparable(self.card, other.card)
        return {k: self.values[k] - other.values[k] for k in self.values if k in other.values}


def auto_extractor(ref_name: str, image_shape: tuple) -> str:
    name = ref_name.partition(":")[0]
    if name in ("mnist", "embedded", "stacked-mnist") or (tuple(image_shape) == (1, 28, 28) and "fashion" not in name):
        return "mnist-classifier"
    if name == "fashion-mnist":
        return "fashion-mnist-classifier"
    return "inception"


def check_same_shape(images: torch.Tensor, ref_shape: tuple, source: str, ref: str) -> None:
    if tuple(images.shape[1:]) != tuple(ref_shape):
        c, h, w = images.shape[1:]
        rc, rh, rw = ref_shape
        raise DataError(f"{source} holds {w}x{h} images with {c} channel(s) but reference {ref} holds {rw}x{rh} "
                        f"with {rc}; evaluate images of the reference's size and channel count")


class Evaluator:
    """Holds one reference set's statistics under one extractor; scores any number of image sets.

    Used by :func:`evaluate` and by the training-time eval hook (which scores every N steps).
    """

    def __init__(self, ref: Union[ImagesLike, ReferenceStats] = "mnist:test", extractor: str = "auto",
                 weights: Optional[str] = None, data_dir: Optional[str] = None, device: str = "cpu",
                 use_cache: bool = True):
        self.ref_name = str(ref) if not isinstance(ref, (np.ndarray, torch.Tensor, ReferenceStats)) else "array"
        stats_file = isinstance(ref, ReferenceStats) or (isinstance(ref, (str, Path)) and _is_stats_file(Path(ref)))
        if stats_file:
            stats = ref if isinstance(ref, ReferenceStats) else ReferenceStats.load(Path(ref))
            name = stats.card.get("extractor") if extractor == "auto" else extractor
            self.extractor = create_extractor(name, weights, device)
            stats.check_protocol(self.described(), self.ref_name)
            self.stats, self.ref_name = stats, stats.card.get("reference", self.ref_name)
            return
        images, name = load_images(ref, data_dir, what="reference")
        self.ref_name = name
        if extractor == "auto":
            extractor = auto_extractor(name, tuple(images.shape[1:]))
        self.extractor = create_extractor(extractor, weights, device)
        part = {"reference": name, "reference_sha256": array_digest(images.numpy()), "reference_count": len(images),
                **self.described()}
        probe = ProtocolCard(num_samples=0, seed=0, **{k: part[k] for k in part if k != "extractor_test_accuracy"})
        stats = cached_stats(probe) if use_cache else None
        if stats is None:
            feats, _ = self.extractor.extract(images, progress=f"features of {Path(name).name}")
            mean, cov = feature_statistics(feats)
            stats = ReferenceStats(mean, cov, feats, tuple(images.shape[1:]), part)
            if use_cache:
                stats.save(stats_cache_path(probe))
        self.stats = stats

    def described(self) -> Dict[str, Any]:
        from ganforge.version import __version__

        return {**self.extractor.describe(), "ganforge_version": __version__}

    def card(self, num_samples: int, seed: int) -> ProtocolCard:
        c = self.stats.card
        return ProtocolCard(num_samples=num_samples, reference=c["reference"], reference_sha256=c["reference_sha256"],
                            reference_count=int(c["reference_count"]), extractor=c["extractor"],
                            extractor_sha256=c["extractor_sha256"], resize=c["resize"], seed=seed,
                            ganforge_version=c["ganforge_version"])

    def score(self, images: torch.Tensor, metrics: Iterable[str] = DEFAULT_METRICS, seed: int = 0,
              source: str = "images", options: Optional[Dict[str, Any]] = None) -> Score:
        names = parse_metric_names(",".join(metrics)) if not isinstance(metrics, str) else parse_metric_names(metrics)
        check_same_shape(images, self.stats.image_shape, source, self.ref_name)
        feats, probs = self.extractor.extract(images, progress="features of samples" if len(images) > 2000 else None)
        inputs = MetricInputs(fake_features=feats, fake_probs=probs, real_mean=self.stats.mean,
                              real_cov=self.stats.cov, real_features=self.stats.features, seed=seed,
                              options=dict(options or {}))
        values: Dict[str, float] = {}
        metric_objects = [(n, create_metric(n)) for n in names]
        for name, metric in metric_objects:   # check all first: fail before any slow metric runs
            metric.check(name, inputs)
        for name, metric in metric_objects:
            values.update(metric.compute(inputs))
        return Score(values, self.card(len(images), seed), source,
                     {"extractor_test_accuracy": self.stats.card.get("extractor_test_accuracy")}
                     if self.stats.card.get("extractor_test_accuracy") is not None else {})

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


def evaluate(source: ImagesLike, ref: Union[ImagesLike, ReferenceStats] = "mnist:test",
             metrics: Union[str, Iterable[str]] = DEFAULT_METRICS, num_samples: int = 10000, seed: int = 0,
             extractor: str = "auto", weights: Optional[str] = None, data_dir: Optional[str] = None,
             device: str = "cpu", options: Optional[Dict[str, Any]] = None) -> Score:
    """Score generated images against a reference; see the module docstring."""
    if num_samples < 1:
        raise GanforgeError(f"number of samples must be >= 1 (got {num_samples})")
    names = parse_metric_names(metrics if isinstance(metrics, str) else ",".join(metrics))
    evaluator = Evaluator(ref, extractor, weights, data_dir, device)
    if isinstance(source, (str, Path)) and is_run(Path(source)):
        images, name = sample_run(Path(source), num_samples, seed, device)
    else:
        images, name = load_images(source, data_dir)
        if len(images) > num_samples:
            images = images[:num_samples]
    return evaluator.score(images, names, seed, name, options)


__all__ = ["DEFAULT_METRICS", "Evaluator", "METRICS", "Score", "evaluate"]

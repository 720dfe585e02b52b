"""The metric registry: each metric is one class registered by name with ``@register_metric``.

A metric reads what it needs from :class:`MetricInputs` and returns named floats, e.g. FID returns
``{"fid": 12.3}``, KID ``{"kid": 0.01, "kid_std": 0.002}`` and BLEU ``{"bleu2": ..., "bleu5": ...}``.
Its inputs are either *features* (of the generated samples, the reference statistics or
features, class probabilities: any modality that has a feature extractor) or the *raw samples*
and references themselves (``needs`` names ``"samples"`` / ``"references"``, e.g. BLEU on
sentences). ``modality`` says which: ``"features"`` for the core's FID/KID/IS/PR/DC, a family's
modality (``"text"``) for metrics of raw samples, which that family registers in its own module
(:mod:`ganforge.text.scores`). The registry discovers family metrics on first look-up.

``needs`` says which inputs a metric uses, so that evaluation computes only those;
``min_samples`` is checked before it runs, so too few samples fail with a one-line error
instead of a meaningless number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple, Union

import numpy as np

from ganforge.errors import GanforgeError
from ganforge.family import load_families
from ganforge.registry import Registry

FEATURES = "features"   # the modality of metrics on extracted features (any modality with an extractor)
METRICS = Registry("metric", discover=load_families)
register_metric = METRICS.register


@dataclass
class MetricInputs:
    """Everything a metric may read; fields a metric does not need may be None."""

    fake_features: Optional[np.ndarray] = None   # [N, D] float64
    fake_probs: Optional[np.ndarray] = None      # [N, K] class probabilities (IS)
    real_mean: Optional[np.ndarray] = None       # [D] float64
    real_cov: Optional[np.ndarray] = None        # [D, D] float64
    real_features: Optional[np.ndarray] = None   # [M, D] (KID, precision/recall)
    samples: Optional[Sequence[Any]] = None      # raw generated samples (e.g. tokenised sentences)
    references: Optional[Sequence[Any]] = None   # raw reference samples
    seed: int = 0
    options: Dict[str, Any] = field(default_factory=dict)


class Metric:
    """Base class: set ``needs``, ``modality`` and ``min_samples``, define ``compute``."""

    needs: Tuple[str, ...] = ("fake_features",)
    modality = FEATURES
    min_samples = 2
    description = ""

    def __init__(self, **options: Any):
        self.options = options

    def option(self, inputs: MetricInputs, name: str, default: Any) -> Any:
        return inputs.options.get(name, self.options.get(name, default))

    def sample_count(self, inputs: MetricInputs) -> int:
        arr = (inputs.samples if "samples" in self.needs else
               inputs.fake_probs if "fake_probs" in self.needs else inputs.fake_features)
        return 0 if arr is None else len(arr)

    def check(self, name: str, inputs: MetricInputs) -> None:
        n = self.sample_count(inputs)
        if n < self.min_samples:
            raise GanforgeError(f"metric {name} needs at least {self.min_samples} samples, got {n}; "
                                f"evaluate more samples (--n {self.min_samples} or more)")

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError


def create_metric(name: str, **options: Any) -> Metric:
    return METRICS.create(name, **options)


def parse_metric_names(text: Union[str, Iterable[str]], modalities: Optional[Sequence[str]] = None,
                       what: str = "this evaluation") -> Tuple[str, ...]:
    """``"fid,kid, is"`` -> ("fid", "kid", "is"), each checked against the registry.

    With ``modalities`` only metrics of those modalities are accepted: an image evaluation passes
    ``("features",)`` and a BLEU metric asked of it is a one-line error naming what it offers."""
    if not isinstance(text, str):
        text = ",".join(text)
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    offered = [n for n in METRICS.names() if modalities is None or METRICS.get(n).modality in modalities]
    if not names:
        raise GanforgeError(f"no metric named in {text!r}; choose from {', '.join(offered)}")
    for n in names:
        modality = METRICS.get(n).modality
        if modalities is not None and modality not in modalities:
            kind = "metric of extracted features" if modality == FEATURES else f"{modality} metric"
            raise GanforgeError(f"metric {n!r} is a {kind}, which {what} cannot score; choose from "
                                f"{', '.join(offered)}")
    return names


def compute_metrics(names: Iterable[str], inputs: MetricInputs) -> Dict[str, float]:
    """Run the named metrics on ``inputs``: all are checked first, so bad input fails before a slow metric runs."""
    metrics = [(n, create_metric(n)) for n in names]
    for name, metric in metrics:
        metric.check(name, inputs)
    values: Dict[str, float] = {}
    for _, metric in metrics:
        values.update(metric.compute(inputs))
    return values

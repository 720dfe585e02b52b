"""The metric registry: each metric is one class registered by name with ``@register_metric``.

A metric reads what it needs from :class:`MetricInputs` (features of the generated images, the
reference statistics or features, class probabilities) and returns named floats, e.g. FID returns
``{"fid": 12.3}`` and KID ``{"kid": 0.01, "kid_std": 0.002}``. ``needs`` says which inputs it uses,
so that evaluation computes only those; ``min_samples`` is checked before it runs, so too few
samples fail with a one-line error instead of a meaningless number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np

from ganforge.errors import GanforgeError
from ganforge.registry import Registry

METRICS = Registry("metric")
register_metric = METRICS.register


@dataclass
class MetricInputs:
    """Everything a metric may read; fields a metric does not need may be None."""

    fake_features: Optional[np.ndarray] = None   # [N, D] float64
    fake_probs: Optional[np.ndarray] = None      # [N, K] class probabilities (IS)
    real_mean: Optional[np.ndarray] = None       # [D] float64
    real_cov: Optional[np.ndarray] = None        # [D, D] float64
    real_features: Optional[np.ndarray] = None   # [M, D] (KID, precision/recall)
    seed: int = 0
    options: Dict[str, Any] = field(default_factory=dict)


class Metric:
    """Base class: set ``needs`` and ``min_samples``, define ``compute``."""

    needs: Tuple[str, ...] = ("fake_features",)
    min_samples = 2
    description = ""

    def __init__(self, **options: Any):
        self.options = options

    def option(self, inputs: MetricInputs, name: str, default: Any) -> Any:
        return inputs.options.get(name, self.options.get(name, default))

    def sample_count(self, inputs: MetricInputs) -> int:
        arr = inputs.fake_probs if "fake_probs" in self.needs else inputs.fake_features
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


def parse_metric_names(text: str) -> Tuple[str, ...]:
    """``"fid,kid, is"`` -> ("fid", "kid", "is"), each checked against the registry."""
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    if not names:
        raise GanforgeError(f"no metric named in {text!r}; choose from {', '.join(METRICS.names())}")
    for n in names:
        METRICS.get(n)
    return names

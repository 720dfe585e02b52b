"""Inception Score (Salimans et al. 2016): ``exp(E_x KL(p(y|x) || p(y)))``, mean and std over splits.

The samples are cut into ``splits`` consecutive groups (10 by convention); in each, ``p(y)`` is
the mean of the class probabilities of the group. Computed in float64 from probabilities.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from ganforge.errors import GanforgeError
from ganforge.metrics.registry import Metric, MetricInputs, register_metric


def inception_score(probs: np.ndarray, splits: int = 10) -> Tuple[float, float]:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or len(p) < splits:
        raise GanforgeError(f"Inception Score over {splits} splits needs at least {splits} samples, got "
                            f"{len(p)}; evaluate more samples or lower --is-splits")
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(np.clip(part, 1e-30, None)) - np.log(np.clip(py, 1e-30, None)))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


@register_metric("is")
class InceptionScore(Metric):
    """exp of the mean KL between per-sample and marginal class probabilities (higher is better)."""

    needs = ("fake_probs",)
    lower_is_better = False

    def check(self, name: str, inputs: MetricInputs) -> None:
        self.min_samples = int(self.option(inputs, "is_splits", 10))
        super().check(name, inputs)

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        mean, std = inception_score(inputs.fake_probs, int(self.option(inputs, "is_splits", 10)))
        return {"is": mean, "is_std": std}

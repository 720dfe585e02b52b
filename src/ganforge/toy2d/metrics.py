"""How well 2D samples match toy data: modes covered, high-quality share, KL, and a histogram JS divergence.

One measure of modes, two readings of it:

- :func:`mixture_quality` (the mixture benchmark, ``ganforge eval`` of a toy run): a sample is
  *high quality* when it lies within 3 standard deviations of its nearest mode; a mode is
  *covered* when its high-quality samples reach 10 % of a fair share (N / K);
- :func:`mode_coverage` (the studio Lab's readout): the same count with a fixed radius of 0.3
  and 20 % of a fair share.
"""
from __future__ import annotations

import math
from typing import Dict, Optional

import numpy as np
import torch

from ganforge.metrics.coverage import histogram_coverage
from ganforge.toy2d.data import VIEW, ToyData


def mode_quality(samples, data: ToyData, radius: float, min_share: float) -> Dict[str, float]:
    """Modes covered, high-quality share, KL(mode histogram || uniform) and the mean distance in stds.

    Each sample belongs to its nearest mode and counts when it lies within ``radius`` of it; a mode is
    covered when it has at least ``min_share`` of a fair share (``N / K``) of such samples.
    """
    x = torch.as_tensor(np.asarray(samples, dtype=np.float64))
    centers = data.centers.to(torch.float64)
    dist, nearest = torch.cdist(x, centers).min(1)
    good = dist <= radius
    counts = torch.bincount(nearest[good], minlength=len(centers)).numpy()
    fair = len(x) / len(centers)
    cov = histogram_coverage(counts, min_count=max(1, int(math.ceil(min_share * fair))))
    return {"modes": cov["modes"], "num_modes": len(centers), "high_quality": float(good.double().mean()),
            "kl": cov["kl"], "mean_distance": float(dist.mean() / data.std)}


def mixture_quality(samples, data: ToyData, min_share: float = 0.1) -> Dict[str, float]:
    """The benchmark's reading: high quality = within 3 std of the nearest mode; covered at 10 % of a fair share."""
    return mode_quality(samples, data, radius=3 * data.std, min_share=min_share)


def mode_coverage(fake: torch.Tensor, data: ToyData, radius: float = 0.3, share: float = 0.2) -> Optional[int]:
    """The Lab's reading: modes with ``share`` of a fair share of ``fake`` within ``radius`` (None: no modes)."""
    if data.centers is None:
        return None
    return mode_quality(fake.detach(), data, radius=radius, min_share=share)["modes"]


def js_divergence(real: torch.Tensor, fake: torch.Tensor, bins: int = 30) -> float:
    """Jensen-Shannon divergence in bits (0 = same, 1 = disjoint) between 2D histograms over the view square.

    A coarse but honest estimate: both samples are binned on a ``bins`` x ``bins`` grid over
    [-VIEW, VIEW]^2 (points outside are clamped to the border bins).
    """

    def histogram(x: torch.Tensor) -> torch.Tensor:
        idx = ((x + VIEW) / (2 * VIEW) * bins).long().clamp(0, bins - 1)
        flat = idx[:, 0] * bins + idx[:, 1]
        return torch.bincount(flat, minlength=bins * bins).double() / len(x)

    p, q = histogram(real), histogram(fake)
    m = 0.5 * (p + q)

    def kl(a: torch.Tensor) -> torch.Tensor:
        mask = a > 0
        return (a[mask] * (a[mask] / m[mask]).log2()).sum()

    return float(0.5 * kl(p) + 0.5 * kl(q))

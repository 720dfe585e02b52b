"""Mode coverage of a histogram of modes: how many modes are hit, and how far the histogram is from uniform.

Any family that can name the mode of each sample uses it: Stacked MNIST's 1,000 digit triples,
the 2D mixtures' Gaussian modes, the ten digit classes.
"""
from __future__ import annotations

from typing import Dict

import numpy as np


def histogram_coverage(counts: np.ndarray, min_count: int = 1) -> Dict[str, float]:
    """Modes with >= ``min_count`` samples and KL(histogram || uniform) over all modes."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return {"modes": 0, "kl": float("inf")}
    p = counts / total
    nz = p > 0
    kl = float((p[nz] * np.log(p[nz] * len(counts))).sum())
    return {"modes": int((counts >= min_count).sum()), "kl": kl}

"""Precision and recall on k-NN manifolds (Kynkäänniemi et al. 2019); density and coverage (Naeem et al. 2020).

Each set's manifold is the union of balls around its points, each ball's radius being the
distance to the point's k-th nearest neighbour in its own set (the point itself excluded).
- precision: share of generated samples inside the real manifold;
- recall: share of real samples inside the generated manifold;
- density: mean number of real balls holding a generated sample, divided by k;
- coverage: share of real balls holding at least one generated sample.
Distances are Euclidean, computed in chunks with ``torch.cdist`` so 10k x 10k fits in memory.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Dict

import numpy as np
import torch

from ganforge.errors import GanforgeError
from ganforge.metrics.registry import Metric, MetricInputs, register_metric

CHUNK = 1024
NEAREST = 10            # neighbour distances kept per row: k up to this is read from one pass
_SORTED: "OrderedDict[str, np.ndarray]" = OrderedDict()   # the last few sets' sorted neighbour distances


def _pairwise_chunks(a: torch.Tensor, b: torch.Tensor):
    for start in range(0, len(a), CHUNK):
        yield start, torch.cdist(a[start:start + CHUNK], b)


def kth_neighbour_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row."""
    if len(x) <= k:
        raise GanforgeError(f"k-NN manifolds with k={k} need more than {k} samples per set, got {len(x)}; "
                            "evaluate more samples")
    if k > NEAREST:
        return _nearest_distances(x, k)[:, k]
    x = np.ascontiguousarray(x)
    key = hashlib.sha1(x.view(np.uint8)).hexdigest() + str(x.shape) + str(x.dtype)
    if key not in _SORTED:   # the reference set's radii serve pr, dc and the floor: one pass over 10k x 10k
        _SORTED[key] = _nearest_distances(x, min(NEAREST, len(x) - 1))
        while len(_SORTED) > 4:
            _SORTED.popitem(last=False)
    return _SORTED[key][:, k].copy()


def _nearest_distances(x: np.ndarray, k: int) -> np.ndarray:
    """Each row's distances to its k+1 nearest rows (itself first), ascending."""
    t = torch.as_tensor(x, dtype=torch.float64)
    out = torch.empty(len(t), k + 1, dtype=torch.float64)
    for start, d in _pairwise_chunks(t, t):
        # topk of k+1 selects the same values as kthvalue, ~8x faster on a CPU
        out[start:start + len(d)] = d.topk(k + 1, dim=1, largest=False).values
    return out.numpy()


def _ball_counts(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """For each point, how many balls (centre, radius) contain it."""
    p, c = torch.as_tensor(points, dtype=torch.float64), torch.as_tensor(centres, dtype=torch.float64)
    r = torch.as_tensor(radii, dtype=torch.float64)
    out = torch.empty(len(p), dtype=torch.int64)
    for start, d in _pairwise_chunks(p, c):
        out[start:start + len(d)] = (d <= r[None]).sum(1)
    return out.numpy()


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> Dict[str, float]:
    real_r, fake_r = kth_neighbour_radii(real, k), kth_neighbour_radii(fake, k)
    return {"precision": float((_ball_counts(fake, real, real_r) > 0).mean()),
            "recall": float((_ball_counts(real, fake, fake_r) > 0).mean())}


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> Dict[str, float]:
    real_r = kth_neighbour_radii(real, k)
    density = _ball_counts(fake, real, real_r).sum() / (k * len(fake))
    r, f = torch.as_tensor(real, dtype=torch.float64), torch.as_tensor(fake, dtype=torch.float64)
    nearest_fake = torch.empty(len(r), dtype=torch.float64)
    for start, d in _pairwise_chunks(r, f):
        nearest_fake[start:start + len(d)] = d.min(1).values
    coverage = (nearest_fake.numpy() <= real_r).mean()
    return {"density": float(density), "coverage": float(coverage)}


@register_metric("pr")
class PrecisionRecall(Metric):
    """Improved precision and recall on k-NN manifolds (k = 3; higher is better)."""

    needs = ("fake_features", "real_features")
    lower_is_better = False

    def check(self, name: str, inputs: MetricInputs) -> None:
        self.min_samples = int(self.option(inputs, "pr_k", 3)) + 1
        super().check(name, inputs)

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        return precision_recall(inputs.real_features, inputs.fake_features, int(self.option(inputs, "pr_k", 3)))


@register_metric("dc")
class DensityCoverage(Metric):
    """Density and coverage of the real k-NN balls (k = 5; coverage higher is better)."""

    needs = ("fake_features", "real_features")
    lower_is_better = False

    def check(self, name: str, inputs: MetricInputs) -> None:
        self.min_samples = int(self.option(inputs, "dc_k", 5)) + 1
        super().check(name, inputs)

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        return density_coverage(inputs.real_features, inputs.fake_features, int(self.option(inputs, "dc_k", 5)))

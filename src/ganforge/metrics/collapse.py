"""Mode-collapse detection during training, from the feature extractor's view of a batch of samples.

Two signals, each relative to the same quantity on real images so that one threshold fits any
data set:
- **class entropy**: the entropy of the mean predicted class distribution of the samples,
  ``H(mean_i p(y|x_i))``, divided by that of real images (1 = as many classes as the data;
  a generator that draws only one or two classes scores near 0);
- **feature diversity**: the mean pairwise distance between the samples' L2-normalised features
  (a cosine distance, so low-contrast early samples are not mistaken for copies), divided by
  that of real images (near 0 when the samples are near copies of each other).
The warning fires when either ratio falls below its threshold (defaults 0.5 and 0.1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch


def class_entropy(probs: np.ndarray) -> float:
    p = np.asarray(probs, dtype=np.float64).mean(0)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mean_pairwise_distance(features: np.ndarray, max_points: int = 1000) -> float:
    x = torch.as_tensor(np.asarray(features[:max_points], dtype=np.float64))
    x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
    n = len(x)
    if n < 2:
        return 0.0
    return float(torch.cdist(x, x).sum() / (n * (n - 1)))


@dataclass
class CollapseReport:
    entropy_ratio: float
    diversity_ratio: float
    collapsed: bool
    message: Optional[str]

    def to_dict(self) -> Dict[str, object]:
        return {"entropy_ratio": self.entropy_ratio, "diversity_ratio": self.diversity_ratio,
                "collapsed": self.collapsed}


class CollapseDetector:
    def __init__(self, real_features: np.ndarray, real_probs: Optional[np.ndarray] = None,
                 entropy_threshold: float = 0.5, diversity_threshold: float = 0.1):
        self.real_diversity = mean_pairwise_distance(real_features)
        self.real_entropy = class_entropy(real_probs) if real_probs is not None else None
        self.entropy_threshold, self.diversity_threshold = entropy_threshold, diversity_threshold

    def check(self, features: np.ndarray, probs: Optional[np.ndarray] = None) -> CollapseReport:
        diversity = mean_pairwise_distance(features) / max(self.real_diversity, 1e-12)
        entropy = (class_entropy(probs) / max(self.real_entropy, 1e-12)
                   if probs is not None and self.real_entropy else 1.0)
        why = []
        if entropy < self.entropy_threshold:
            why.append(f"the samples' predicted-class entropy is {entropy:.0%} of the data's")
        if diversity < self.diversity_threshold:
            why.append(f"their mean pairwise (cosine) feature distance is {diversity:.0%} of the data's")
        message = ("possible mode collapse: " + " and ".join(why) +
                   "; lower the learning rates, add --set loss.r1_weight=... or try another loss") if why else None
        return CollapseReport(entropy, diversity, bool(why), message)

"""Mode coverage on Stacked MNIST: classify each colour channel with the domain classifier.

A generated RGB image falls in mode ``100 * class(R) + 10 * class(G) + class(B)``. Reported as
in PacGAN (Lin et al. 2018): the number of modes that receive at least one of the samples
(26,000 by convention) and the KL divergence of the mode histogram from the uniform
distribution, ``KL(p || U) = sum_m p_m log(1000 p_m)``.
"""
from __future__ import annotations

from typing import Dict

import numpy as np
import torch

from ganforge.errors import DataError
from ganforge.metrics.coverage import histogram_coverage
from ganforge.metrics.features import FeatureExtractor

NUM_MODES = 1000


def stacked_modes(images: torch.Tensor, classifier: FeatureExtractor) -> np.ndarray:
    """The mode index (0..999) of each RGB 28x28 image."""
    if tuple(images.shape[1:]) != (3, 28, 28):
        raise DataError(f"Stacked MNIST mode counting needs RGB 28x28 images, got {tuple(images.shape[1:])}")
    digits = images.reshape(-1, 1, 28, 28)                      # R, G, B of each image in turn
    _, probs = classifier.extract(digits, progress="classify channels" if len(digits) > 20000 else None)
    classes = probs.argmax(1).reshape(-1, 3)
    return classes[:, 0] * 100 + classes[:, 1] * 10 + classes[:, 2]


def stacked_mnist_coverage(images: torch.Tensor, classifier: FeatureExtractor) -> Dict[str, float]:
    modes = stacked_modes(images, classifier)
    counts = np.bincount(modes, minlength=NUM_MODES)
    return {**histogram_coverage(counts), "samples": len(images)}

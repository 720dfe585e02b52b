"""Stacked MNIST (Metz et al. 2017; Lin et al. 2018): three MNIST digits as the R, G and B channels.

Each image stacks three digits drawn at random (seeded, independently) from an MNIST split, so
the data set has 10 x 10 x 10 = 1000 modes; the label is ``100 * red + 10 * green + blue``.
Used to measure mode coverage (:mod:`ganforge.image.metrics.stacked_mnist`).
"""
from __future__ import annotations

import torch

from ganforge.image.config import DataConfig
from ganforge.image.data.images import ImageDataset
from ganforge.image.data.sources import DATASETS, MNIST, load_idx_dataset

STACKED_SEED = 2018


def stack_digits(digits: ImageDataset, count: int, seed: int = STACKED_SEED) -> ImageDataset:
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, len(digits), (count, 3), generator=g)
    images = digits.images[idx, 0]                        # [count, 3, 28, 28]
    lab = digits.labels[idx]
    labels = lab[:, 0] * 100 + lab[:, 1] * 10 + lab[:, 2]
    return ImageDataset(images.contiguous(), labels, [f"{i:03d}" for i in range(1000)],
                        name=f"stacked-{digits.name}")


@DATASETS.register("stacked-mnist")
def stacked_mnist(cfg: DataConfig) -> ImageDataset:
    """Stacked MNIST: 60,000 (train) or 10,000 (test) RGB images of three digits, 1000 modes."""
    digits = load_idx_dataset(MNIST, cfg.split, cfg.dir, cfg.download, cfg.mirror)
    return stack_digits(digits, len(digits))

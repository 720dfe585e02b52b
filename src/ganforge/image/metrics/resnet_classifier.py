"""A second opinion on digits: a wider residual classifier trained with augmentation and label smoothing.

``mnist-resnet`` sees the same labels as ``mnist-classifier`` but with another inductive bias: residual
blocks with batch norm (widths 32 and 64 against 16 and 32), global average pooling instead of a
flattened 7x7 map (so its features care less about where a stroke is), and training on digits that are
randomly shifted (up to 2.5 px), rotated (up to 12 degrees), scaled (0.9-1.1) and bent by a smooth
random displacement field (elastic-like, up to 1.5 px), with label smoothing 0.1, so its features are
less tied to the exact pixels of MNIST's training digits. Its features are the 128-d layer before the
last ReLU, as for the domain classifier; the weights ship in ``weights/`` beside it, with the seed,
steps and test accuracy in their header. ``ganforge features train --extractor mnist-resnet``
reproduces them (into the cache; the package's copy is what every machine scores with).
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.image.augment.ops import rotate2d, scale2d, translate2d
from ganforge.image.metrics.classifier import (ClassifierExtractor, _splits, _unit, save_weights,
                                               trained_weights)
from ganforge.metrics.classifier_training import classifier_accuracy, fit_classifier
from ganforge.metrics.features import load_weights, register_extractor

NAME = "mnist-resnet"


class ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(h)))


class ResNetClassifier(nn.Module):
    """conv 32 -> pool -> residual block 32 (14x14) -> strided conv 64 -> residual block 64 (7x7) -> global
    average pool -> linear 128 (the features) -> linear 10."""

    def __init__(self, widths: Tuple[int, int] = (32, 64), feature_dim: int = 128, num_classes: int = 10):
        super().__init__()
        a, b = widths
        self.stem, self.bn0 = nn.Conv2d(1, a, 3, padding=1, bias=False), nn.BatchNorm2d(a)
        self.block1 = ResidualBlock(a)
        self.down, self.bn_down = nn.Conv2d(a, b, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(b)
        self.block2 = ResidualBlock(b)
        self.fc1 = nn.Linear(b, feature_dim)
        self.fc2 = nn.Linear(feature_dim, num_classes)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = F.max_pool2d(F.relu(self.bn0(self.stem(x))), 2)
        h = self.block1(h)
        h = self.block2(F.relu(self.bn_down(self.down(h))))
        features = self.fc1(h.mean((2, 3)))
        return features, self.fc2(F.relu(features))


def augment_digits(images: torch.Tensor, generator: torch.Generator, shift: float = 2.5, degrees: float = 12.0,
                   scale: Tuple[float, float] = (0.9, 1.1), elastic: float = 1.5) -> torch.Tensor:
    """uint8 ``[N, 1, H, W]`` -> float in [-1, 1], randomly shifted, rotated, scaled and smoothly bent (seeded)."""
    x = images.float().div(255.0)
    n, _, h, w = x.shape

    def uniform(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(*(shape or (n,)), generator=generator)

    pixel = 2.0 / w   # one pixel in affine_grid's [-1, 1] coordinates
    m = translate2d(uniform(-shift, shift) * pixel, uniform(-shift, shift) * pixel) \
        @ rotate2d(uniform(-math.radians(degrees), math.radians(degrees))) \
        @ scale2d(*(2 * [1.0 / uniform(*scale)]))
    grid = F.affine_grid(m[:, :2], list(x.shape), align_corners=False)
    bend = F.interpolate(uniform(-elastic * pixel, elastic * pixel, n, 2, 4, 4), size=(h, w), mode="bicubic",
                         align_corners=False)
    x = F.grid_sample(x, grid + bend.permute(0, 2, 3, 1), mode="bilinear", padding_mode="zeros",
                      align_corners=False)
    return x.clamp(0, 1).sub(0.5).div(0.5)


def train_resnet(data: str = "mnist", out: Optional[str] = None, epochs: float = 1.0, batch_size: int = 128,
                 lr: float = 2e-3, seed: int = 0, data_dir: Optional[str] = None, limit: int = 0,
                 label_smoothing: float = 0.1, quiet: bool = False) -> Dict[str, object]:
    """Train ``mnist-resnet`` on ``data``'s train split with augmentation; save it and return path, sha256, figures."""
    x_train, y_train, x_test, y_test = _splits(data, data_dir, limit)
    torch.manual_seed(seed)
    model = ResNetClassifier()
    steps = max(1, int(epochs * len(x_train) / batch_size))
    generator = torch.Generator().manual_seed(seed + 1)
    t0 = time.monotonic()
    fit_classifier(model, x_train, y_train, steps, batch_size, lr, seed, lambda x: augment_digits(x, generator),
                   f"train {NAME}", quiet, label_smoothing=label_smoothing)
    acc = classifier_accuracy(model, x_test, y_test, _unit)
    meta = {"format": "ganforge-resnet-classifier/1", "data": data, "seed": seed, "steps": steps,
            "batch_size": batch_size, "lr": lr, "label_smoothing": label_smoothing, "test_accuracy": acc,
            "train_images": len(x_train), "test_images": len(x_test), "threads": torch.get_num_threads()}
    info = save_weights(model, Path(out) if out else trained_weights(NAME), meta)   # no time in the file: one
    return {**info, "seconds": round(time.monotonic() - t0, 1)}                     # seed, one hash (one machine)


@register_extractor(NAME)
class MnistResNet(ClassifierExtractor):
    """28x28 digits -> 128 features and 10 class probabilities of a residual classifier trained with augmentation."""

    domain = "mnist"
    weights_name = NAME
    objective = ("supervised: cross-entropy with label smoothing 0.1 on randomly shifted, rotated, scaled and "
                 "elastically bent digits; residual blocks, global average pooling")

    def load(self, path: Path) -> Tuple[nn.Module, dict]:
        return load_weights(path, lambda meta: ResNetClassifier(), f"{NAME} classifier",
                            f"train them again with `{self.train_command()}`")

    def train_command(self) -> str:
        return f"ganforge features train --extractor {NAME} --data mnist"

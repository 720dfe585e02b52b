"""Judges of translated images: a classifier of the target domain giving class predictions and features.

A :class:`Judge` turns float images ``[N, C, H, W]`` in [-1, 1] into feature vectors (for FID/KID)
and class predictions (for the FCN-score analogue). Two kinds:

- :class:`ExtractorJudge`: a feature extractor of the metrics core's registry, e.g. the shipped
  ``mnist-classifier`` for a digit target (images are turned into uint8 and, when not 28x28,
  resized bicubically by the extractor's own resize, as ``ganforge eval --resize bicubic`` does);
- :class:`TrainedJudge`: :class:`DigitNet`, a small CNN trained here on the target domain's training
  split (seeded; :func:`train_digit_classifier`), for targets without a shipped classifier
  (scikit-learn digits, MNIST-M).

:func:`train_digit_classifier` is also the one training of the CyCADA-style table's classifiers.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganforge.errors import DataError
from ganforge.metrics.classifier_training import fit_classifier
from ganforge.metrics.features import create_extractor


@dataclass(frozen=True)
class ClassifierRecipe:
    """How :func:`train_digit_classifier` trains: recorded on the protocol card."""

    steps: int = 400          # about 13 epochs of 2,000 images; tens of seconds on a CPU
    batch_size: int = 64
    lr: float = 2e-3
    seed: int = 0

    def describe(self) -> str:
        return (f"DigitNet, {self.steps} steps of {self.batch_size}, Adam {self.lr:g} decaying linearly, "
                f"seed {self.seed}")


class DigitNet(nn.Module):
    """conv 16 -> pool -> conv 32 -> pool -> 4x4 average -> linear 128 (the features) -> linear 10; any size, C 1 or 3."""

    def __init__(self, channels: int = 1, num_classes: int = 10, feature_dim: int = 128):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 4 * 4, feature_dim)
        self.fc2 = nn.Linear(feature_dim, num_classes)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.adaptive_avg_pool2d(F.max_pool2d(F.relu(self.conv2(h)), 2), 4)
        features = self.fc1(h.flatten(1))
        return features, self.fc2(F.relu(features))


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """uint8 0-255 -> float [-1, 1]."""
    return images.float().div(127.5).sub(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] -> uint8 0-255 (clamped, rounded)."""
    return images.detach().float().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)


def match_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Grayscale repeated to RGB, or RGB averaged to grayscale, so that two domains meet one classifier."""
    if images.shape[1] == channels:
        return images
    if images.shape[1] == 1:
        return images.repeat(1, channels, 1, 1)
    return images.mean(dim=1, keepdim=True)


def train_digit_classifier(images: torch.Tensor, labels: torch.Tensor,
                           recipe: ClassifierRecipe = ClassifierRecipe(), desc: str = "train digit classifier",
                           quiet: bool = True) -> DigitNet:
    """A :class:`DigitNet` trained on float images in [-1, 1] with their labels (seeded; the global RNG is kept)."""
    with torch.random.fork_rng():
        torch.manual_seed(recipe.seed)
        model = DigitNet(images.shape[1])
        return fit_classifier(model, images, labels, recipe.steps, recipe.batch_size, recipe.lr, recipe.seed, desc=desc,
                              quiet=quiet)


class Judge:
    """Features and class predictions of float images in [-1, 1]; ``name`` and ``sha256`` go on the card."""

    name = "judge"
    sha256 = ""
    resize = "none"

    def network_input(self, images: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @torch.no_grad()
    def judge(self, images: torch.Tensor, batch: int = 500) -> Tuple[np.ndarray, np.ndarray]:
        """(features ``[N, D]`` float64, predicted classes ``[N]``)."""
        feats, preds = [], []
        for s in range(0, len(images), batch):
            f, logits = self.network(self.network_input(images[s:s + batch]))
            feats.append(f.double())
            preds.append(logits.argmax(1))
        return torch.cat(feats).numpy(), torch.cat(preds).numpy()


class TrainedJudge(Judge):
    def __init__(self, network: DigitNet, trained_on: str, recipe: ClassifierRecipe, channels: int):
        self.network, self.channels = network.eval(), channels
        self.name = f"DigitNet trained on {trained_on} ({recipe.describe()})"
        digest = hashlib.sha256()
        for key, value in sorted(network.state_dict().items()):
            digest.update(key.encode() + value.numpy().tobytes())
        self.sha256 = digest.hexdigest()

    def network_input(self, images: torch.Tensor) -> torch.Tensor:
        return match_channels(images.float(), self.channels)


class ExtractorJudge(Judge):
    """A registered feature extractor of uint8 images (the metrics core's ``mnist-classifier``...)."""

    def __init__(self, extractor: str, input_shape: Tuple[int, int, int] = (1, 28, 28)):
        self.extractor = create_extractor(extractor)
        self.network, self.input_shape = self.extractor.network, tuple(input_shape)
        self.name, self.sha256 = extractor, self.extractor.weights_sha256

    def network_input(self, images: torch.Tensor) -> torch.Tensor:
        u8 = to_uint8(match_channels(images, self.input_shape[0]))
        if tuple(u8.shape[1:]) != self.input_shape:
            self.resize = f"bicubic to {self.input_shape[2]}x{self.input_shape[1]} (both sides)"
            self.extractor.check_resize("bicubic")
            u8 = self.extractor.resize_samples(u8, self.input_shape, "bicubic")
        return self.extractor.prepare(u8)


def check_images(images: object, count: int, shape: Tuple[int, ...], what: str) -> torch.Tensor:
    """A translator's output checked: float ``[count, *shape]`` and finite, clamped to [-1, 1]."""
    if not torch.is_tensor(images) or not images.is_floating_point():
        raise DataError(f"{what} returned {type(images).__name__}, not a float tensor; a translator must return "
                        "float images [N, C, H, W] in [-1, 1]")
    if images.shape[0] != count or tuple(images.shape[2:]) != tuple(shape[1:]):
        raise DataError(f"{what} returned shape {tuple(images.shape)} for {count} images of {tuple(shape)}; a "
                        "translator must return one image of the same size per input")
    if not torch.isfinite(images).all():
        raise DataError(f"{what} returned NaN or infinite values; the translator's weights are broken")
    return images.detach().float().cpu().clamp(-1, 1)

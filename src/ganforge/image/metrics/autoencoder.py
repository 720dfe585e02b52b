"""A third opinion on digits that never saw a label: the code of a convolutional autoencoder.

``mnist-autoencoder`` is trained only to reconstruct the training digits (mean squared error on
pixels, seeded Adam with a linear learning-rate decay), so its 64-d code describes what the pixels
look like (stroke thickness, slant, size) rather than which class they belong to: a different
inductive bias from the two classifiers. Its features (for FID, KID, precision/recall) are that
code. A linear probe (one linear layer, 64 -> 10) is trained afterwards on the frozen codes of the
training digits; only the probe sees labels. It gives the class probabilities (IS, confident share)
and the card's linear-probe accuracy. The card also records the test reconstruction error. The
weights (encoder, decoder and probe, about 1 MB) ship in ``weights/``; ``ganforge features train
--extractor mnist-autoencoder`` reproduces them.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.image.metrics.classifier import (ClassifierExtractor, _splits, _unit, save_weights,
                                               trained_weights)
from ganforge.metrics.classifier_training import classifier_accuracy, fit_classifier, fit_seeded
from ganforge.metrics.features import load_weights, register_extractor

NAME = "mnist-autoencoder"


class ConvAutoencoder(nn.Module):
    """Encoder conv 32 (14x14) -> conv 32 (7x7) -> linear 64 (the code); decoder the mirror; probe linear 64 -> 10."""

    def __init__(self, code_dim: int = 64, width: int = 32, num_classes: int = 10):
        super().__init__()
        self.width = width
        self.enc1, self.enc2 = nn.Conv2d(1, width, 4, 2, 1), nn.Conv2d(width, width, 4, 2, 1)
        self.to_code = nn.Linear(width * 49, code_dim)
        self.from_code = nn.Linear(code_dim, width * 49)
        self.dec1, self.dec2 = nn.ConvTranspose2d(width, width, 4, 2, 1), nn.ConvTranspose2d(width, 1, 4, 2, 1)
        self.probe = nn.Linear(code_dim, num_classes)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_code(F.relu(self.enc2(F.relu(self.enc1(x)))).flatten(1))

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.from_code(code)).view(len(code), self.width, 7, 7)
        return torch.tanh(self.dec2(F.relu(self.dec1(h))))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        code = self.encode(x)
        return code, self.probe(code)


class _Probe(nn.Module):
    """The probe alone, on precomputed codes, in the (features, logits) form that fit_classifier trains."""

    def __init__(self, probe: nn.Linear):
        super().__init__()
        self.probe = probe

    def forward(self, code: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return code, self.probe(code)


def fit_autoencoder(model: ConvAutoencoder, images: torch.Tensor, steps: int, batch_size: int = 128,
                    lr: float = 2e-3, seed: int = 0, quiet: bool = False) -> ConvAutoencoder:
    """Reconstruction training (MSE in [-1, 1]) with seeded batch order and a linear learning-rate decay."""
    params = [p for n, p in model.named_parameters() if not n.startswith("probe.")]

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        x = _unit(images[idx])
        return F.mse_loss(model.decode(model.encode(x)), x)

    return fit_seeded(model, params, len(images), loss_of, steps, batch_size, lr, seed, f"train {NAME}", quiet)


@torch.no_grad()
def codes_of(model: ConvAutoencoder, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    return torch.cat([model.encode(_unit(images[s:s + batch])) for s in range(0, len(images), batch)])


@torch.no_grad()
def reconstruction_mse(model: ConvAutoencoder, images: torch.Tensor, batch: int = 1000) -> float:
    """Mean squared error per pixel, with pixels in [0, 1]."""
    total = 0.0
    for s in range(0, len(images), batch):
        x = _unit(images[s:s + batch])
        total += float(((model.decode(model.encode(x)) - x) / 2).pow(2).sum())
    return total / images[:, :1].numel()


def train_autoencoder(data: str = "mnist", out: Optional[str] = None, epochs: float = 3.0, batch_size: int = 128,
                      lr: float = 2e-3, seed: int = 0, data_dir: Optional[str] = None, limit: int = 0,
                      probe_epochs: float = 5.0, quiet: bool = False) -> Dict[str, object]:
    """Train the autoencoder (no labels), then its linear probe on frozen codes; save, return path, sha256, figures."""
    x_train, y_train, x_test, y_test = _splits(data, data_dir, limit)
    torch.manual_seed(seed)
    model = ConvAutoencoder()
    steps = max(1, int(epochs * len(x_train) / batch_size))
    t0 = time.monotonic()
    fit_autoencoder(model, x_train, steps, batch_size, lr, seed, quiet)
    probe_steps = max(1, int(probe_epochs * len(x_train) / 256))
    fit_classifier(_Probe(model.probe), codes_of(model, x_train), y_train, probe_steps, 256, 1e-2, seed,
                   desc="linear probe", quiet=quiet)
    meta = {"format": "ganforge-autoencoder/1", "data": data, "seed": seed, "steps": steps, "batch_size": batch_size,
            "lr": lr, "probe_steps": probe_steps, "test_reconstruction_mse": reconstruction_mse(model, x_test),
            "linear_probe_accuracy": classifier_accuracy(model, x_test, y_test, _unit),
            "train_images": len(x_train), "test_images": len(x_test), "threads": torch.get_num_threads()}
    info = save_weights(model, Path(out) if out else trained_weights(NAME), meta)   # no time in the file: one
    return {**info, "seconds": round(time.monotonic() - t0, 1)}                     # seed, one hash (one machine)


@register_extractor(NAME)
class MnistAutoencoder(ClassifierExtractor):
    """28x28 digits -> the 64-d code of an autoencoder trained without labels (probabilities: its linear probe)."""

    domain = "mnist"
    weights_name = NAME
    objective = ("self-supervised: pixel reconstruction (MSE) without labels; features are the 64-d code; a linear "
                 "probe trained afterwards on frozen codes gives the class probabilities")

    def load(self, path: Path) -> Tuple[nn.Module, dict]:
        return load_weights(path, lambda meta: ConvAutoencoder(), NAME,
                            f"train them again with `{self.train_command()}`")

    def train_command(self) -> str:
        return f"ganforge features train --extractor {NAME} --data mnist"

    def describe(self) -> dict:   # the card's "test accuracy" of an encoder is its linear probe's
        return {**super().describe(), "extractor_test_accuracy": self.meta.get("linear_probe_accuracy")}

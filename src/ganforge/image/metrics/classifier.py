"""The domain classifier: a small CNN for 28x28 digits or clothes, trained by ``ganforge features train``.

It gives FID, KID, IS, precision/recall and Stacked-MNIST mode counts that work fully offline.
Architecture: conv 16 -> pool -> conv 32 -> pool -> linear 128 (the feature vector, taken before
its ReLU) -> linear 10; about 1.2 M multiply-adds per image, cheap to train and run on a CPU.
Training is seeded (weights, batch order); on one machine it is deterministic, but other CPUs round
differently, so the MNIST weights ship inside the package (``weights/``, sha256 in ``SHIPPED_SHA256``)
and every machine scores with the same network and the same protocol card. ``ganforge features
train`` reproduces them (into the cache; pass ``--weights`` to use your own). The weights are
safetensors with the seed, data set, steps and test accuracy in the header, and the file's sha256
goes into every protocol card.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

from ganforge.errors import GanforgeError
from ganforge.files import atomic_write
from ganforge.image.metrics.sources import ImageExtractor
from ganforge.metrics.classifier_training import classifier_accuracy, fit_classifier
from ganforge.metrics.features import extractor_dir, load_weights, register_extractor

DOMAINS = {"mnist": "mnist-classifier", "fashion-mnist": "fashion-mnist-classifier", "embedded": "mnist-classifier"}


class DomainClassifier(nn.Module):
    def __init__(self, num_classes: int = 10, feature_dim: int = 128):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, feature_dim)
        self.fc2 = nn.Linear(feature_dim, num_classes)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        features = self.fc1(h.flatten(1))
        return features, self.fc2(F.relu(features))


# weights shipped inside the package: every machine gets the same network, so the same protocol card
SHIPPED = Path(__file__).resolve().parent / "weights"
SHIPPED_SHA256 = {"mnist-classifier": "e44837d31863f357edca8de8beae7fed603daf26c7beb9b926806c5cc67a6a6a",
                  "mnist-resnet": "4d8cfb811449c0d538779214caf51ff1ed6b7a9bb5d12d982d08483e9bb0dc9d",
                  "mnist-autoencoder": "1c299b6389997bdebaeb23746a66fceb7d65a8d192ae44e143f044bb77a0000c"}


def default_weights(domain: str) -> Path:
    """The shipped weights of a domain when the package has them, else where `features train` saves them."""
    name = DOMAINS.get(domain, domain)
    shipped = SHIPPED / f"{name}.safetensors"
    return shipped if shipped.is_file() else trained_weights(domain)


def trained_weights(domain: str) -> Path:
    """Where `ganforge features train` writes a domain's weights by default (the cache, not the package)."""
    return extractor_dir() / f"{DOMAINS.get(domain, domain)}.safetensors"


def _unit(images: torch.Tensor) -> torch.Tensor:
    return images.float().div(255.0).sub(0.5).div(0.5)


def _splits(data: str, data_dir: Optional[str], limit: int):
    """(train images, train labels, test images, test labels) as uint8 / int64 tensors.

    ``embedded`` (the MNIST test split shipped in the package, for tests and offline demos) holds
    out its last 2,000 digits as the test set.
    """
    from ganforge.image.data import load_split

    if data == "embedded":
        ds = load_split("embedded")
        cut = min(len(ds) - 2000, limit or len(ds))
        return ds.images[:cut], ds.labels[:cut], ds.images[-2000:], ds.labels[-2000:]
    if data not in DOMAINS:
        raise GanforgeError(f"no domain classifier for data set {data!r}; choose one of {', '.join(DOMAINS)}")
    train, test = load_split(f"{data}:train", data_dir), load_split(f"{data}:test", data_dir)
    n = limit or len(train)
    return train.images[:n], train.labels[:n], test.images, test.labels


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    return classifier_accuracy(model, images, labels, _unit)


def train_classifier(data: str = "mnist", out: Optional[str] = None, epochs: float = 3.0, batch_size: int = 128,
                     lr: float = 1e-3, seed: int = 0, data_dir: Optional[str] = None, limit: int = 0,
                     quiet: bool = False) -> Dict[str, object]:
    """Train the classifier on ``data``'s train split and save it; returns path, sha256, test accuracy."""
    x_train, y_train, x_test, y_test = _splits(data, data_dir, limit)
    torch.manual_seed(seed)
    model = DomainClassifier()
    steps = max(1, int(epochs * len(x_train) / batch_size))
    t0 = time.monotonic()
    fit_classifier(model, x_train, y_train, steps, batch_size, lr, seed, _unit, f"train {DOMAINS.get(data, data)}",
                   quiet)
    acc = accuracy(model, x_test, y_test)
    path = Path(out) if out else trained_weights(data)
    meta = {"format": "ganforge-classifier/1", "data": data, "seed": seed, "steps": steps, "batch_size": batch_size,
            "lr": lr, "test_accuracy": acc, "train_images": len(x_train), "test_images": len(x_test),
            "seconds": round(time.monotonic() - t0, 1)}
    return save_weights(model, path, meta)


def save_weights(model: nn.Module, path: Path, meta: dict) -> Dict[str, object]:
    """Save an extractor's weights as safetensors with ``meta`` in the header; returns path, sha256 and meta."""
    from ganforge.files import file_digest

    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    atomic_write(path, lambda tmp: save_file(state, str(tmp), metadata={"ganforge": json.dumps(meta)}))
    return {"path": str(path), "sha256": file_digest(path, "sha256"), **meta}


def load_classifier(path: Path) -> Tuple[DomainClassifier, dict]:
    return load_weights(path, lambda meta: DomainClassifier(), "domain classifier",
                        "train them again with `ganforge features train`")


class ClassifierExtractor(ImageExtractor):
    """28x28 grayscale images -> 128 features and 10 class probabilities."""

    domain = "mnist"
    resize = "none (28x28 grayscale only)"
    weights_name = ""          # the weights file's stem; default: the domain's classifier
    objective = "supervised: cross-entropy on the labels, no augmentation"

    def __init__(self, weights: Optional[str] = None, device: str = "cpu"):
        self.name = self.weights_name or DOMAINS[self.domain]
        path = Path(weights) if weights else default_weights(self.name)
        if not path.is_file():
            raise GanforgeError(f"no {self.name} weights at {path}; train them once with `{self.train_command()}` "
                                f"(a few minutes on a CPU), then pass --weights {path}")
        model, self.meta = self.load(path)
        super().__init__(model, path, device)

    def load(self, path: Path) -> Tuple[nn.Module, dict]:
        return load_classifier(path)

    def train_command(self) -> str:
        return f"ganforge features train --data {self.domain}"

    def card(self) -> Dict[str, object]:
        """The extractor's card: name, weights and their sha256, training data, objective and test figures."""
        keep = ("data", "seed", "steps", "train_images", "test_images", "test_accuracy", "linear_probe_accuracy",
                "test_reconstruction_mse", "seconds", "threads", "cpu")
        return {"extractor": self.name, "weights": str(self.weights_path), "sha256": self.weights_sha256,
                "objective": self.objective, "train": self.train_command(),
                **{k: self.meta[k] for k in keep if k in self.meta}}

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        if tuple(images.shape[1:]) != (1, 28, 28):
            raise GanforgeError(f"{self.name} reads 28x28 grayscale images, got {tuple(images.shape[1:])}; "
                                "use --extractor inception for other images")
        return _unit(images)

    def describe(self) -> dict:
        return {**super().describe(), "extractor_test_accuracy": self.meta.get("test_accuracy")}


@register_extractor("mnist-classifier")
class MnistClassifier(ClassifierExtractor):
    domain = "mnist"


@register_extractor("fashion-mnist-classifier")
class FashionClassifier(ClassifierExtractor):
    domain = "fashion-mnist"

"""Feature extractors for the metrics, in a registry: ``@register_extractor("name")``.

An extractor turns uint8 images ``[N, C, H, W]`` into float64 feature vectors (for FID, KID,
precision/recall) and class probabilities (for IS and mode counting). Each states how it resizes
images and the sha256 of its weights file, both of which go into every score's protocol card.

Registered here: ``mnist-classifier`` and ``fashion-mnist-classifier`` (a small CNN trained by
``ganforge features train``, see :mod:`.classifier`) and ``inception`` (the TF-compatible
Inception-v3 of published FIDs, see :mod:`.inception`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

from ganforge.image.data.download import cache_dir, file_digest
from ganforge.registry import Registry

EXTRACTORS = Registry("feature extractor")
register_extractor = EXTRACTORS.register


class FeatureExtractor:
    """Base class: subclasses build ``self.network`` whose forward returns (features, logits)."""

    name = "extractor"
    resize = "none"
    batch_size = 256

    def __init__(self, network: torch.nn.Module, weights_path: Path, device: str = "cpu"):
        self.network = network.to(device).eval().requires_grad_(False)
        self.weights_path = Path(weights_path)
        self.weights_sha256 = file_digest(self.weights_path, "sha256")
        self.device = torch.device(device)

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 ``[B, C, H, W]`` -> the network's float input (resize, channels, range)."""
        raise NotImplementedError

    @torch.no_grad()
    def extract(self, images: torch.Tensor, progress: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
        """(features ``[N, D]`` float64, class probabilities ``[N, K]`` float64)."""
        feats, probs = [], []
        starts = range(0, len(images), self.batch_size)
        for start in tqdm(starts, desc=progress, disable=None if progress else True, leave=False, unit="batch"):
            batch = self.prepare(images[start:start + self.batch_size].to(self.device))
            f, logits = self.network(batch)
            feats.append(f.double().cpu())
            probs.append(torch.softmax(logits.double(), dim=1).cpu())
        return torch.cat(feats).numpy(), torch.cat(probs).numpy()

    def describe(self) -> dict:
        return {"extractor": self.name, "extractor_sha256": self.weights_sha256, "resize": self.resize}


def extractor_dir() -> Path:
    return cache_dir() / "features"


def create_extractor(name: str, weights: Optional[str] = None, device: str = "cpu") -> FeatureExtractor:
    """Build a registered extractor; ``weights`` overrides its default weights file."""
    return EXTRACTORS.create(name, weights=weights, device=device)


def array_digest(array: np.ndarray) -> str:
    """sha256 of an array's shape, dtype and bytes: the identity of a reference set."""
    h = hashlib.sha256(f"{array.shape}|{array.dtype}|".encode())
    h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


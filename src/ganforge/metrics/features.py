"""Feature extractors for the metrics, in a registry that families fill: ``@register_extractor("name")``.

An extractor turns samples of one modality into float64 feature vectors (for FID, KID,
precision/recall) and class probabilities (for IS and mode counting). Each declares its
``modality`` (``"image"``...) and ``input_kind`` (what samples it accepts), converts and checks
the samples it is given (:meth:`FeatureExtractor.accept`, :meth:`FeatureExtractor.check_compatible`),
and states how it preprocesses them and the sha256 of its weights file, both of which go into
every score's protocol card. An extractor may also resize samples unlike the reference
(``--resize FILTER``: :meth:`FeatureExtractor.check_resize`, ``resize_samples``, ``describe_resize``).

The core registers none: the image family registers ``mnist-classifier``, ``mnist-resnet``,
``mnist-autoencoder``, ``fashion-mnist-classifier`` and ``inception`` (:mod:`ganforge.image.metrics`);
the registry imports the families on its first look-up (:func:`ganforge.family.load_families`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

from ganforge.errors import DataError, GanforgeError
from ganforge.family import load_families
from ganforge.files import cache_dir, file_digest
from ganforge.registry import Registry

EXTRACTORS = Registry("feature extractor", discover=load_families)
register_extractor = EXTRACTORS.register


class FeatureExtractor:
    """Base class: subclasses build ``self.network`` whose forward returns (features, logits)."""

    name = "extractor"
    modality = ""          # the samples' modality, e.g. "image"
    input_kind = ""        # what it accepts, e.g. "uint8 images [N, C, H, W]"
    resize = "none"
    batch_size = 256

    def __init__(self, network: torch.nn.Module, weights_path: Path, device: str = "cpu"):
        self.network = network.to(device).eval().requires_grad_(False)
        self.weights_path = Path(weights_path)
        self.weights_sha256 = file_digest(self.weights_path, "sha256")
        self.device = torch.device(device)

    def accept(self, samples: Any, what: str) -> torch.Tensor:
        """The samples as this extractor's input tensor, or a one-line error naming what it accepts."""
        try:
            return torch.as_tensor(samples)
        except (TypeError, ValueError, RuntimeError):
            raise DataError(f"{what} is not {self.input_kind or 'an array'}, which extractor {self.name} "
                            "accepts") from None

    def check_compatible(self, samples: torch.Tensor, reference_shape: tuple, source: str, reference: str,
                         resize: Optional[str] = None) -> None:
        """Refuse samples whose shape differs from the reference's (before any features are computed),
        unless ``resize`` (a filter that :meth:`check_resize` accepted) can make them alike."""
        if tuple(samples.shape[1:]) != tuple(reference_shape):
            raise DataError(f"{source} holds samples of shape {tuple(samples.shape[1:])} but reference {reference} "
                            f"holds {tuple(reference_shape)}; evaluate samples shaped like the reference")

    def check_resize(self, method: str) -> None:
        """Refuse a resize filter (``--resize``) that this extractor's samples cannot be resized with."""
        raise GanforgeError(f"extractor {self.name} cannot resize its samples (--resize {method}); evaluate "
                            "samples shaped like the reference")

    def resize_samples(self, samples: torch.Tensor, shape: tuple, method: str) -> torch.Tensor:
        """Accepted samples resized to the sample shape ``shape`` with the filter ``method``."""
        raise NotImplementedError

    def describe_resize(self, sample_shape: tuple, reference_shape: tuple, method: str) -> str:
        """The card's ``resize`` for samples of ``sample_shape`` resized to the reference's, which takes the
        round trip reference -> ``sample_shape`` -> reference (see :class:`~ganforge.metrics.evaluate.Evaluator`)."""
        raise NotImplementedError

    def prepare(self, samples: torch.Tensor) -> torch.Tensor:
        """A batch of accepted samples -> the network's float input (resize, channels, range)."""
        raise NotImplementedError

    @torch.no_grad()
    def extract(self, samples: torch.Tensor, progress: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
        """(features ``[N, D]`` float64, class probabilities ``[N, K]`` float64)."""
        feats, probs = [], []
        starts = range(0, len(samples), self.batch_size)
        for start in tqdm(starts, desc=progress, disable=None if progress else True, leave=False, unit="batch"):
            batch = self.prepare(samples[start:start + self.batch_size].to(self.device))
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


def extractors_for(modality: str) -> list:
    """Names of the registered extractors of one modality."""
    return [n for n in EXTRACTORS.names() if getattr(EXTRACTORS.get(n), "modality", "") == modality]


def array_digest(array: np.ndarray) -> str:
    """sha256 of an array's shape, dtype and bytes: the identity of a reference set."""
    h = hashlib.sha256(f"{array.shape}|{array.dtype}|".encode())
    h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def load_weights(path: Path, build: Callable[[Dict[str, Any]], torch.nn.Module], what: str,
                 fix: str) -> Tuple[torch.nn.Module, Dict[str, Any]]:
    """A shipped or user-trained network from safetensors weights and their ``ganforge`` JSON metadata.

    ``build(meta)`` makes the empty network (and may refuse a file of another kind with a GanforgeError);
    a corrupt file, or tensors that do not fit the network, is a one-line GanforgeError ending with ``fix``
    (how to make the weights again)."""
    import json

    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("ganforge", "{}"))
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError, json.JSONDecodeError) as exc:
        raise GanforgeError(f"{what} weights {path} are corrupt or not safetensors ({exc}); {fix}") from None
    module = build(meta)
    own = module.state_dict()
    if set(state) != set(own) or any(state[k].shape != own[k].shape for k in own):
        raise GanforgeError(f"{path} does not hold {what} weights; {fix}")
    module.load_state_dict(state)
    return module, meta

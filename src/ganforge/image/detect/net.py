"""The detector network and its files: ``DETECTOR.safetensors`` (weights) and ``DETECTOR.json`` (settings, history).

A four-layer CNN (stride-2 convolutions, LeakyReLU, global average pooling, one logit: generated);
small enough to train on a CPU in minutes at MNIST sizes. Weights are never unpickled.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Tuple

import torch
from torch import nn

from ganforge.errors import GanforgeError
from ganforge.files import atomic_write, atomic_write_text

FORMAT = "ganforge-detector/1"


class DetectorNet(nn.Module):
    def __init__(self, channels: int = 1, width: int = 16):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(channels, w, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, 4 * w, 3, 1, 1), nn.LeakyReLU(0.2))
        self.head = nn.Linear(4 * w, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """float ``[N, C, S, S]`` in [-1, 1] -> logits ``[N]`` (positive: generated)."""
        return self.head(self.features(x).mean((2, 3)))[:, 0]


def paths(target: str | Path) -> Tuple[Path, Path]:
    base = Path(target)
    base = base.with_suffix("") if base.suffix in (".safetensors", ".json") else base
    return base.with_name(base.name + ".safetensors"), base.with_name(base.name + ".json")


def save_detector(net: DetectorNet, target: str | Path, meta: Dict[str, Any]) -> Path:
    from safetensors.torch import save_file

    weights, card = paths(target)
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    atomic_write(weights, lambda tmp: save_file(state, str(tmp), metadata={"format": FORMAT}))
    atomic_write_text(card, json.dumps({"format": FORMAT, **meta}, indent=2) + "\n")
    return weights


def load_detector(target: str | Path) -> Tuple[DetectorNet, Dict[str, Any]]:
    """The detector of ``target`` (``DETECTOR``, ``.safetensors`` or ``.json``); one-line errors for bad files."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    weights, card = paths(target)
    fix = "pass a detector written by `ganforge detect train` (DETECTOR.safetensors and DETECTOR.json)"
    if not weights.is_file() or not card.is_file():
        raise GanforgeError(f"detector {target} not found (need {weights.name} and {card.name}); {fix}")
    try:
        meta = json.loads(card.read_text(encoding="utf-8"))
        state = load_file(str(weights))
    except (OSError, ValueError, SafetensorError) as exc:
        raise GanforgeError(f"detector {target} is unreadable ({type(exc).__name__}); {fix}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise GanforgeError(f"{card} is not a ganforge detector card (format {FORMAT}); {fix}")
    net = DetectorNet(int(meta["channels"]), int(meta["width"]))
    try:
        net.load_state_dict(state)
    except RuntimeError:
        raise GanforgeError(f"detector weights {weights} do not fit its card {card.name}; {fix}") from None
    return net.eval().requires_grad_(False), meta

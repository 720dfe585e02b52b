"""What the video metrics measure clips with: the MNIST domain classifier on two views of each frame, and motion.

- **frame view**: the whole frame, channels averaged to grayscale, resized to 28x28 by the extractor's own
  resize (PIL bicubic on uint8, antialiased when shrinking): the frame-level FID/KID input;
- **digit view**: a window the size of an MNIST digit in the frame (28/64 of the side) centred on the frame's
  intensity centre of mass (kept inside the frame), resized to 28x28 the same way: the classifier sees a
  digit as it was trained to, wherever the digit has moved. Digit consistency and ACD read this view (with
  two digits the window holds the brighter one or both: the real data's own figures show what to expect);
- **motion**: the centre of mass of each frame; speeds (pixels a frame) and bounces (a reversal of the
  horizontal or vertical velocity, both steps moving more than 0.25 px along that axis) per clip.

The classifier is the one the image family registers (``mnist-classifier``), looked up in the metrics core's
extractor registry, never imported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

import numpy as np
import torch

from ganforge.metrics.features import array_digest, create_extractor

DIGIT_SHARE = 28 / 64          # an MNIST digit's side over Moving MNIST's frame side
CLASSIFIER_SHAPE = (1, 28, 28)
BOUNCE_MIN_PX = 0.25


def grayscale(clips: torch.Tensor) -> torch.Tensor:
    """uint8 ``[N, T, C, H, W]`` -> ``[N*T, 1, H, W]`` (channels averaged)."""
    frames = clips.flatten(0, 1)
    return frames if frames.shape[1] == 1 else frames.float().mean(1, keepdim=True).round().to(torch.uint8)


def centres(clips: torch.Tensor) -> np.ndarray:
    """Intensity centres of mass ``[N, T, 2]`` (y, x) in pixels; a black frame's centre is the frame's."""
    x = clips.double().mean(2)                                          # [N, T, H, W]
    h, w = x.shape[-2:]
    mass = x.sum((-2, -1))
    ys = (x.sum(-1) * torch.arange(h, dtype=torch.float64)).sum(-1)
    xs = (x.sum(-2) * torch.arange(w, dtype=torch.float64)).sum(-1)
    safe = mass.clamp_min(1e-9)
    out = torch.stack([torch.where(mass > 0, ys / safe, torch.full_like(ys, (h - 1) / 2)),
                       torch.where(mass > 0, xs / safe, torch.full_like(xs, (w - 1) / 2))], -1)
    return out.numpy()


def digit_windows(clips: torch.Tensor) -> torch.Tensor:
    """uint8 ``[N*T, 1, b, b]``: a digit-sized window of each frame around its centre of mass."""
    frames = grayscale(clips)
    s = frames.shape[-1]
    b = max(8, int(round(s * DIGIT_SHARE)))
    c = centres(clips).reshape(-1, 2)
    top = np.clip(np.round(c - b / 2), 0, s - b).astype(np.int64)
    out = torch.empty((len(frames), 1, b, b), dtype=torch.uint8)
    for i, (y, x) in enumerate(top):
        out[i] = frames[i, :, y:y + b, x:x + b]
    return out


def motion(clips: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
    """(speeds ``[N*(T-1)]`` in pixels a frame, bounces ``[N]`` per clip)."""
    v = np.diff(centres(clips), axis=1)                                     # [N, T-1, 2]
    speeds = np.linalg.norm(v, axis=-1).reshape(-1)
    moving = np.abs(v) > BOUNCE_MIN_PX
    flips = (np.sign(v[:, 1:]) != np.sign(v[:, :-1])) & moving[:, 1:] & moving[:, :-1]
    return speeds, flips.any(-1).sum(-1).astype(np.float64)


@dataclass
class ClipJudgement:
    """The classifier's view of a set of clips, computed once: frame and digit features, digit predictions."""

    frame_features: np.ndarray              # [N*T, D]
    digit_features: np.ndarray              # [N, T, D]
    digit_predictions: np.ndarray           # [N, T]
    speeds: np.ndarray
    bounces: np.ndarray
    extra: Dict[str, np.ndarray] = field(default_factory=dict)


class ClipJudge:
    """The registered domain classifier applied to clips (``extractor``: a 28x28 grayscale extractor's name)."""

    resize = "bicubic"

    def __init__(self, extractor: str = "mnist-classifier", device: str = "cpu"):
        self.extractor = create_extractor(extractor, device=device)
        self.extractor.check_resize(self.resize)
        self.name, self.sha256 = extractor, self.extractor.weights_sha256
        self.cache: Dict[str, ClipJudgement] = {}      # by the clips' digest: a reference is judged once

    def to_classifier(self, frames: torch.Tensor) -> torch.Tensor:
        return self.extractor.resize_samples(frames, CLASSIFIER_SHAPE, self.resize)

    def describe(self, size: int) -> Tuple[str, str]:
        """The card's (frame view, digit view) for frames of ``size`` pixels."""
        b = max(8, int(round(size * DIGIT_SHARE)))
        return (f"whole frame, grayscale, PIL {self.resize} {size}x{size} -> 28x28 (uint8)",
                f"{b}x{b} window at the centre of mass, PIL {self.resize} -> 28x28 (uint8)")

    def judge(self, clips: torch.Tensor) -> ClipJudgement:
        key = array_digest(clips.numpy())
        if key not in self.cache:
            self.cache[key] = self.compute(clips)
        return self.cache[key]

    def compute(self, clips: torch.Tensor) -> ClipJudgement:
        n, t = clips.shape[:2]
        frame_features, _ = self.extractor.extract(self.to_classifier(grayscale(clips)))
        digit_features, probs = self.extractor.extract(self.to_classifier(digit_windows(clips)))
        speeds, bounces = motion(clips)
        return ClipJudgement(frame_features, digit_features.reshape(n, t, -1), probs.argmax(1).reshape(n, t),
                             speeds, bounces)

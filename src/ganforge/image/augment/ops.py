"""The augmentation registry and what an augmentation is: a geometric, colour or pixel operation on a batch.

Adding an augmentation is one class in one file with one decorator::

    @register_augmentation("xflip")
    class XFlip(Geometric):
        def matrix(self, n, device):
            ...   # [n, 3, 3] sampling matrices in centred pixel units

Every augmentation acts on images in [-1, 1] shaped ``[B, C, H, W]`` and draws its random
parameters for the whole batch from the global torch RNG (which the trainer re-seeds at every
step, so a resumed run draws what an uninterrupted one draws). It always draws and always
computes the same things; the pipeline (:mod:`ganforge.image.augment.pipeline`) decides per image
whether to keep its effect (probability p), so the number of random draws never depends on p.

- :class:`Geometric` ops give 3 x 3 matrices; the pipeline multiplies them and resamples once
  (``grid_sample``, bilinear, reflection padding), as StyleGAN2-ADA composes its geometric ops.
- :class:`Color` ops give 4 x 4 matrices on (R, G, B, 1); the pipeline multiplies them and applies
  them once. Ops that mix channels (``channels = (3,)``) are skipped on 1-channel images.
- :class:`Pixel` ops transform the images themselves (DiffAugment's ops, cutout).
"""
from __future__ import annotations

import math
from typing import List, Tuple

import torch

from ganforge.errors import ConfigError
from ganforge.registry import Registry

AUGMENTATIONS = Registry("augmentation")
register_augmentation = AUGMENTATIONS.register

# named lists of augmentations; "bgc" is StyleGAN2-ADA's default pipeline (blit, geometric, colour)
POLICIES = {
    "bgc": "xflip,rotate90,xint,scale,rotate,aniso,xfrac,brightness,contrast,lumaflip,hue,saturation",
    "bgcc": "xflip,rotate90,xint,scale,rotate,aniso,xfrac,brightness,contrast,lumaflip,hue,saturation,cutout",
    "diffaugment": "color,translation,cutout",
}
AUTO_POLICY = {"ada": "bgc", "diffaugment": "diffaugment"}


class Augmentation:
    """Base of every augmentation. ``channels``: the channel counts it applies to (others skip it)."""

    stage = ""                          # "geometric", "color" or "pixel"
    channels: Tuple[int, ...] = (1, 3)


class Geometric(Augmentation):
    """Gives one 3 x 3 sampling matrix per image (output pixel -> input pixel, centred pixel units)."""

    stage = "geometric"

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        raise NotImplementedError


class Color(Augmentation):
    """Gives one 4 x 4 matrix per image acting on (R, G, B, 1) in [-1, 1]."""

    stage = "color"

    def matrix(self, n: int, device: torch.device) -> torch.Tensor:
        raise NotImplementedError


class Pixel(Augmentation):
    """Transforms the images directly."""

    stage = "pixel"

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


# --------------------------------------------------------------------------- policies
def policy_names(policy: str, kind: str) -> List[str]:
    """The augmentation names of a policy string (``auto``, a named policy, or a comma list of either)."""
    if policy.strip() == "auto":
        policy = AUTO_POLICY.get(kind, "")
    names: List[str] = []
    for part in (p.strip() for p in policy.split(",")):
        if not part:
            continue
        names += policy_names(POLICIES[part], kind) if part in POLICIES else [part]
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown or not names:
        what = f"unknown augmentation {unknown[0]!r} in" if unknown else "no augmentation in"
        raise ConfigError(f"{what} augment.policy={policy!r}; choose from {', '.join(AUGMENTATIONS.names())} or "
                          f"the policies {', '.join(['auto', *POLICIES])}")
    return list(dict.fromkeys(names))   # each once, in the order given


# --------------------------------------------------------------------------- matrices (batched)
def eye(n: int, size: int, device: torch.device) -> torch.Tensor:
    return torch.eye(size, device=device).expand(n, size, size).clone()


def translate2d(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    m = eye(len(tx), 3, tx.device)
    m[:, 0, 2], m[:, 1, 2] = tx, ty
    return m


def scale2d(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    m = eye(len(sx), 3, sx.device)
    m[:, 0, 0], m[:, 1, 1] = sx, sy
    return m


def rotate2d(theta: torch.Tensor) -> torch.Tensor:
    m = eye(len(theta), 3, theta.device)
    c, s = torch.cos(theta), torch.sin(theta)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    return m


LUMA_AXIS = torch.tensor([1.0, 1.0, 1.0, 0.0]) / math.sqrt(3)   # the grey axis of (R, G, B, 1)


def translate3d(t: torch.Tensor) -> torch.Tensor:
    m = eye(len(t), 4, t.device)
    m[:, :3, 3] = t[:, None]
    return m


def scale3d(s: torch.Tensor) -> torch.Tensor:
    m = eye(len(s), 4, s.device)
    m[:, 0, 0] = m[:, 1, 1] = m[:, 2, 2] = s
    return m


def rotate_about_luma(theta: torch.Tensor) -> torch.Tensor:
    """Rotation by ``theta`` about the grey axis (Rodrigues' formula): a hue rotation."""
    v = LUMA_AXIS[:3].to(theta.device)
    k = torch.tensor([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]], device=theta.device)
    s, c = torch.sin(theta)[:, None, None], torch.cos(theta)[:, None, None]
    m = eye(len(theta), 4, theta.device)
    m[:, :3, :3] = torch.eye(3, device=theta.device) + s * k + (1 - c) * (k @ k)
    return m


def luma_projection(device: torch.device) -> torch.Tensor:
    """v v^T for the grey axis v: the 4 x 4 projection onto grey."""
    v = LUMA_AXIS.to(device)
    return torch.outer(v, v)

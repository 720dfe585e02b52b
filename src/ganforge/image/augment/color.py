"""ADA's colour augmentations (Karras et al. 2020, "c"): brightness, contrast, luma flip, hue, saturation.

Each gives one 4 x 4 matrix per image acting on (R, G, B, 1) in [-1, 1]; the pipeline composes the
matrices of the ops it keeps and applies them once. Distributions are the reference's: brightness
N(0, 0.2^2) added, contrast 2^N(0, 0.5^2), luma flip a coin toss, hue a rotation about the grey
axis uniform in [-180, 180) degrees, saturation 2^N(0, 1) away from grey. Luma flip, hue and
saturation mix channels, so they apply to RGB images only and are skipped for 1-channel images
(on grey images they would be an inversion or nothing); brightness and contrast apply to both.
"""
from __future__ import annotations

import math

import torch

from ganforge.image.augment.ops import (Color, eye, luma_projection, register_augmentation, rotate_about_luma,
                                        scale3d, translate3d)

BRIGHTNESS_STD = 0.2
CONTRAST_STD = 0.5
SATURATION_STD = 1.0


@register_augmentation("brightness")
class Brightness(Color):
    """Add N(0, 0.2^2) to every channel."""

    def matrix(self, n: int, device: torch.device) -> torch.Tensor:
        return translate3d(torch.randn(n, device=device) * BRIGHTNESS_STD)


@register_augmentation("contrast")
class Contrast(Color):
    """Scale about mid-grey by 2^N(0, 0.5^2)."""

    def matrix(self, n: int, device: torch.device) -> torch.Tensor:
        return scale3d(torch.exp2(torch.randn(n, device=device) * CONTRAST_STD))


@register_augmentation("lumaflip")
class LumaFlip(Color):
    """Mirror the colours through the plane orthogonal to grey (half the images it is drawn for); RGB only."""

    channels = (3,)

    def matrix(self, n: int, device: torch.device) -> torch.Tensor:
        flip = torch.floor(torch.rand(n, device=device) * 2)
        return eye(n, 4, device) - 2 * luma_projection(device) * flip[:, None, None]


@register_augmentation("hue")
class Hue(Color):
    """Rotate the colours about the grey axis; RGB only."""

    channels = (3,)

    def matrix(self, n: int, device: torch.device) -> torch.Tensor:
        return rotate_about_luma((torch.rand(n, device=device) * 2 - 1) * math.pi)


@register_augmentation("saturation")
class Saturation(Color):
    """Scale the distance from grey by 2^N(0, 1); RGB only."""

    channels = (3,)

    def matrix(self, n: int, device: torch.device) -> torch.Tensor:
        s = torch.exp2(torch.randn(n, device=device) * SATURATION_STD)[:, None, None]
        vv = luma_projection(device)
        m = vv + (eye(n, 4, device) - vv) * s
        m[:, 3, 3] = 1.0     # the homogeneous coordinate stays 1
        return m

"""ADA's geometric augmentations (Karras et al. 2020, "bg"): flips, 90-degree rotations, translations, scaling.

Each gives one sampling matrix per image in centred pixel units; the pipeline composes the
matrices of the ops it keeps and resamples once. The parameter distributions are the paper's
(StyleGAN2-ADA's ``AugmentPipe`` defaults): integer translation up to 1/8 of the size, log2-normal
isotropic and anisotropic scaling (std 0.2), uniform rotation, normal fractional translation (std
1/8 of the size). Differences from the reference: the arbitrary rotation is applied once (the
reference applies it before and after the anisotropic scaling, each with probability
1 - sqrt(1 - p)), and resampling is bilinear ``grid_sample`` with reflection padding instead of the
reference's 2x-upsampled wavelet filter (no custom kernels).
"""
from __future__ import annotations

import math
from typing import Tuple

import torch

from ganforge.image.augment.ops import Geometric, register_augmentation, rotate2d, scale2d, translate2d

XINT_MAX = 0.125     # integer translation, fraction of the size
SCALE_STD = 0.2      # log2 of the isotropic scale
ANISO_STD = 0.2      # log2 of the anisotropic scale
XFRAC_STD = 0.125    # fractional translation, fraction of the size


@register_augmentation("xflip")
class XFlip(Geometric):
    """Mirror left-right (half the images it is drawn for: the reference's flip is itself a coin toss)."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        flip = torch.floor(torch.rand(n, device=device) * 2)
        return scale2d(1 - 2 * flip, torch.ones(n, device=device))


@register_augmentation("rotate90")
class Rotate90(Geometric):
    """Rotate by 0, 90, 180 or 270 degrees."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        quarter = torch.floor(torch.rand(n, device=device) * 4)
        return rotate2d(-math.pi / 2 * quarter)


@register_augmentation("xint")
class IntegerTranslation(Geometric):
    """Shift by a whole number of pixels, up to 1/8 of the size each way."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        h, w = size
        t = (torch.rand(n, 2, device=device) * 2 - 1) * XINT_MAX
        return translate2d(torch.round(t[:, 0] * w), torch.round(t[:, 1] * h))


@register_augmentation("scale")
class IsotropicScale(Geometric):
    """Zoom in or out by 2^N(0, 0.2^2)."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        s = torch.exp2(torch.randn(n, device=device) * SCALE_STD)
        return scale2d(s, s)


@register_augmentation("rotate")
class Rotation(Geometric):
    """Rotate by an angle uniform in [-180, 180) degrees."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        return rotate2d((torch.rand(n, device=device) * 2 - 1) * math.pi)


@register_augmentation("aniso")
class AnisotropicScale(Geometric):
    """Stretch one axis and squeeze the other by 2^N(0, 0.2^2)."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        s = torch.exp2(torch.randn(n, device=device) * ANISO_STD)
        return scale2d(s, 1 / s)


@register_augmentation("xfrac")
class FractionalTranslation(Geometric):
    """Shift by a normal amount of pixels (std 1/8 of the size), sub-pixel."""

    def matrix(self, n: int, size: Tuple[int, int], device: torch.device) -> torch.Tensor:
        h, w = size
        t = torch.randn(n, 2, device=device) * XFRAC_STD
        return translate2d(t[:, 0] * w, t[:, 1] * h)

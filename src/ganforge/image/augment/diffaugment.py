"""DiffAugment's operations (Zhao et al. 2020): colour, translation and cutout, written as in the paper's code.

- ``color``: brightness (add U(-0.5, 0.5)), saturation (scale the distance from the per-pixel
  channel mean by U(0, 2); skipped for 1-channel images, where it is the identity) and contrast
  (scale the distance from the image mean by U(0.5, 1.5)), in that order;
- ``translation``: shift by a whole number of pixels, up to 1/8 of the size each way, filling
  with 0 (mid-grey in [-1, 1]) where the image moved away; every channel moves alike;
- ``cutout``: set a square of half the size (rounded) at a uniform position to 0, clipped at the
  borders; also ADA's optional cutout.

Each is differentiable with respect to the images (gathers, masks and affine maps), so the
generator's gradient flows through them.
"""
from __future__ import annotations

import torch

from ganforge.image.augment.ops import Pixel, register_augmentation

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _uniform(x: torch.Tensor) -> torch.Tensor:
    return torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device)


@register_augmentation("color")
class DiffColor(Pixel):
    """Random brightness, saturation (RGB only) and contrast."""

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        x = x + (_uniform(x) - 0.5)
        saturation = _uniform(x) * 2
        if x.shape[1] > 1:
            mean = x.mean(dim=1, keepdim=True)
            x = (x - mean) * saturation + mean
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return (x - mean) * (_uniform(x) + 0.5) + mean


def shift_offsets(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Per-image whole-pixel shifts ``[B, 2]`` (rows, columns), uniform in [-s, s] with s = round(ratio * size)."""
    h, w = x.shape[-2:]
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (x.shape[0],), device=x.device)
    dx = torch.randint(-sw, sw + 1, (x.shape[0],), device=x.device)
    return torch.stack([dy, dx], dim=1)


def shift(x: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """``out[b, :, i, j] = x[b, :, i + dy_b, j + dx_b]``, 0 outside the image: one shift per image, all channels."""
    b, _, h, w = x.shape
    rows = torch.arange(h, device=x.device)[None, :, None] + offsets[:, 0, None, None]   # [B, H, 1]
    cols = torch.arange(w, device=x.device)[None, None, :] + offsets[:, 1, None, None]   # [B, 1, W]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)                        # [B, H, W]
    batch = torch.arange(b, device=x.device)[:, None, None]
    picked = x[batch, :, rows.clamp(0, h - 1), cols.clamp(0, w - 1)]                   # [B, H, W, C]
    return picked.permute(0, 3, 1, 2) * inside[:, None].to(x.dtype)


@register_augmentation("translation")
class DiffTranslation(Pixel):
    """Shift by up to 1/8 of the size, zero fill."""

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return shift(x, shift_offsets(x))


def cutout_mask(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """``[B, 1, H, W]``: 0 inside one square of ``ratio`` times the size per image (clipped at the borders), 1 outside."""
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=x.device) - ch // 2
    left = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=x.device) - cw // 2
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    cut = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return (~cut)[:, None].to(x.dtype)


@register_augmentation("cutout")
class Cutout(Pixel):
    """Zero a square of half the size at a random position."""

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return x * cutout_mask(x)

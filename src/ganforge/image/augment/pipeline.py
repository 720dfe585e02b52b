"""The augmentation pipeline: a list of augmentations, each kept for an image with probability p.

``AugmentPipe(ops)(x, p)`` runs, in this order, the geometric ops (their matrices multiplied, one
bilinear resampling with reflection padding), the colour ops (their matrices multiplied, applied
once) and the pixel ops, as StyleGAN2-ADA's ``AugmentPipe`` does. For every op and image it
draws u ~ U[0, 1) and keeps the op's effect where u < p (ADA's per-image probability; DiffAugment
is p = 1). Images that no geometric (colour) op was kept for are passed through untouched, so
p = 0 is exactly the identity. Everything runs in float32 outside autocast and is
differentiable with respect to ``x``; the result has the input's dtype.
"""
from __future__ import annotations

from typing import List, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.image.augment.ops import AUGMENTATIONS, eye


def warp(x: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Resample ``x`` [B, C, H, W] with per-image 3 x 3 sampling matrices in centred pixel units (output pixel ->
    input pixel): bilinear, reflection padding."""
    h, w = x.shape[-2:]
    # diag(2/w, 2/h, 1) @ M @ diag(w/2, h/2, 1): the same map in grid_sample's [-1, 1] coordinates
    factors = [[1.0, h / w, 2 / w], [w / h, 1.0, 2 / h]]
    theta = torch.stack([matrices[:, i, j] * factors[i][j] for i in range(2) for j in range(3)], 1).view(-1, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def recolor(x: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Apply per-image 4 x 4 colour matrices on (R, G, B, 1); a 1-channel image is read as grey (R = G = B)."""
    b, c, h, w = x.shape
    if c == 3:
        flat = matrices[:, :3, :3] @ x.reshape(b, 3, h * w) + matrices[:, :3, 3:]
        return flat.reshape(b, c, h, w)
    gain = matrices[:, 0, :3].sum(1)     # what the grey axis maps to (the ops kept for grey images keep it grey)
    return x * gain[:, None, None, None] + matrices[:, 0, 3, None, None, None]


class AugmentPipe(nn.Module):
    """Runs the named augmentations on a batch of ``channels``-channel images, each kept per image with probability
    ``p`` (those that do not apply to that many channels are skipped); no parameters, no state."""

    def __init__(self, names: Sequence[str], channels: int):
        super().__init__()
        self.names: List[str] = [n for n in names if channels in AUGMENTATIONS.get(n).channels]
        self.ops = [AUGMENTATIONS.create(n) for n in self.names]
        self.geometric = [op for op in self.ops if op.stage == "geometric"]
        self.color = [op for op in self.ops if op.stage == "color"]
        self.pixel = [op for op in self.ops if op.stage == "pixel"]

    def forward(self, x: torch.Tensor, p: Union[float, torch.Tensor]) -> torch.Tensor:
        if not self.ops:
            return x
        dtype, device = x.dtype, x.device
        with torch.autocast(device.type, enabled=False):
            x = x.float()
            b, _, h, w = x.shape
            if torch.is_tensor(p):        # ADA's p lives on the device: compared there, no host sync
                p = p.to(device=device, dtype=torch.float32)
            if self.geometric:
                m, kept = eye(b, 3, device), torch.zeros(b, dtype=torch.bool, device=device)
                for op in self.geometric:
                    keep = torch.rand(b, device=device) < p
                    m = m @ torch.where(keep[:, None, None], op.matrix(b, (h, w), device), eye(b, 3, device))
                    kept |= keep
                x = torch.where(kept[:, None, None, None], warp(x, m), x)
            if self.color:
                m, kept = eye(b, 4, device), torch.zeros(b, dtype=torch.bool, device=device)
                for op in self.color:
                    keep = torch.rand(b, device=device) < p
                    m = torch.where(keep[:, None, None], op.matrix(b, device), eye(b, 4, device)) @ m
                    kept |= keep
                x = torch.where(kept[:, None, None, None], recolor(x, m), x)
            for op in self.pixel:
                keep = torch.rand(b, device=device) < p
                x = torch.where(keep[:, None, None, None], op.apply(x), x)
        return x.to(dtype)

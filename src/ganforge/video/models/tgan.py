"""TGAN-style baseline (Saito et al. 2017): a temporal generator unfolds one clip latent into frame latents.

The temporal generator maps ``z0`` through 1D transposed convolutions (length 4, 8, ... until at least T,
cut to T) to ``z1(1..T)``; each frame is ``G_I([z0, z1(t), labels])``. One video discriminator (3D
convolutions) judges the clips. Its one latent (``latent``) is the only interpolation space: content and
motion are not separated.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
from torch import nn

from ganforge.video.config import ModelConfig
from ganforge.video.models import ClipGenerator, VideoModel, register_model
from ganforge.video.models.nets import FrameGenerator, Labels, VideoDiscriminator


class TemporalGenerator(nn.Module):
    def __init__(self, latent_dim: int, frames: int):
        super().__init__()
        self.frames, self.dim = frames, latent_dim
        self.project = nn.Sequential(nn.Linear(latent_dim, latent_dim * 4), nn.ReLU(True))
        layers, length = [], 4
        while length < frames:
            layers += [nn.ConvTranspose1d(latent_dim, latent_dim, 4, 2, 1), nn.BatchNorm1d(latent_dim), nn.ReLU(True)]
            length *= 2
        self.net = nn.Sequential(*layers, nn.Conv1d(latent_dim, latent_dim, 3, 1, 1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.net(self.project(z).view(len(z), self.dim, 4))
        return h[:, :, :self.frames].transpose(1, 2)                 # [B, T, latent_dim]


class TGANGenerator(ClipGenerator):
    spaces = ("latent",)

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.labels = Labels(cfg.num_classes, cfg.digits, cfg.latent_dim) if cfg.conditional else None
        self.temporal = TemporalGenerator(cfg.latent_dim, cfg.frames)
        extra = cfg.latent_dim if cfg.conditional else 0
        self.frame = FrameGenerator(2 * cfg.latent_dim + extra, cfg.image_size, cfg.channels, cfg.width)

    def shapes(self) -> Dict[str, Tuple[int, ...]]:
        return {"latent": (self.cfg.latent_dim,)}

    def forward(self, latents: Dict[str, torch.Tensor], labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        z0 = latents["latent"]
        b, t = len(z0), self.cfg.frames
        parts = [z0[:, None].expand(-1, t, -1), self.temporal(z0)]
        if self.labels is not None:
            parts.append(self.labels(labels)[:, None].expand(-1, t, -1))
        frames = self.frame(torch.cat(parts, -1).flatten(0, 1))
        return frames.view(b, t, *frames.shape[1:])


@register_model("tgan")
def tgan(cfg: ModelConfig) -> VideoModel:
    digits = cfg.digits if cfg.conditional else 0
    return VideoModel(TGANGenerator(cfg), {
        "video": VideoDiscriminator(cfg.image_size, cfg.frames, cfg.channels, cfg.width, cfg.num_classes, digits)})

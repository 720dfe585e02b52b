"""The networks the video models share: a DCGAN frame generator, an image and a video (3D conv) discriminator.

- :class:`FrameGenerator`: a frame latent ``[B, D]`` -> a frame ``[B, C, S, S]`` in [-1, 1] (a linear layer
  to 4x4, stride-2 transposed convolutions with batch norm, tanh), as DCGAN;
- :class:`ImageDiscriminator`: frames ``[B, C, S, S]`` -> logits ``[B]`` (stride-2 convolutions, leaky ReLU);
- :class:`VideoDiscriminator`: clips ``[B, T, C, S, S]`` -> logits ``[B]`` (stride-2 3D convolutions over time
  and space, as MoCoGAN's and TGAN's video discriminators);
- :class:`Labels`: the embedding of a clip's digits (one table per digit slot, summed), so that a conditional
  model makes "a 3 and a 7". Conditional discriminators use it as a projection (Miyato & Koyama 2018).
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch import nn


def doublings(size: int) -> int:
    """Stride-2 stages between 4x4 and ``size`` (16: 2, 32: 3, 64: 4)."""
    return int(round(math.log2(size))) - 2


class Labels(nn.Module):
    """Digit labels ``[B, digits]`` -> an embedding ``[B, dim]``: the sum of one embedding per slot."""

    def __init__(self, num_classes: int, digits: int, dim: int):
        super().__init__()
        self.num_classes = num_classes
        self.table = nn.Embedding(num_classes * digits, dim)
        self.register_buffer("offsets", torch.arange(digits) * num_classes, persistent=False)

    def forward(self, labels: torch.Tensor) -> torch.Tensor:
        return self.table(labels + self.offsets).sum(1)


class FrameGenerator(nn.Module):
    def __init__(self, latent_dim: int, size: int, channels: int, width: int):
        super().__init__()
        stages = doublings(size)
        top = width * 2 ** (stages - 1)
        self.project = nn.Sequential(nn.Linear(latent_dim, top * 16), nn.BatchNorm1d(top * 16), nn.ReLU(True))
        layers, c = [], top
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.top = top

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.project(z).view(len(z), self.top, 4, 4))


class Projection(nn.Module):
    """The last layer of a (conditional) discriminator: linear logits plus <embedding(labels), features>."""

    def __init__(self, features: int, num_classes: int, digits: int):
        super().__init__()
        self.linear = nn.Linear(features, 1)
        self.labels = Labels(num_classes, digits, features) if digits else None

    def forward(self, h: torch.Tensor, labels: Optional[torch.Tensor]) -> torch.Tensor:
        out = self.linear(h).squeeze(1)
        if self.labels is not None:
            out = out + (self.labels(labels) * h).sum(1)
        return out


class ImageDiscriminator(nn.Module):
    def __init__(self, size: int, channels: int, width: int, num_classes: int = 10, digits: int = 0):
        super().__init__()
        layers, c = [], channels
        for i in range(doublings(size)):
            out = width * 2 ** i
            layers += [nn.Conv2d(c, out, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            c = out
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.head = Projection(c * 16, num_classes, digits)

    def forward(self, frames: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.head(self.net(frames), labels)


class VideoDiscriminator(nn.Module):
    def __init__(self, size: int, frames: int, channels: int, width: int, num_classes: int = 10, digits: int = 0):
        super().__init__()
        layers, c, t = [], channels, frames
        for i in range(doublings(size)):
            out = width * 2 ** i
            kt, st = (4, 2) if t >= 4 else (1, 1)      # halve time too while at least 4 frames are left
            layers += [nn.Conv3d(c, out, (kt, 4, 4), (st, 2, 2), (1 if kt == 4 else 0, 1, 1)), nn.LeakyReLU(0.2, True)]
            c, t = out, t // st
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool3d((1, 4, 4)), nn.Flatten())
        self.head = Projection(c * 16, num_classes, digits)

    def forward(self, clips: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.head(self.net(clips.transpose(1, 2)), labels)   # [B, C, T, S, S] for the 3D convolutions

"""The 32x32 DCGAN of the widely used PyTorch-GAN collection, as a registered ganforge model.

G: linear -> [128, s/4, s/4], batch norm, nearest upsample x2, conv3x3 128->128, batch norm,
LeakyReLU(0.2), upsample x2, conv3x3 128->64, batch norm, LeakyReLU(0.2), conv3x3 64->C, tanh.
D: four blocks of conv3x3 stride 2 (C -> 16 -> 32 -> 64 -> 128) with LeakyReLU(0.2) and
Dropout2d(0.25), batch norm on all but the first, then linear -> logit.

The batch norms use eps=0.8 exactly as the original (its author passed 0.8 as the second
positional argument, which is eps, not momentum); keeping it makes this the same network as the
textbook baseline in ``benchmarks/speed.py``. ``width`` scales the channel counts (64 = original).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from ganforge.image.config import ModelConfig
from ganforge.errors import ConfigError
from ganforge.image.models.base import GAN, Discriminator, Generator, dcgan_init, spectral
from ganforge.image.models.registry import register_model


class UpconvGenerator(Generator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        if cfg.image_size % 4:
            raise ConfigError(f"upconv-dcgan needs an image size divisible by 4 (got {cfg.image_size}); use 28 or 32")
        self.start = cfg.image_size // 4
        c1, c2 = cfg.width * 2, cfg.width
        self.l1 = nn.Linear(self.input_dim, c1 * self.start ** 2)
        self.c1 = c1
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(c1),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(c1, c1, 3, stride=1, padding=1), nn.BatchNorm2d(c1, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(c1, c2, 3, stride=1, padding=1), nn.BatchNorm2d(c2, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(c2, cfg.channels, 3, stride=1, padding=1), nn.Tanh(),
        )
        dcgan_init(self)

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.l1(self.condition(z, labels)).view(-1, self.c1, self.start, self.start)
        return self.conv_blocks(out)


class UpconvDiscriminator(Discriminator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        chans = [self.in_channels] + [cfg.width // 4 * 2 ** i for i in range(4)]
        layers = []
        for i in range(4):
            layers += [spectral(nn.Conv2d(chans[i], chans[i + 1], 3, 2, 1), cfg.spectral_norm),
                       nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(0.25)]
            if i > 0 and not cfg.spectral_norm:
                layers.append(nn.BatchNorm2d(chans[i + 1], 0.8))
        self.model = nn.Sequential(*layers)
        size = cfg.image_size
        for _ in range(4):
            size = (size + 1) // 2
        self.build_head(chans[-1] * size * size)
        dcgan_init(self)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


@register_model("upconv-dcgan")
def upconv_dcgan(cfg: ModelConfig) -> GAN:
    """PyTorch-GAN's 32 px DCGAN (upsample + conv3x3 generator, dropout discriminator)."""
    return GAN(cfg, UpconvGenerator(cfg), UpconvDiscriminator(cfg))

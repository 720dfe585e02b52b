"""The fully connected GAN of Goodfellow et al. (2014).

G: noise (100) -> 256 -> 512 -> 1024 -> C*H*W with LeakyReLU, then tanh.
D: C*H*W -> 1024 -> 512 -> 256 -> logit with LeakyReLU and dropout.
``width`` scales the hidden sizes (64 gives the paper's 256/512/1024).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from ganforge.image.config import ModelConfig
from ganforge.image.models.base import GAN, Discriminator, Generator, spectral
from ganforge.image.models.registry import register_model


class MLPGenerator(Generator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        hidden = [cfg.width * 4, cfg.width * 8, cfg.width * 16]
        layers, prev = [], self.input_dim
        for size in hidden:
            layers += [nn.Linear(prev, size), nn.LeakyReLU(0.2, inplace=True)]
            prev = size
        c, h, w = self.image_shape
        layers += [nn.Linear(prev, c * h * w), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.net(self.condition(z, labels)).view(-1, *self.image_shape)


class MLPDiscriminator(Discriminator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        hidden = [cfg.width * 16, cfg.width * 8, cfg.width * 4]
        layers, prev = [nn.Flatten()], self.in_channels * cfg.image_size ** 2
        for size in hidden:
            layers += [spectral(nn.Linear(prev, size), cfg.spectral_norm), nn.LeakyReLU(0.2, inplace=True),
                       nn.Dropout(cfg.dropout)]
            prev = size
        self.net = nn.Sequential(*layers)
        self.build_head(prev)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@register_model("mlp")
def mlp(cfg: ModelConfig) -> GAN:
    """Original-paper MLP GAN (class-conditional when num_classes > 0)."""
    return GAN(cfg, MLPGenerator(cfg), MLPDiscriminator(cfg))

"""DCGAN (Radford et al. 2015) for 28, 32, 64 ... pixel images with 1 or 3 channels.

G: z -> linear -> [width * 2^(k-1), s, s] -> k transposed convolutions (x2 each) with batch norm
and ReLU -> tanh, where s is 4 or 7 (28 px: 7 -> 14 -> 28; 32 px: 4 -> 8 -> 16 -> 32).
D: the mirror image, strided 4x4 convolutions with LeakyReLU(0.2) and batch norm (none on the
first layer; spectral norm replaces batch norm when enabled), then a linear logit.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from ganforge.image.config import ModelConfig
from ganforge.errors import ConfigError
from ganforge.image.models.base import GAN, Discriminator, Generator, dcgan_init, spectral
from ganforge.image.models.registry import register_model


def upsampling_plan(image_size: int) -> Tuple[int, int]:
    """(start size, number of x2 stages) so that start * 2**stages == image_size, start in 4..7."""
    stages = 0
    size = image_size
    while size > 7 and size % 2 == 0:
        size //= 2
        stages += 1
    if size < 4 or size > 7 or stages == 0:
        raise ConfigError(f"DCGAN cannot make {image_size}px images; use a size like 28, 32, 48, 64 or 128 "
                          "(a start of 4-7 pixels doubled at least once)")
    return size, stages


class DCGANGenerator(Generator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.start, stages = upsampling_plan(cfg.image_size)
        ch = cfg.width * 2 ** (stages - 1)
        self.project = nn.Sequential(nn.Linear(self.input_dim, ch * self.start ** 2, bias=False),
                                     nn.Unflatten(1, (ch, self.start, self.start)),
                                     nn.BatchNorm2d(ch), nn.ReLU(inplace=True))
        blocks = []
        for _ in range(stages - 1):
            blocks += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2),
                       nn.ReLU(inplace=True)]
            ch //= 2
        blocks += [nn.ConvTranspose2d(ch, cfg.channels, 4, 2, 1), nn.Tanh()]
        self.blocks = nn.Sequential(*blocks)
        dcgan_init(self)

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.blocks(self.project(self.condition(z, labels)))


class DCGANDiscriminator(Discriminator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        start, stages = upsampling_plan(cfg.image_size)
        ch = cfg.width
        layers = [spectral(nn.Conv2d(self.in_channels, ch, 4, 2, 1), cfg.spectral_norm),
                  nn.LeakyReLU(0.2, inplace=True)]
        for _ in range(stages - 1):
            layers.append(spectral(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=cfg.spectral_norm), cfg.spectral_norm))
            if not cfg.spectral_norm:
                layers.append(nn.BatchNorm2d(ch * 2))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            ch *= 2
        self.net = nn.Sequential(*layers)
        self.build_head(ch * start ** 2)
        dcgan_init(self)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@register_model("dcgan")
def dcgan(cfg: ModelConfig) -> GAN:
    """DCGAN with batch norm (class-conditional when num_classes > 0)."""
    return GAN(cfg, DCGANGenerator(cfg), DCGANDiscriminator(cfg))


# what `ganforge train dcgan` starts from (the user's --config, flags and --set win), chosen by measured 10-minute
# runs on a 2-core CPU (docs/benchmarks.md, "The unconditional recipe"): batch 32 makes twice the updates a second
# at the same images a second, a learning rate of 3e-4 for both networks, and StyleGAN2's EMA by half-life with
# ramp-up, so the sampling generator does not lag early (a plain decay of 0.999 averages over ~1,000 steps)
dcgan.defaults = {"train": {"batch_size": 32, "lr_g": 0.0003, "lr_d": 0.0003, "ema_half_life_images": 10000,
                            "ema_rampup": 0.05}}

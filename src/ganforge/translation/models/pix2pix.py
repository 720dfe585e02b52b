"""pix2pix (Isola et al. 2017): a U-Net generator and a PatchGAN that judges (input, output) pairs."""
from __future__ import annotations

from typing import List, Optional

from torch import nn

from ganforge.translation.config import ModelConfig
from ganforge.translation.models import register_model
from ganforge.translation.models.nets import PatchDiscriminator, UNetGenerator, patch_layers


class Pix2Pix(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        c_in, c_out = (cfg.channels_a, cfg.channels_b) if cfg.direction == "AtoB" else (cfg.channels_b, cfg.channels_a)
        self.in_channels, self.out_channels = c_in, c_out
        self.generator = UNetGenerator(c_in, c_out, cfg.image_size, cfg.width, cfg.depth, cfg.dropout)
        self.discriminator: Optional[nn.Module] = None
        if cfg.objective != "l1":   # cgan: D sees (input, output); gan: the output alone
            condition = c_in if "cgan" in cfg.objective else 0
            self.discriminator = PatchDiscriminator(c_out, condition, cfg.width, cfg.d_layers or patch_layers(cfg.image_size))

    @property
    def directions(self) -> List[str]:
        return [self.cfg.direction]

    def translator(self, direction: str) -> nn.Module:
        return self.generator


@register_model("pix2pix")
def pix2pix(cfg: ModelConfig) -> Pix2Pix:
    return Pix2Pix(cfg)

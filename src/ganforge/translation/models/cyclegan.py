"""CycleGAN (Zhu et al. 2017): generators A->B and B->A (ResNet), a PatchGAN per domain."""
from __future__ import annotations

from typing import List

from torch import nn

from ganforge.translation.config import ModelConfig
from ganforge.translation.models import register_model
from ganforge.translation.models.nets import PatchDiscriminator, ResnetGenerator, patch_layers


class CycleGAN(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        a, b = cfg.channels_a, cfg.channels_b
        layers = cfg.d_layers or patch_layers(cfg.image_size)
        self.generator = nn.ModuleDict({"AtoB": ResnetGenerator(a, b, cfg.width, cfg.blocks),
                                        "BtoA": ResnetGenerator(b, a, cfg.width, cfg.blocks)})
        self.discriminator = nn.ModuleDict({"A": PatchDiscriminator(a, 0, cfg.width, layers),
                                            "B": PatchDiscriminator(b, 0, cfg.width, layers)})

    @property
    def directions(self) -> List[str]:
        return ["AtoB", "BtoA"]

    def translator(self, direction: str) -> nn.Module:
        return self.generator[direction]


@register_model("cyclegan")
def cyclegan(cfg: ModelConfig) -> CycleGAN:
    return CycleGAN(cfg)

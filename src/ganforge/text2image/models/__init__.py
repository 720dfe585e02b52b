"""Text-to-image models by name: ``stackgan`` (stage I at 16 or 32 px, stage II refining to 64 px).

A model is a :class:`TextToImageModel`: ``generator`` (a :class:`StackGenerator`: ``latents(n)`` draws
its noise by name, ``forward(latents, tokens, stage)`` makes images in [-1, 1] with the KL terms) and
``discriminator``, a ``ModuleDict`` of ``stage1`` (and ``stage2``) discriminators, each ``D(x, tokens) ->
logits [B]``. One file and one decorator per model.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

from ganforge.registry import Registry
from ganforge.text2image.config import ModelConfig
from ganforge.text2image.models.nets import (ConditioningAugmentation, Stage1Generator, Stage2Generator, TextDiscriminator,
                                             TextEncoder)

MODELS = Registry("text2image model")
register_model = MODELS.register
IMAGE_SIZE = 64


class StackGenerator(nn.Module):
    """Caption tokens and noise -> the stage I image, and with ``stage=2`` the stage II image refined from it."""

    def __init__(self, m: ModelConfig):
        super().__init__()
        self.config = m
        self.text = TextEncoder(m.embed_dim, m.text_dim)
        self.ca1 = ConditioningAugmentation(m.text_dim, m.c_dim, m.ca)
        self.stage1 = Stage1Generator(m.z_dim, m.c_dim, m.width, m.stage1_size)
        if m.stages == 2:
            self.ca2 = ConditioningAugmentation(m.text_dim, m.c_dim, m.ca)
            self.stage2 = Stage2Generator(m.c_dim, m.width, m.stage1_size, IMAGE_SIZE)

    def latents(self, n: int, generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
        """Standard normal noise of ``n`` images: ``z`` for stage I and the CA noise of each stage."""
        m = self.config
        shapes = {"z": m.z_dim, "eps1": m.c_dim, "eps2": m.c_dim}
        return {k: torch.randn((n, d), generator=generator) for k, d in shapes.items()}

    def stage1_parts(self) -> List[nn.Module]:
        return [self.text, self.ca1, self.stage1]

    def forward(self, latents: Dict[str, torch.Tensor], tokens: torch.Tensor, stage: int = 2
                ) -> Tuple[torch.Tensor, Optional[torch.Tensor], torch.Tensor]:
        """(stage I image, stage II image or None, KL term of the last stage run)."""
        embedding = self.text(tokens)
        c1, kl = self.ca1(embedding, latents["eps1"])
        low = self.stage1(latents["z"], c1)
        if stage == 1 or self.config.stages == 1:
            return low, None, kl
        c2, kl = self.ca2(embedding.detach(), latents["eps2"])
        return low, self.stage2(low, c2), kl


class TextToImageModel(nn.Module):
    def __init__(self, generator: StackGenerator, discriminators: Dict[str, nn.Module]):
        super().__init__()
        self.generator = generator
        self.discriminator = nn.ModuleDict(discriminators)


@register_model("stackgan")
def stackgan(m: ModelConfig) -> TextToImageModel:
    """StackGAN (Zhang et al. 2017) on captions: CA, stage I, stage II; matching-aware discriminators."""
    heads = {"stage1": TextDiscriminator(m.stage1_size, m.width, m.embed_dim, m.text_dim, m.c_dim)}
    if m.stages == 2:
        heads["stage2"] = TextDiscriminator(IMAGE_SIZE, m.width, m.embed_dim, m.text_dim, m.c_dim)
    return TextToImageModel(StackGenerator(m), heads)


def create_model(config: ModelConfig) -> TextToImageModel:
    return MODELS.create(config.name, config)


def list_models() -> List[str]:
    return MODELS.names()

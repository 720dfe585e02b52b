"""Video models by name: ``mocogan`` (content + motion latents, image and video discriminators) and ``tgan``.

A model is a :class:`VideoModel`: ``generator`` (a :class:`ClipGenerator`: ``latents(n)`` draws its latent
codes by name, ``forward(latents, labels)`` makes clips ``[B, T, C, S, S]`` in [-1, 1]; ``spaces`` names the
latents an interpolation may walk) and ``discriminator``, a ``ModuleDict`` of ``image`` (frames) and/or
``video`` (clips) discriminators, each ``D(x, labels) -> logits [B]``. One file and one decorator per model.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

from ganforge.registry import Registry
from ganforge.video.config import ModelConfig

MODELS = Registry("video model")
register_model = MODELS.register


class ClipGenerator(nn.Module):
    """Latent codes (named, each ``[B, ...]``) and digit labels -> clips ``[B, T, C, S, S]`` in [-1, 1]."""

    spaces: Tuple[str, ...] = ()

    def shapes(self) -> Dict[str, Tuple[int, ...]]:     # latent name -> shape of one clip's code
        raise NotImplementedError

    def latents(self, n: int, generator: Optional[torch.Generator] = None,
                device: Optional[torch.device] = None) -> Dict[str, torch.Tensor]:
        """Standard normal latent codes of ``n`` clips (from ``generator``, else the global RNG)."""
        return {k: torch.randn((n, *shape), generator=generator).to(device or "cpu") for k, shape in self.shapes().items()}


class VideoModel(nn.Module):
    def __init__(self, generator: ClipGenerator, discriminators: Dict[str, nn.Module]):
        super().__init__()
        self.generator = generator
        self.discriminator = nn.ModuleDict(discriminators)


def create_model(config: ModelConfig) -> VideoModel:
    """The model of a data-resolved config (``channels`` and, when conditional, ``digits`` set)."""
    return MODELS.create(config.name, config)


def list_models() -> List[str]:
    return MODELS.names()


from ganforge.video.models import mocogan, tgan  # noqa: E402,F401  (they register themselves)

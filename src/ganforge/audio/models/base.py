"""What WaveGAN and SpecGAN share: label conditioning (one-hot into G, projection in D) and the model interface."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.audio.config import ModelConfig


def with_label(z: torch.Tensor, labels: Optional[torch.Tensor], num_classes: int) -> torch.Tensor:
    """The generator's input: the latent, and the label one-hot when the model is conditional."""
    if not num_classes:
        return z
    return torch.cat([z, F.one_hot(labels, num_classes).to(z.dtype)], dim=1)


class Critic(nn.Module):
    """A discriminator body (``features``: input -> flat vector) with a linear head and, when conditional, a
    projection term ``<embed(y), h>`` (Miyato & Koyama 2018)."""

    def __init__(self, body: nn.Module, feature_dim: int, num_classes: int):
        super().__init__()
        self.body = body
        self.head = nn.Linear(feature_dim, 1)
        self.embed = nn.Embedding(num_classes, feature_dim) if num_classes else None

    def forward(self, x: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.body(x).flatten(1)
        out = self.head(h).squeeze(1)
        if self.embed is not None:
            out = out + (self.embed(labels) * h).sum(1)
        return out


class AudioGAN(nn.Module):
    generator: nn.Module
    discriminator: nn.Module

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.num_classes = cfg.num_classes if cfg.conditional else 0

    def fit_data(self, waves: torch.Tensor) -> None:
        """Statistics of the training clips the model keeps (SpecGAN's normalisation); none by default."""

    def real_inputs(self, waves: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def stages(size: int, smallest: int, factor: int) -> int:
    """How many up-samplings by ``factor`` lead from ``smallest`` to ``size``."""
    n = 0
    while smallest * factor ** n < size:
        n += 1
    return n

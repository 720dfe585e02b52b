"""The music model registry and what its models share: the phrase shape and straight-through Gumbel samples.

A registered model is ``build(cfg: ModelConfig, shape: Shape) -> {"generator": G[, "discriminator": D]}``.
GAN generators take ``(z, gumbel, tau, temperature)`` and return one-hot voices ``[N, tracks, steps,
vocab]`` (hard in the forward pass, soft Gumbel-softmax gradients: the straight-through estimator), so
the discriminator sees what a sample is; their noise is drawn by the caller from seeded generators.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

import torch
from torch import nn

from ganforge.registry import Registry

MUSIC_MODELS = Registry("music model")


@dataclass(frozen=True)
class Shape:
    tracks: int
    bars: int
    steps_per_bar: int
    vocab: int            # pitches + 1 (token 0 = rest)

    @property
    def steps(self) -> int:
        return self.bars * self.steps_per_bar


def build_model(cfg, shape: Shape) -> Dict[str, nn.Module]:
    return MUSIC_MODELS.get(cfg.name)(cfg, shape)


def gumbel_noise(shape, generator: torch.Generator) -> torch.Tensor:
    u = torch.rand(shape, generator=generator).clamp_(1e-10, 1 - 1e-7)
    return -torch.log(-torch.log(u))


def straight_through(logits: torch.Tensor, gumbel: torch.Tensor, tau: float, temperature: float = 1.0) -> torch.Tensor:
    """One-hot of argmax(logits / temperature + gumbel) (a categorical sample) with the Gumbel-softmax's gradient."""
    y = logits.float() / temperature + gumbel.to(logits.device)
    soft = torch.softmax(y / tau, dim=-1)
    hard = torch.nn.functional.one_hot(y.argmax(-1), y.shape[-1]).to(soft.dtype)
    return hard + soft - soft.detach()


class BatchedLinear(nn.Module):
    """``groups`` independent linear layers applied at once: ``[N, groups, in] -> [N, groups, out]``."""

    def __init__(self, groups: int, d_in: int, d_out: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(groups, d_in, d_out) / d_in ** 0.5)
        self.bias = nn.Parameter(torch.zeros(groups, d_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ngi,gio->ngo", x, self.weight) + self.bias

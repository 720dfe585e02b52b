"""The 2D toy world's networks and the critic's objective, shared by the studio's Lab and the gan2d model.

- :class:`Generator`: an MLP from a latent vector to a 2D point;
- :class:`Critic`: an MLP from 2D points to one logit; with ``pack`` > 1 it judges that many
  points jointly (PacGAN, Lin et al. 2018), so a batch of N points gives N / pack logits;
- :func:`critic_objective`: the discriminator objective of one update
  (:func:`ganforge.losses.objectives.discriminator_objective`), with R1 taken on the packed view
  of the real batch, so that the penalty is per judged input.

Hidden layers are LeakyReLU(0.2) MLP layers of the given sizes.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn

from ganforge.losses.gan_losses import GANLoss
from ganforge.losses.objectives import discriminator_objective


def mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]`` with LeakyReLU(0.2) between them."""
    layers: List[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """Latent ``[N, latent_dim]`` -> points ``[N, 2]``."""

    def __init__(self, latent_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp([latent_dim, *hidden, 2])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Critic(nn.Module):
    """Points ``[N, 2]`` -> logits ``[N / pack]`` (``labels`` unused: the loss API passes them)."""

    def __init__(self, hidden: Sequence[int], pack: int = 1):
        super().__init__()
        self.pack = pack
        self.net = mlp([2 * pack, *hidden, 1])

    def forward(self, x: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.net(x.reshape(-1, 2 * self.pack)).squeeze(1)

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """The inputs the critic judges: ``[N / pack, 2 * pack]``."""
        return x.reshape(-1, 2 * self.pack)


def critic_objective(loss: GANLoss, D: Critic, real: torch.Tensor, fake: torch.Tensor,
                     eps: Optional[torch.Tensor] = None, r1_weight: float = 0.0,
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, real logits, fake logits) of one critic update on 2D points (``eps``: penalty interpolation weights)."""
    return discriminator_objective(loss, D, real, fake, eps=eps, r1_weight=r1_weight,
                                   r1_real=D.packed(real) if D.pack > 1 else None)

"""Adversarial losses, each registered by name and written on discriminator logits.

For a logit ``l``, ``D = sigmoid(l)``, so ``log D = -softplus(-l)`` and ``log(1 - D) = -softplus(l)``
(computed stably). Each loss gives the discriminator's loss on (real, fake) logits and the
generator's loss on fake logits, both batch means; WGAN adds weight clipping after each D step
and WGAN-GP its gradient penalty.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.losses.config import LossConfig
from ganforge.registry import Registry
from ganforge.losses.penalties import Critic, gradient_penalty

LOSSES = Registry("loss")
register_loss = LOSSES.register


class GANLoss:
    """Base class: subclasses define ``discriminator`` and ``generator``."""

    def __init__(self, cfg: LossConfig):
        self.cfg = cfg

    def discriminator(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def generator(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor, labels: Optional[torch.Tensor],
                eps: Optional[torch.Tensor] = None) -> Optional[torch.Tensor]:
        """An extra discriminator term (None when the loss has none)."""
        return None

    def after_discriminator_step(self, discriminator: nn.Module) -> None:
        """Hook run after each discriminator optimizer step."""


@register_loss("minimax")
class MinimaxLoss(GANLoss):
    """The paper's game: D maximises log D(x) + log(1 - D(G(z))); G minimises log(1 - D(G(z)))."""

    def discriminator(self, real, fake):
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def generator(self, fake):
        return -F.softplus(fake).mean()


@register_loss("nonsaturating")
class NonSaturatingLoss(MinimaxLoss):
    """The paper's practical variant: G maximises log D(G(z)) instead."""

    def generator(self, fake):
        return F.softplus(-fake).mean()


@register_loss("lsgan")
class LeastSquaresLoss(GANLoss):
    """LSGAN (Mao et al. 2017) with targets a=0, b=1, c=1 and the 1/2 factors."""

    def discriminator(self, real, fake):
        return 0.5 * (real - 1).pow(2).mean() + 0.5 * fake.pow(2).mean()

    def generator(self, fake):
        return 0.5 * (fake - 1).pow(2).mean()


@register_loss("wgan")
class WassersteinLoss(GANLoss):
    """WGAN (Arjovsky et al. 2017): critic weights clipped to [-c, c] after each critic step."""

    def discriminator(self, real, fake):
        return fake.mean() - real.mean()

    def generator(self, fake):
        return -fake.mean()

    @torch.no_grad()
    def after_discriminator_step(self, discriminator):
        c = self.cfg.clip_value
        for p in discriminator.parameters():
            p.clamp_(-c, c)


@register_loss("wgan-gp")
class WassersteinGPLoss(WassersteinLoss):
    """WGAN-GP: the Wasserstein loss plus a per-example gradient penalty instead of clipping."""

    def penalty(self, critic, real, fake, labels, eps=None):
        return self.cfg.gp_weight * gradient_penalty(critic, real, fake, labels, eps=eps)

    def after_discriminator_step(self, discriminator):
        pass


@register_loss("hinge")
class HingeLoss(GANLoss):
    """Hinge loss (Lim & Ye 2017; SAGAN, BigGAN)."""

    def discriminator(self, real, fake):
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()

    def generator(self, fake):
        return -fake.mean()


def create_loss(cfg: LossConfig) -> GANLoss:
    return LOSSES.create(cfg.name, cfg)

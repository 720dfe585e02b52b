"""The discriminator's objective of one update, shared by every family that trains a GAN discriminator.

    loss, real_logits, fake_logits = discriminator_objective(gan_loss, D, real, fake, labels, fake_labels,
                                                             eps=eps, r1_weight=0.01)

The adversarial loss on real and fake logits, plus the loss's own penalty (WGAN-GP) and the R1
penalty on real data when ``r1_weight`` > 0. The image family, the 2D toy family (the studio's
Lab and the mixture benchmark) and the next families all call this one function.
"""
from __future__ import annotations

from typing import Callable, Optional, Tuple

import torch
from torch import nn

from ganforge.losses.gan_losses import GANLoss
from ganforge.losses.penalties import r1_penalty


def discriminator_objective(loss: GANLoss, D: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                            labels: Optional[torch.Tensor] = None, fake_labels: Optional[torch.Tensor] = None,
                            eps: Optional[torch.Tensor] = None, r1_weight: float = 0.0,
                            r1_real: Optional[torch.Tensor] = None,
                            forward: Optional[Callable[..., torch.Tensor]] = None,
                            ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, real logits, fake logits) of one discriminator update.

    ``forward`` runs D (a compiled view of it, say); penalties always differentiate the plain
    module. ``r1_real`` is the real batch as D's penalty sees it (default ``real``; a packed
    discriminator takes its packed view, so the penalty is per judged input).
    """
    run = forward or D
    real_logits = run(real, labels).float()
    fake_logits = run(fake, fake_labels).float()
    total = loss.discriminator(real_logits, fake_logits)
    penalty = loss.penalty(D, real, fake, labels, eps=eps)
    if penalty is not None:
        total = total + penalty
    if r1_weight > 0:
        total = total + 0.5 * r1_weight * r1_penalty(D, real if r1_real is None else r1_real, labels)
    return total, real_logits, fake_logits

"""TextGAN-style feature matching (Zhang et al., 2017): match the distribution of discriminator features.

Chosen as the second successor because it attacks the other failure of text GANs, mode collapse:
instead of fooling the discriminator (which rewards collapsing onto a few convincing sentences),
the generator minimises a kernel maximum mean discrepancy between the discriminator's sentence
features of real and generated batches, which is only small when the whole feature distribution
matches. The discriminator is a plain real/fake classifier; the generator's samples are relaxed
with the same annealed Gumbel-softmax as :mod:`relgan` (TextGAN's soft-argmax), so the gradient
flows without roll-outs.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ganforge.text.models.base import TEXT_MODELS, AdversarialContext
from ganforge.text.models.relgan import GumbelTextModel


def mmd2(x: torch.Tensor, y: torch.Tensor, bandwidths: Sequence[float]) -> torch.Tensor:
    """Biased squared MMD between the rows of x and y with a sum of Gaussian kernels exp(-d²/(2·s²))."""
    xy = torch.cat([x, y])
    d2 = torch.cdist(xy, xy).pow(2)
    k = sum(torch.exp(-d2 / (2.0 * s * s)) for s in bandwidths)
    n = len(x)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


@TEXT_MODELS.register("textgan")
class TextGAN(GumbelTextModel):
    """TextGAN-style: Gumbel-softmax generator trained to match the discriminator's feature distribution (MMD)."""

    def discriminator_loss(self, ctx: AdversarialContext):
        soft, _ = self.relaxed(ctx)
        return self.classifier_loss(ctx.real, soft.detach())

    def generator_loss(self, ctx: AdversarialContext):
        soft, _ = self.relaxed(ctx)
        D = self.discriminator
        real_f, fake_f = D.features(ctx.real).detach(), D.features(soft)
        scale = real_f.pow(2).sum(1).mean().clamp_min(1e-6).sqrt()  # kernel widths relative to the feature norm
        return mmd2(real_f / scale, fake_f / scale, self.cfg.mmd_bandwidths), {}

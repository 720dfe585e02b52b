"""RelGAN-style training (Nie et al., 2019): Gumbel-softmax relaxation and the relativistic standard loss.

Chosen as a successor because it removes SeqGAN's two weak points at once: no REINFORCE (the
discriminator's gradient reaches the generator through ``softmax(beta * (logits + Gumbel))``, with
beta annealed exponentially from 1 to ``gumbel_beta_max`` so samples grow from smooth to nearly
one-hot) and no Monte-Carlo roll-outs (one generator pass per step instead of ~T²/2 roll-out
steps, which matters on a CPU). RelGAN's relativistic loss ``softplus(-(D(real) - D(fake)))``
gives the generator a gradient even when the discriminator wins.

Difference from the paper, on purpose: the generator is the same LSTM as every other model here
(not a relational memory), so the comparison isolates the training method.
"""
from __future__ import annotations

import torch.nn.functional as F

from ganforge.text.models.base import TEXT_MODELS, AdversarialContext, TextModel


def annealed_beta(beta_max: float, progress: float) -> float:
    """RelGAN's exponential schedule: beta = beta_max ** progress (1 at the start, beta_max at the end)."""
    return float(beta_max) ** min(max(progress, 0.0), 1.0)


class GumbelTextModel(TextModel):
    """Base of the relaxed models: generator samples are annealed Gumbel-softmax, no roll-outs."""

    defaults = {"train": {"lr_g": 1e-4, "lr_d": 1e-4, "d_steps": 1}}

    def relaxed(self, ctx: AdversarialContext):
        return self.generator.gumbel_sample(ctx.batch_size, annealed_beta(self.cfg.gumbel_beta_max, ctx.progress))


@TEXT_MODELS.register("relgan")
class RelGAN(GumbelTextModel):
    """RelGAN-style: Gumbel-softmax generator trained through a CNN discriminator with the RSGAN loss."""

    def discriminator_loss(self, ctx: AdversarialContext):
        soft, _ = self.relaxed(ctx)
        real_logits, fake_logits = self.discriminator(ctx.real), self.discriminator(soft.detach())
        return F.softplus(-(real_logits - fake_logits)).mean(), real_logits, fake_logits

    def generator_loss(self, ctx: AdversarialContext):
        soft, _ = self.relaxed(ctx)
        real_logits, fake_logits = self.discriminator(ctx.real), self.discriminator(soft)
        return F.softplus(-(fake_logits - real_logits)).mean(), {}

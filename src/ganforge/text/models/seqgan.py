"""SeqGAN (Yu et al., 2017): the generator is a policy, the discriminator's verdict its reward.

Tokens are discrete, so the discriminator's gradient cannot reach the generator. SeqGAN instead
samples whole sentences, scores every prefix by Monte-Carlo roll-outs (complete the prefix K times
with the generator, average the discriminator's probability that the completions are real) and
applies REINFORCE: ``loss = -mean_t log G(y_t | y_<t) * Q(y_<=t)``.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
import torch.nn.functional as F

from ganforge.text.models.base import TEXT_MODELS, AdversarialContext, TextModel
from ganforge.text.models.nets import LSTMGenerator, token_mask


def policy_gradient_loss(logits: torch.Tensor, tokens: torch.Tensor, rewards: torch.Tensor,
                         mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """REINFORCE loss ``-sum(log p(token) * reward * mask) / sum(mask)``; rewards are constants."""
    logp = F.log_softmax(logits.float(), -1).gather(-1, tokens[..., None])[..., 0]
    mask = torch.ones_like(logp) if mask is None else mask
    return -(logp * rewards.detach() * mask).sum() / mask.sum()


@torch.no_grad()
def rollout_rewards(generator: LSTMGenerator, score: Callable[[torch.Tensor], torch.Tensor],
                    samples: torch.Tensor, rollouts: int) -> torch.Tensor:
    """Per-token rewards ``[B, T]`` in [0, 1]: for t < T the mean score of ``rollouts`` completions of the
    prefix ``samples[:, :t+1]``; for the last token (or a sentence's ``<eos>``) the score of the sentence."""
    B, T = samples.shape
    rewards = torch.zeros(B, T, device=samples.device)
    states = generator.states_along(samples)
    full = score(samples)
    mask = token_mask(samples, generator.eos)
    last_needed = int(mask.sum(1).max())  # no rollouts past the longest sentence
    for t in range(1, min(T, last_needed)):
        prefix = samples[:, :t].repeat(rollouts, 1)
        h, c = states[t - 1]
        state = (h.repeat(1, rollouts, 1), c.repeat(1, rollouts, 1))
        completed = generator.continue_from(prefix, state)
        rewards[:, t - 1] = score(completed).view(rollouts, B).mean(0)
    rewards[:, min(T, last_needed) - 1:] = full[:, None]
    return rewards * mask


@TEXT_MODELS.register("seqgan")
class SeqGAN(TextModel):
    """SeqGAN: policy gradient with Monte-Carlo roll-out rewards from a CNN discriminator."""

    defaults = {"train": {"lr_g": 1e-3, "lr_d": 1e-4}}

    def generator_loss(self, ctx: AdversarialContext):
        samples = self.fake_tokens(ctx.batch_size)
        D = self.discriminator
        was_training = D.training
        D.eval()
        rewards = rollout_rewards(self.generator, lambda x: torch.sigmoid(D(x)), samples, self.cfg.rollouts)
        D.train(was_training)
        mask = token_mask(samples, self.generator.eos)
        loss = policy_gradient_loss(self.generator(samples), samples, rewards, mask)
        return loss, {"reward": (rewards * mask).sum() / mask.sum()}

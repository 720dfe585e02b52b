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
                    samples: torch.Tensor, rollouts: int, every: int = 1) -> torch.Tensor:
    """Per-token rewards ``[B, T]`` in [0, 1]: for t < T the mean score of ``rollouts`` completions of the
    prefix ``samples[:, :t+1]``; for the last token (or a sentence's ``<eos>``) the score of the sentence.

    With ``every = c > 1`` (LeakGAN) only the prefixes whose length is a multiple of c are rolled out and the
    tokens in between take the reward of the next such prefix (or of the whole sentence)."""
    B, T = samples.shape
    rewards = torch.zeros(B, T, device=samples.device)
    states = generator.states_along(samples)
    full = score(samples)
    mask = token_mask(samples, generator.eos)
    last_needed = int(mask.sum(1).max())  # no rollouts past the longest sentence
    end = min(T, last_needed)
    rewards[:, end - 1:] = full[:, None]
    for t in range(every, end, every):
        prefix = samples[:, :t].repeat(rollouts, 1)
        completed = generator.continue_from(prefix, generator.repeat_state(states[t - 1], rollouts))
        rewards[:, t - 1] = score(completed).view(rollouts, B).mean(0)
    for t in reversed(range(1, end)):
        if t % every:
            rewards[:, t - 1] = rewards[:, t]
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

"""SeqGAN's policy-gradient loss against a hand computation, and Monte-Carlo roll-out rewards."""
from __future__ import annotations

import math

import torch

from ganforge.text.models.nets import LSTMGenerator
from ganforge.text.models.seqgan import policy_gradient_loss, rollout_rewards


def test_policy_gradient_loss_equals_hand_computed_value():
    # position 0: probabilities (1/4, 1/2, 1/4), token 1; position 1: uniform over 3, token 0
    logits = torch.tensor([[[0.0, math.log(2.0), 0.0], [0.0, 0.0, 0.0]]], requires_grad=True)
    tokens = torch.tensor([[1, 0]])
    rewards = torch.tensor([[0.8, 0.2]])
    loss = policy_gradient_loss(logits, tokens, rewards)
    assert math.isclose(loss.item(), (0.8 * math.log(2) + 0.2 * math.log(3)) / 2, rel_tol=1e-6)
    masked = policy_gradient_loss(logits, tokens, rewards, mask=torch.tensor([[1.0, 0.0]]))
    assert math.isclose(masked.item(), 0.8 * math.log(2), rel_tol=1e-6)
    # d loss / d logits at position 0 = -(reward / count) * (onehot - p)
    loss.backward()
    expected = -(0.8 / 2) * (torch.tensor([0.0, 1.0, 0.0]) - torch.tensor([0.25, 0.5, 0.25]))
    assert torch.allclose(logits.grad[0, 0], expected, atol=1e-6)
    assert rewards.grad is None


def generator(eos=None):
    torch.manual_seed(0)
    return LSTMGenerator(vocab_size=12, emb_dim=8, hidden_dim=8, seq_len=7, start_token=1, eos=eos).eval()


def test_rollout_rewards_shape_range_and_prefix_kept():
    g = generator()
    samples = g.sample(16, generator=torch.Generator().manual_seed(1))
    # a score that depends only on the first token: every roll-out of every prefix keeps it
    score = lambda x: (x[:, 0] == samples[0, 0]).float()  # noqa: E731
    rewards = rollout_rewards(g, score, samples, rollouts=4)
    assert rewards.shape == samples.shape
    assert torch.equal(rewards, score(samples)[:, None].expand_as(rewards))
    # a score of the last token: prefix rewards are roll-out averages in [0, 1], multiples of 1/rollouts
    last = lambda x: (x[:, -1] % 2 == 0).float()  # noqa: E731
    rewards = rollout_rewards(g, last, samples, rollouts=4)
    assert rewards.min() >= 0 and rewards.max() <= 1
    assert torch.allclose(rewards * 4, (rewards * 4).round())
    assert torch.equal(rewards[:, -1], last(samples))
    assert 0 < rewards[:, :-1].mean() < 1


def test_rollout_rewards_are_zero_after_eos_and_full_score_at_it():
    g = generator(eos=2)
    samples = g.sample(32, generator=torch.Generator().manual_seed(3))
    ended = (samples == 2).any(1)
    assert ended.any()
    score = lambda x: x.float().mean(1) / 12  # noqa: E731
    rewards = rollout_rewards(g, score, samples, rollouts=3)
    for row in torch.nonzero(ended)[:, 0]:
        e = int((samples[row] == 2).nonzero()[0])
        assert torch.all(rewards[row, e + 1:] == 0)
        assert math.isclose(rewards[row, e].item(), score(samples[row:row + 1]).item(), rel_tol=1e-6)

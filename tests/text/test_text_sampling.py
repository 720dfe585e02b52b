"""Sampling: exact softmax sampling, top-k, temperature and forced prefixes."""
from __future__ import annotations

import torch

from ganforge.text.models.nets import LSTMGenerator, pick


def test_pick_samples_the_softmax_and_respects_top_k_and_temperature():
    logits = torch.tensor([[0.0, 1.0, 2.0, -1.0]]).expand(40_000, 4)
    g = torch.Generator().manual_seed(0)
    freq = torch.bincount(pick(logits, generator=g), minlength=4).float() / 40_000
    assert torch.allclose(freq, torch.softmax(logits[0], 0), atol=0.01)
    top2 = pick(logits, top_k=2, generator=g)
    assert set(top2.unique().tolist()) == {1, 2}
    assert torch.equal(pick(logits[:10], top_k=1), torch.full((10,), 2))
    cold = torch.bincount(pick(logits, temperature=0.25, generator=g), minlength=4).float() / 40_000
    assert cold[2] > 0.95


def test_prefix_is_forced_and_sampling_is_seeded():
    torch.manual_seed(0)
    g = LSTMGenerator(20, 8, 8, seq_len=9, start_token=1, eos=2).eval()
    out = g.sample(6, prefix=[5, 7, 9], generator=torch.Generator().manual_seed(3))
    assert out.shape == (6, 9) and torch.all(out[:, :3] == torch.tensor([5, 7, 9]))
    again = g.sample(6, prefix=[5, 7, 9], generator=torch.Generator().manual_seed(3))
    assert torch.equal(out, again)
    # after the first <eos> only <pad>
    for row in out:
        ends = (row == 2).nonzero()
        if len(ends):
            assert torch.all(row[int(ends[0]) + 1:] == 0)

"""The synthetic LSTM oracle is a pure function of its seed, and NLL_oracle ranks samples correctly."""
from __future__ import annotations

import torch

from ganforge.text.oracle import make_oracle, nll_oracle, oracle_samples


def test_oracle_is_deterministic_for_a_seed():
    a, b, c = make_oracle(200, 16, 10, seed=3), make_oracle(200, 16, 10, seed=3), make_oracle(200, 16, 10, seed=4)
    for (name, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(p, q), name
    assert not torch.equal(a.out.weight, c.out.weight)
    assert torch.equal(oracle_samples(a, 300, seed=5), oracle_samples(b, 300, seed=5))
    assert not torch.equal(oracle_samples(a, 300, seed=5), oracle_samples(a, 300, seed=6))


def test_default_oracle_matches_seqgan_setting():
    o = make_oracle()
    assert (o.vocab_size, o.lstm.hidden_size, o.seq_len) == (5000, 32, 20)


def test_nll_oracle_prefers_oracle_samples_to_uniform_noise():
    o = make_oracle(200, 16, 10, seed=0)
    own = nll_oracle(o, oracle_samples(o, 500, seed=1))
    noise = nll_oracle(o, torch.randint(0, 200, (500, 10), generator=torch.Generator().manual_seed(0)))
    assert own < noise - 1.0

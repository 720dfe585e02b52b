"""SeqGAN's synthetic benchmark: a randomly initialised LSTM "oracle" that stands for the real world.

The oracle (vocabulary 5,000, embedding and hidden size 32, length 20, every weight drawn from
N(0, 1) by a seeded generator, as in SeqGAN / Texygen) samples the training sequences. Because its
density is known, the quality of generated sequences is measured exactly: ``NLL_oracle`` is the
oracle's average negative log-likelihood per token of the generated sequences (lower = more
plausible under the true distribution; it also rewards low diversity, which is why the
quality–diversity curve in :mod:`ganforge.text.metrics` matters).
"""
from __future__ import annotations

import torch

from ganforge.text.models.nets import LSTMGenerator

START_TOKEN = 0  # as in SeqGAN: the start input is token 0 of the oracle vocabulary


def make_oracle(vocab_size: int = 5000, hidden: int = 32, seq_len: int = 20, seed: int = 0) -> LSTMGenerator:
    """The oracle for ``seed``: the same weights on every machine and torch version that keeps ``torch.randn``."""
    oracle = LSTMGenerator(vocab_size, hidden, hidden, seq_len, START_TOKEN, eos=None)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, param in sorted(oracle.named_parameters()):
            param.copy_(torch.randn(param.shape, generator=g))
    return oracle.eval().requires_grad_(False)


def oracle_samples(oracle: LSTMGenerator, n: int, seed: int) -> torch.Tensor:
    """``n`` sequences ``[n, seq_len]`` drawn from the oracle with a seeded generator."""
    g = torch.Generator().manual_seed(seed)
    return oracle.sample(n, generator=g, batch_size=1000).cpu()


@torch.no_grad()
def nll_oracle(oracle: LSTMGenerator, samples: torch.Tensor, batch_size: int = 1000) -> float:
    """Mean per-token negative log-likelihood of ``samples`` under the oracle."""
    total, count = 0.0, 0
    device = oracle.out.weight.device
    for start in range(0, len(samples), batch_size):
        batch = samples[start:start + batch_size].to(device)
        total += float(oracle.nll(batch)) * batch.numel()
        count += batch.numel()
    return total / max(count, 1)

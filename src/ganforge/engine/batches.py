"""Deterministic batches and random streams: every draw of a training step is a function of (seed, step).

The batch order comes from a seeded epoch permutation and each step's random inputs from a
generator seeded by (seed, step, stream), so a resumed run sees exactly what an uninterrupted one
sees, and ranks of a distributed run can take disjoint slices of one global batch.
"""
from __future__ import annotations

import torch

from ganforge.errors import DataError


def step_generator(seed: int, step: int, stream: int = 0) -> torch.Generator:
    """A CPU generator whose state depends only on (seed, step, stream)."""
    g = torch.Generator()
    g.manual_seed((seed * 1_000_003 + step * 7919 + stream * 104_729) % (2 ** 63 - 1))
    return g


class BatchSampler:
    """Epoch-shuffled, drop-last batches whose indices depend only on (seed, step)."""

    def __init__(self, num_items: int, batch_size: int, seed: int, what: str = "images"):
        if batch_size > num_items:
            raise DataError(f"batch size {batch_size} is larger than the data set ({num_items} {what}); "
                            f"use --set train.batch_size={max(1, num_items)} or fewer, or more data")
        self.num_items, self.batch_size, self.seed = num_items, batch_size, seed
        self.steps_per_epoch = num_items // batch_size
        self._epoch, self._perm = -1, None

    def indices(self, step: int) -> torch.Tensor:
        epoch, offset = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(self.seed * 7_777_777 + epoch)
            self._perm, self._epoch = torch.randperm(self.num_items, generator=g), epoch
        return self._perm[offset * self.batch_size:(offset + 1) * self.batch_size]

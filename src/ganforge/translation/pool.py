"""CycleGAN's history of generated images (Shrivastava et al. 2017): the discriminators see older fakes too.

The pool is an ``nn.Module`` whose buffers (the stored images and their count) are part of the
training state, so they are saved in every checkpoint (``pool_a.images``, ``pool_a.count``) and a
resumed run draws from exactly the history an uninterrupted one has. Its choices come from a
generator the caller seeds from (seed, step).
"""
from __future__ import annotations

import torch
from torch import nn


class HistoryPool(nn.Module):
    def __init__(self, size: int, channels: int, image_size: int):
        super().__init__()
        self.size = size
        self.register_buffer("images", torch.zeros(size, channels, image_size, image_size))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    @torch.no_grad()
    def query(self, fakes: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """What the discriminator sees for ``fakes``: while the pool fills, the fakes (stored); then each fake has
        an even chance to be swapped for a stored one (which it replaces)."""
        if self.size == 0:
            return fakes
        n = len(fakes)
        coin = torch.rand(n, generator=generator)
        slot = torch.randint(0, self.size, (n,), generator=generator)
        out = fakes.detach().clone()
        for i in range(n):
            fake = fakes[i].detach().to(self.images.dtype)
            filled = int(self.count)
            if filled < self.size:
                self.images[filled] = fake
                self.count += 1
            elif coin[i] > 0.5:
                j = int(slot[i])
                out[i] = self.images[j].to(out.dtype)
                self.images[j] = fake
        return out

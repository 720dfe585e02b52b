"""ADA's overfitting heuristic (Karras et al. 2020, section 3): steer the augmentation probability p by r_t.

    r_t = E[sign(D(x_real))]            over the last ``interval`` steps (all processes)
    p  <- clamp(p + sign(r_t - target) * batch * interval / (kimg * 1000), 0, 1)

r_t near 1 means the discriminator calls nearly every real image real: it is overfitting, so p
rises; below the target (0.6 by default) p falls. ``kimg`` sets the speed: p can move from 0 to 1
within ``kimg`` thousand images. The state (p, the last r_t and the running sums of the current
interval) lives in buffers, so it is saved in checkpoints and a resumed run continues exactly.
Nothing here waits on the device: the sums and the update are tensor operations.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


class AdaController(nn.Module):
    """Buffers ``p``, ``rt`` (the last r_t), ``signs`` and ``count`` (the current interval's sums)."""

    def __init__(self, p: float = 0.0, target: float = 0.6, interval: int = 4, kimg: float = 100.0,
                 adaptive: bool = True):
        super().__init__()
        self.target, self.interval, self.kimg, self.adaptive = target, interval, kimg, adaptive
        # a fixed p is not state: it is the config's, also after a resume with another value
        self.register_buffer("p", torch.tensor(float(p)), persistent=adaptive)
        self.register_buffer("rt", torch.tensor(0.0))
        self.register_buffer("signs", torch.tensor(0.0))
        self.register_buffer("count", torch.tensor(0.0))

    def step_size(self, batch_size: int) -> float:
        """How far p moves at one adjustment: batch * interval / (kimg * 1000)."""
        return batch_size * self.interval / (self.kimg * 1000)

    @torch.no_grad()
    def observe(self, real_logits: torch.Tensor) -> None:
        """Add the discriminator's logits on (augmented) real images of one step."""
        self.signs += torch.sign(real_logits.detach().float()).sum()
        self.count += real_logits.numel()

    @torch.no_grad()
    def update(self, step: int, batch_size: int) -> bool:
        """At the end of each interval (after step ``step``): r_t from the interval's sums, p adjusted (when adaptive),
        the sums reset. Returns whether this step ended an interval."""
        if (step + 1) % self.interval:
            return False
        sums = torch.stack([self.signs, self.count])
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(sums)
        self.rt.copy_(sums[0] / sums[1].clamp(min=1))
        if self.adaptive:
            adjust = torch.sign(self.rt - self.target) * self.step_size(batch_size)
            self.p.copy_((self.p + adjust).clamp(0.0, 1.0))
        self.signs.zero_()
        self.count.zero_()
        return True

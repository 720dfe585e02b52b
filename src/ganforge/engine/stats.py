"""Training statistics, reported by name from anywhere in a step (as StyleGAN2-ADA's ``training_stats``).

``stats.report("loss/d", tensor)`` accumulates on the tensor's device without a host sync;
``stats.flush()`` turns the sums into means (one sync per log interval, averaged over processes
in a distributed run) and starts again.
"""
from __future__ import annotations

from typing import Dict

import torch
import torch.distributed as dist


class Stats:
    def __init__(self) -> None:
        self._sums: Dict[str, torch.Tensor] = {}
        self._counts: Dict[str, int] = {}

    @torch.no_grad()
    def report(self, name: str, value) -> None:
        value = value.detach().float().mean() if torch.is_tensor(value) else torch.tensor(float(value))
        if name in self._sums:
            self._sums[name] += value.to(self._sums[name].device)
            self._counts[name] += 1
        else:
            self._sums[name] = value.clone()
            self._counts[name] = 1

    def flush(self) -> Dict[str, float]:
        if not self._sums:
            return {}
        names = sorted(self._sums)
        device = self._sums[names[0]].device
        packed = torch.stack([self._sums[n].to(device) / self._counts[n] for n in names])
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(packed)
            packed /= dist.get_world_size()
        values = packed.tolist()
        self._sums.clear()
        self._counts.clear()
        return dict(zip(names, values))

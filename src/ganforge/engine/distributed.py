"""Data-parallel training under ``torchrun``: process group, device choice, gradient averaging.

Each process computes gradients on its slice of the global batch; :func:`average_gradients`
all-reduces them in flat buckets and divides by the world size, which is exactly what
DistributedDataParallel does, made explicit so that it works with two optimizers, several
discriminator passes per step and double-backward gradient penalties (gloo on CPU, NCCL on GPU).
"""
from __future__ import annotations

import os
from typing import Iterable

import torch
import torch.distributed as dist

from ganforge.errors import ConfigError


def init_from_env() -> None:
    """Join the process group that torchrun describes in the environment (no-op otherwise)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if torch.cuda.is_available():   # one GPU per process: NCCL and default allocations go to this rank's GPU
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend)


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def is_main() -> bool:
    return rank() == 0


def pick_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} requested but no CUDA GPU is available; use --device cpu")
    if name != "cpu" and not name.startswith("cuda") and name != "mps":
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N")
    return torch.device(name)


def broadcast_parameters(module: torch.nn.Module) -> None:
    if world_size() > 1:
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def average_gradients(params: Iterable[torch.nn.Parameter], bucket_bytes: int = 25 << 20) -> None:
    n = world_size()
    if n == 1:
        return
    grads = [p.grad for p in params if p.grad is not None]
    bucket, size = [], 0
    for g in grads + [None]:
        if g is not None:
            bucket.append(g)
            size += g.numel() * g.element_size()
        if bucket and (g is None or size >= bucket_bytes):
            flat = torch.cat([b.reshape(-1) for b in bucket])
            dist.all_reduce(flat)
            flat /= n
            offset = 0
            for b in bucket:
                b.copy_(flat[offset:offset + b.numel()].view_as(b))
                offset += b.numel()
            bucket, size = [], 0


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()

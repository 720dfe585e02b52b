"""Training and testing the small classifiers that metrics use: one seeded loop for every family.

:func:`fit_classifier` trains any network whose forward returns ``(features, logits)`` with Adam,
a learning rate decaying linearly to zero and batches drawn from seeded permutations (a fresh one
each epoch); :func:`classifier_accuracy` is its top-1 accuracy. The image family trains its domain
classifier with them, the translation family the digit classifiers of its CyCADA-style table.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm


def fit_seeded(model: nn.Module, parameters: Iterable[nn.Parameter], count: int, loss_of: Callable[[torch.Tensor],
               torch.Tensor], steps: int, batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
               desc: str = "train", quiet: bool = False) -> nn.Module:
    """The one loop: ``steps`` Adam steps on ``loss_of(indices)`` for batches of ``count`` items drawn from seeded
    permutations (a fresh one each epoch), the learning rate decaying linearly to 0; ``model`` in eval mode after."""
    opt = torch.optim.Adam(parameters, lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 - s / steps)   # linear decay to 0
    order = torch.Generator().manual_seed(seed)
    perm, pos = torch.randperm(count, generator=order), 0
    batch_size = min(batch_size, count)
    model.train()
    for _ in tqdm(range(steps), desc=desc, disable=True if quiet else None, unit="step", leave=False):
        if pos + batch_size > len(perm):
            perm, pos = torch.randperm(count, generator=order), 0
        idx = perm[pos:pos + batch_size]
        pos += batch_size
        loss = loss_of(idx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
    return model.eval()


def fit_classifier(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, steps: int, batch_size: int = 128,
                   lr: float = 1e-3, seed: int = 0, prepare: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
                   desc: str = "train classifier", quiet: bool = False, label_smoothing: float = 0.0) -> nn.Module:
    """Train ``model`` for ``steps`` batches of ``prepare(images[idx])`` (cross-entropy, optionally with label
    smoothing); returns it in eval mode. ``prepare`` may augment (seeded by its own generator)."""
    prepare = prepare or (lambda x: x)

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        _, logits = model(prepare(images[idx]))
        return F.cross_entropy(logits, labels[idx], label_smoothing=label_smoothing)

    return fit_seeded(model, model.parameters(), len(images), loss_of, steps, batch_size, lr, seed, desc, quiet)


@torch.no_grad()
def classifier_accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                        prepare: Optional[Callable[[torch.Tensor], torch.Tensor]] = None, batch: int = 1000) -> float:
    """Top-1 accuracy of ``model`` on ``prepare(images)`` against ``labels``."""
    prepare = prepare or (lambda x: x)
    model.eval()
    correct = sum(int((model(prepare(images[s:s + batch]))[1].argmax(1) == labels[s:s + batch]).sum())
                  for s in range(0, len(images), batch))
    return correct / len(images)

"""Extra updates of an image GAN's training step, as engine updates (``Update(..., every=N)``): lazy R1 for every
model, and whatever the model adds (StyleGAN2's path-length regularisation) through its ``extra_updates`` hook.

Lazy regularisation (StyleGAN2): with ``loss.r1_every = N > 1`` the R1 penalty leaves the discriminator's main
update and runs as its own discriminator update on every N-th step, on the same real batch as that step's last
discriminator update, its weight multiplied by N so the average pull stays that of ``loss.r1_weight``.
A model object may define ``extra_updates(task, step) -> List[Update]``; the image task appends them.
"""
from __future__ import annotations

from typing import List

import torch

from ganforge.engine.task import Update
from ganforge.losses.penalties import r1_penalty


def main_r1_weight(task) -> float:
    """The R1 weight inside the discriminator's main update: 0 when R1 is lazy (its own update)."""
    loss = task.cfg.loss
    return 0.0 if loss.r1_every > 1 else loss.r1_weight


def lazy_r1_loss(task, step: int) -> torch.Tensor:
    loss, t = task.cfg.loss, task.cfg.train
    real, labels, _, _, _ = task.batch(step * t.d_steps + t.d_steps - 1, stream=1)
    penalty = r1_penalty(task.augment.wrap(task.D), real, labels)   # D sees augmented reals, as in ADA
    task.stats.report("loss/r1", penalty)
    return 0.5 * loss.r1_weight * penalty * loss.r1_every


def extra_updates(task, step: int) -> List[Update]:
    """The updates an image task adds after its discriminator and generator updates at ``step``."""
    loss = task.cfg.loss
    out: List[Update] = []
    if loss.r1_every > 1 and loss.r1_weight > 0:
        out.append(Update("r1", "discriminator", "optim_d", lambda i: lazy_r1_loss(task, step), every=loss.r1_every,
                          after=lambda: task.loss.after_discriminator_step(task.D)))
    hook = getattr(task.model, "extra_updates", None)
    if hook is not None:
        out.extend(hook(task, step))
    return out

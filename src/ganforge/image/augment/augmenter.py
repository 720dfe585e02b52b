"""What a training task holds: the configured augmentation of everything its discriminator sees.

    augment = Augmenter(cfg.augment, channels).to(device)
    augment.register(state)                 # ADA's p and r_t are checkpointed (nothing for kind=none)
    D_seen = augment.wrap(D)                # D(augment(x), labels): reals and fakes alike
    ...
    augment.after_step(step, real_logits, stats, batch_size)   # ADA: r_t, p, stats augment/p and augment/rt

Wrapping the discriminator (as StyleGAN2-ADA's ``run_D`` does) puts the augmentation in every
place D is called: its loss on reals and fakes, the generator's loss (whose gradient reaches G
through the augmentation) and penalties such as R1, which differentiate D(augment(x)) with
respect to the un-augmented x, as in the reference. ``kind=none`` wraps nothing and draws nothing,
so such runs are exactly what they were without this module.
"""
from __future__ import annotations

from typing import Callable, Optional, Union

import torch
from torch import nn

from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.image.augment.controller import AdaController
from ganforge.image.augment.ops import policy_names
from ganforge.image.augment.pipeline import AugmentPipe
from ganforge.image.config import AugmentConfig

Critic = Callable[..., torch.Tensor]


class Augmenter(nn.Module):
    """ADA or DiffAugment as configured (``augment.kind``), or nothing."""

    def __init__(self, cfg: AugmentConfig, channels: int):
        super().__init__()
        self.kind = cfg.kind
        names = policy_names(cfg.policy, cfg.kind) if cfg.kind != "none" else []
        self.pipe = AugmentPipe(names, channels)
        self.ada: Optional[AdaController] = None
        if cfg.kind == "ada":
            self.ada = AdaController(cfg.p, cfg.ada_target, cfg.ada_interval, cfg.ada_kimg, cfg.adaptive)

    @property
    def active(self) -> bool:
        return self.kind != "none"

    @property
    def p(self) -> Union[torch.Tensor, float]:
        """The probability of each op per image: ADA's p (a tensor on the device), 1 for DiffAugment, 0 for none."""
        if self.ada is not None:
            return self.ada.p
        return 1.0 if self.active else 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pipe(x, self.p) if self.active else x

    def wrap(self, D: Critic) -> Critic:
        """``D`` itself when nothing is augmented, else ``(x, labels) -> D(augment(x), labels)``."""
        if not self.active:
            return D

        def augmented(x: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
            return D(self(x), labels)

        return augmented

    def register(self, state: TrainState, name: str = "augment") -> None:
        """Put the augmentation's state (ADA's p, r_t and sums) in the checkpointed training state; a checkpoint of a
        run without it (augmentation switched on at a resume or a fork) leaves it at its start."""
        if self.active:
            state.modules[name] = self
            state.may_be_new.add(name)

    def after_step(self, step: int, real_logits: torch.Tensor, stats: Stats, batch_size: int) -> None:
        """ADA: add the step's real logits to r_t, adjust p at the end of each interval, report both."""
        if self.ada is None:
            return
        self.ada.observe(real_logits)
        self.ada.update(step, batch_size)
        stats.report("augment/p", self.ada.p)
        stats.report("augment/rt", self.ada.rt)

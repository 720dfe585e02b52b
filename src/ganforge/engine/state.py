"""Named training state: networks, optimizers, the EMA generator and loss scalers, to and from safetensors.

A family registers what it trains by name (``state.modules["generator"] = G``) and the engine
saves and restores all of it: weights under ``NAME.``, optimizer moments under ``OPTIMIZER.`` with
the hyper-parameters in the JSON header, the EMA copy under ``ema.``, the loss scalers and the
RNG states (as Lightning Fabric's dict-of-state checkpoints). The key layout is that of
ganforge 0.1.0, so its run folders still load.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional, Set, Tuple

import torch
from torch import nn

from ganforge.engine.checkpoint import (load_module_state, optimizer_tensors, prefixed, restore_optimizer,
                                        restore_rng, rng_state, unprefixed)
from ganforge.engine.runtime import EMA

Tensors = Dict[str, torch.Tensor]


class TrainState:
    """Everything a checkpoint holds besides the family's own metadata."""

    def __init__(self) -> None:
        self.modules: Dict[str, nn.Module] = {}
        self.optimizers: Dict[str, torch.optim.Optimizer] = {}
        self.scalers: Dict[str, torch.amp.GradScaler] = {}
        self.ema: Optional[EMA] = None
        self.ema_of: Optional[str] = None
        # modules a checkpoint may lack (training state switched on in a resumed or forked run): they start fresh
        self.may_be_new: Set[str] = set()

    def add_ema(self, module_name: str, decay: float) -> None:
        """Keep an exponential moving average of ``modules[module_name]`` (saved as ``ema.``)."""
        if decay > 0:
            self.ema, self.ema_of = EMA(self.modules[module_name], decay), module_name

    def scaler(self, optimizer: str) -> torch.amp.GradScaler:
        return self.scalers[optimizer]

    def enable_scalers(self, enabled: bool) -> None:
        """One loss scaler per optimizer (fp16 needs them; a disabled scaler is a no-op)."""
        self.scalers = {name: torch.amp.GradScaler("cuda", enabled=enabled) for name in self.optimizers}

    def sampling_module(self, name: str = "generator") -> nn.Module:
        """The module to sample from: the EMA copy when one is kept, else the trained one."""
        return self.ema.module if self.ema is not None and self.ema_of == name else self.modules[name]

    # ------------------------------------------------------------------ to and from tensors
    def to_tensors(self) -> Tuple[Tensors, Dict[str, Any]]:
        tensors: Tensors = {}
        meta: Dict[str, Any] = {}
        for name, module in self.modules.items():
            tensors.update(prefixed(name, module.state_dict()))
        if self.ema is not None:
            tensors.update(prefixed("ema", self.ema.module.state_dict()))
        for name, opt in self.optimizers.items():
            opt_tensors, meta[name] = optimizer_tensors(opt, name)
            tensors.update(opt_tensors)
        rng_tensors, meta["rng"] = rng_state()
        tensors.update(rng_tensors)
        meta["ema"] = self.ema is not None
        meta["scalers"] = {_short(n): s.state_dict() for n, s in self.scalers.items()}
        return tensors, meta

    def load(self, tensors: Tensors, meta: Dict[str, Any], path: Path, restore_scalers: bool = False) -> None:
        """Restore weights, optimizers, EMA and RNG; a missing or misshapen entry is a one-line CheckpointError."""
        for name, module in self.modules.items():
            saved = unprefixed(name, tensors)
            if saved or name not in self.may_be_new:
                load_module_state(module, saved, name, path)
        if self.ema is not None and meta.get("ema"):
            load_module_state(self.ema.module, unprefixed("ema", tensors), "EMA generator", path)
        for name, opt in self.optimizers.items():
            if name not in meta:
                from ganforge.errors import CheckpointError

                raise CheckpointError(f"{path} has no state for optimizer {name!r}; it was written by another model "
                                      "or config: use the run's own config.yaml")
            restore_optimizer(opt, name, tensors, meta[name])
        restore_rng(tensors, meta["rng"])
        saved = meta.get("scalers") or {}
        if restore_scalers:
            for name, scaler in self.scalers.items():
                if saved.get(_short(name)):
                    scaler.load_state_dict(saved[_short(name)])

    def hyperparameters(self) -> Dict[str, Dict[str, Any]]:
        """Per optimizer, the learning rate and betas it was built with (the config's values)."""
        keys = ("lr", "betas")
        return {name: {k: opt.param_groups[0][k] for k in keys if k in opt.param_groups[0]}
                for name, opt in self.optimizers.items()}


def _short(optimizer_name: str) -> str:
    """Scaler key in the checkpoint: ``optim_d`` -> ``d`` (the 0.1.0 layout)."""
    return optimizer_name[len("optim_"):] if optimizer_name.startswith("optim_") else optimizer_name


def adversarial_state(G: nn.Module, D: nn.Module, lr_g: float, lr_d: float, betas: Tuple[float, float],
                      ema_decay: float) -> TrainState:
    """The state of a plain GAN: ``generator`` and ``discriminator`` with their Adam optimizers (``optim_g``,
    ``optim_d``) and the generator's EMA."""
    state = TrainState()
    state.modules.update(generator=G, discriminator=D)
    state.optimizers.update(optim_g=torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas),
                            optim_d=torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas))
    state.add_ema("generator", ema_decay)
    return state

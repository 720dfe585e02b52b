"""What a family gives the engine: a :class:`Task` with its state and phases, and its steps as :class:`Update` s.

One training step of a family is a list of updates, as data (StyleGAN2-ADA's phases): which
network, which optimizer, the loss, how many times in a row (``repeat``: discriminator steps per
generator step), how often (``every``: lazy regularisation), which networks are frozen meanwhile.
The :class:`~ganforge.engine.loop.Trainer` runs them with everything else a family needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch.utils.tensorboard import SummaryWriter

from ganforge.config import same_config
from ganforge.engine import distributed as ddp
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.errors import CheckpointError, ConfigError


@dataclass
class Update:
    """One optimizer step of one network: a phase of a training step, as data (StyleGAN2-ADA's phases)."""

    name: str                                 # stats name: grad_norm/<name>
    module: str                               # state.modules key of the network updated
    optimizer: str                            # state.optimizers key
    loss: Callable[[int], torch.Tensor]       # repeat index -> loss (run under the precision's autocast)
    repeat: int = 1                           # e.g. discriminator steps per generator step
    every: int = 1                            # lazy regularisation: only on steps divisible by this
    frozen: Tuple[str, ...] = ()              # modules without gradients during this update
    clip: float = 0.0                         # clip the gradient norm (0 = off)
    after: Optional[Callable[[], None]] = None   # after each optimizer step (e.g. weight clipping)


@dataclass
class Phase:
    """A stretch of the step counter with its own updates (``steps=None``: until the time budget)."""

    name: str
    steps: Optional[int]


class Task:
    """What a family gives the trainer. Subclasses set ``cfg``, ``state``, ``phases`` and define ``updates``."""

    family: str = ""
    unit = "items"             # what a batch holds, for the throughput figure (<unit>_per_s)
    rng_per_rank = False       # re-seed the global RNG differently on each rank (tasks that sample inside models)
    cfg: Any
    state: TrainState
    phases: List[Phase]
    stats: Stats
    device: torch.device
    world, rank = 1, 0

    def setup_runtime(self, processes: bool = True, unlimited_steps: bool = True) -> None:
        """Join the torchrun group, pick the device and thread count, and check the batch splits over processes
        (``processes=False``: a task that runs in one process only); with ``unlimited_steps``, ``train.steps=0``
        means "until the time budget", which must then be set."""
        t = self.cfg.train
        ddp.init_from_env()
        self.world, self.rank = ddp.world_size(), ddp.rank()
        if not processes and self.world > 1:
            raise ConfigError(f"{self.family} runs take one process; run them without torchrun")
        if t.batch_size % self.world:
            raise ConfigError(f"batch size {t.batch_size} does not split over {self.world} processes; "
                              f"use a multiple of {self.world}")
        if unlimited_steps and t.steps == 0 and t.max_minutes == 0:
            raise ConfigError("train.steps=0 means no step limit, so set a time budget: --max-minutes M")
        self.device = ddp.pick_device(t.device)
        if t.threads:
            torch.set_num_threads(t.threads)

    def updates(self, step: int, phase: str, index: int) -> Sequence[Update]:
        raise NotImplementedError

    live_keys: Tuple[str, ...] = ()   # config keys read at every step, so they may change mid-run (train.d_steps)

    def learning_rates(self) -> Dict[str, str]:
        """Config key of each optimizer's learning rate -> optimizer name (``train.lr_g`` -> ``optim_g``): they may
        change mid-run (``ganforge control RUN set train.lr_g=1e-4``)."""
        return {f"train.lr_{name[6:]}": name for name in self.state.optimizers
                if name.startswith("optim_") and hasattr(self.cfg.train, f"lr_{name[6:]}")}

    def steerable(self) -> Dict[str, Callable[[Any], None]]:
        """Config keys the family lets change mid-run -> a function applying a new value (the live config already
        holds it when it is called); by default the ``live_keys``, which need nothing more."""
        return {key: _nothing for key in self.live_keys}

    def after_step(self, step: int) -> None:
        """After the updates of a step (the EMA is updated by the trainer)."""

    def meta(self) -> Dict[str, Any]:
        """Family metadata of a checkpoint: at least ``model`` and ``model_config``."""
        return {}

    def check_checkpoint(self, meta: Dict[str, Any], path: Path) -> None:
        """Refuse a checkpoint of another family, model or config (one-line CheckpointError)."""
        if meta.get("family") != self.family or not same_config(meta.get("model_config"), self.cfg.model):
            raise CheckpointError(f"{path} is a checkpoint of {meta.get('family')} model {meta.get('model')!r} with "
                                  f"another config than this run's {self.cfg.model.name!r}; resume with the run's own "
                                  "config.yaml")

    def prepare_run(self, run: RunFolder, resumed: bool) -> Dict[str, Any]:
        """Write family files into a starting run (e.g. the vocabulary); returns extra run.json keys."""
        return {}

    def write_samples(self, run: RunFolder, step: int, writer: Optional[SummaryWriter]) -> None:
        """Samples from fixed inputs into ``run.samples_dir`` (and TensorBoard)."""

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {k.rsplit("/", 1)[-1]: v for k, v in values.items() if not k.startswith("grad_norm")}


def _nothing(value: Any) -> None:
    """The setter of a key the task reads from its config at every step."""


Hook = Callable[[int, Optional[str]], None]   # (step just done, name of the phase it ended or None); main process

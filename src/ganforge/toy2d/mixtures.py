"""The 2D mode-coverage benchmark (``benchmarks/quality.py``): a gan2d run on ring8 or grid25, scored.

- ``ring8``: 8 modes evenly spaced on a circle of radius 2, standard deviation 0.02;
- ``grid25``: 25 modes at {-4, -2, 0, 2, 4}^2, standard deviation 0.05 (as VEEGAN and PacGAN).

:func:`train_mixture` trains through the engine (the toy family's :class:`~ganforge.toy2d.task.Toy2dTask`,
in a run folder: a temporary one unless ``run_dir`` is given) and scores ``eval_samples`` EMA
samples with :func:`ganforge.toy2d.metrics.mixture_quality` (high quality = within 3 std of the
nearest mode; a mode is covered at 10 % of a fair share).
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from ganforge.config import from_dict
from ganforge.toy2d.config import Toy2dConfig
from ganforge.toy2d.metrics import mixture_quality

MIXTURES = ("ring8", "grid25")


@dataclass
class MixtureRun:
    """Defaults are the configuration of ``benchmarks/quality.py`` (see docs/benchmarks.md for what was tried)."""
    mixture: str = "grid25"
    steps: int = 50000
    batch_size: int = 256
    latent_dim: int = 16
    hidden: int = 256
    layers: int = 3
    pack: int = 2              # PacGAN-2: the discriminator judges pairs of samples
    loss: str = "nonsaturating"
    r1_weight: float = 0.01
    lr: float = 1e-3
    d_steps: int = 1
    ema_decay: float = 0.999
    seed: int = 0
    eval_samples: int = 2500
    normalize: bool = False    # True: train on data divided by the largest centre coordinate (slower to sharpen)
    beta2: float = 0.99


def mixture_config(run: MixtureRun, progress: int = 0) -> Toy2dConfig:
    """The gan2d run config of a benchmark run (``progress`` > 0: evaluate every that many steps)."""
    from ganforge.toy2d.data import make_toy_data

    scale = float(make_toy_data(run.mixture).centers.abs().max()) if run.normalize else 1.0
    steps = max(run.steps, 1)
    return from_dict(Toy2dConfig, {
        "model": {"latent_dim": run.latent_dim, "hidden": run.hidden, "layers": run.layers, "pack": run.pack},
        "loss": {"name": run.loss, "r1_weight": run.r1_weight},
        "data": {"name": run.mixture, "scale": scale},
        "train": {"steps": steps, "batch_size": run.batch_size, "lr_g": run.lr, "lr_d": run.lr, "beta2": run.beta2,
                  "d_steps": run.d_steps, "ema_decay": run.ema_decay, "seed": run.seed,
                  "eval_every": progress, "eval_samples": 2500, "log_every": 100,
                  "sample_every": progress or steps, "checkpoint_every": steps, "keep_checkpoints": 1}})


def train_mixture(run: MixtureRun, quiet: bool = False, progress: int = 0,
                  run_dir: Optional[Path] = None) -> Dict[str, Any]:
    """Train gan2d on a 2D mixture; returns the coverage of ``eval_samples`` EMA samples and the wall time.

    ``progress`` > 0 scores 2,500 fixed samples every that many steps (``trajectory`` in the result, and
    metrics.jsonl of the run); scoring draws no training randomness, so it does not change the run.
    ``steps=0`` scores the untrained generator. A given ``run_dir`` that holds a checkpoint is continued.
    """
    from ganforge.family import FAMILIES

    cfg = mixture_config(run, progress)
    with tempfile.TemporaryDirectory(prefix="ganforge-mixture-") as tmp:
        trainer = FAMILIES.get("toy2d").trainer(cfg, Path(run_dir or Path(tmp) / run.mixture), quiet=quiet)
        t0 = time.monotonic()
        if run.steps > 0:
            trainer.fit(resume=run_dir is not None)
        seconds = time.monotonic() - t0
        task = trainer.task
        samples = task.fixed_samples(run.eval_samples, seed=run.seed + 2).numpy()
        trajectory = next((h.rows for h in trainer.hooks if hasattr(h, "rows")), []) if run.steps > 0 else []
    return {**mixture_quality(samples, task.data), "seconds": seconds, "trajectory": trajectory}

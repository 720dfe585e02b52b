"""Shared test helpers: tiny configs and running the CLI as a user would (seconds each)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List

import pytest
import torch

from ganforge.config import from_dict, merge
from ganforge.image.config import RunConfig

torch.set_num_threads(min(2, os.cpu_count() or 1))

SRC = Path(__file__).resolve().parents[1] / "src"


def tiny_config(**sections) -> RunConfig:
    """A DCGAN of width 8 on 256 embedded digits, batch 16, logging every 2 steps."""
    base = {
        "model": {"name": "dcgan", "width": 8, "latent_dim": 16},
        "data": {"name": "embedded", "limit": 256},
        "train": {"steps": 6, "batch_size": 16, "log_every": 2, "sample_every": 3, "checkpoint_every": 3,
                  "ema_decay": 0.9, "keep_checkpoints": 5},
    }
    return from_dict(RunConfig, merge(base, sections))


def run_cli(args: List[str], cwd: Path, timeout: float = 300, env=None) -> subprocess.CompletedProcess:
    """Run ``ganforge ARGS`` in a process of its own, as a user would (a fork of a warm interpreter: cli_fork)."""
    from cli_fork import run_cli as forked

    return forked(args, cwd, timeout=timeout, env=env)


def cli_error(capsys, argv: List[str]) -> str:
    """Run ``ganforge ARGV`` in this process and return its error: one line ``error: ...``, exit code 2."""
    from ganforge.cli.main import main

    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    return err


def untrained_run(path: Path, **sections) -> Path:
    """A run folder written by the engine (config.yaml, run.json, one checkpoint) of :func:`tiny_config`'s DCGAN,
    untrained: for tests that sample a run without needing it to have learnt anything (seconds faster)."""
    from ganforge.engine.loop import Trainer
    from ganforge.image.task import ImageTask

    trainer = Trainer(ImageTask(tiny_config(**{"train": {"steps": 1}, **sections})), path, quiet=True)
    trainer.start(resume=False)
    trainer.save()
    trainer.release()
    return path

"""Tiny text2image data and configs of the tests (MNIST from GANFORGE_DATA, or the test is skipped)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ganforge.config import from_dict, merge
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.text2image.config import RunConfig


def need_mnist() -> None:
    root = os.environ.get("GANFORGE_DATA")
    if not root or not (Path(root) / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")


def tiny(data: Path, **sections) -> RunConfig:
    """A StackGAN of width 4 (stage I at 16 px), 2 stage I + 2 stage II steps of batch 4, a checkpoint every 2; no
    text phase (``train.text_steps=0``) unless given."""
    base = {"model": {"width": 4, "z_dim": 4, "embed_dim": 8, "text_dim": 8, "c_dim": 4, "stage1_size": 16},
            "data": {"dir": str(data), "limit": 16},
            "train": {"text_steps": 0,
                      "steps": 2, "stage1_steps": 2, "batch_size": 4, "log_every": 1, "sample_every": 2,
                      "checkpoint_every": 2, "ema_decay": 0.9, "keep_checkpoints": 10, "threads": 1,
                      "sample_count": 2}}
    return from_dict(RunConfig, merge(base, sections))


def whole_and_resumed(cfg: RunConfig, tmp_path: Path, stop_at: int):
    """Train ``cfg`` uninterrupted into ``tmp_path/whole``, and into ``tmp_path/split`` stopped at ``stop_at`` then
    resumed; returns the resumed trainer."""
    from ganforge.engine.loop import Trainer
    from ganforge.text2image.task import TextToImageTask

    Trainer(TextToImageTask(cfg, quiet=True), tmp_path / "whole", quiet=True).fit()
    Trainer(TextToImageTask(cfg, quiet=True), tmp_path / "split", quiet=True).fit(stop_at=stop_at)
    second = Trainer(TextToImageTask(cfg, quiet=True), tmp_path / "split", quiet=True)
    second.fit(resume=True)
    return second


def tensors_at(run_dir: Path, step: int):
    """(tensors without the RNG states, metadata) of a run's checkpoint at ``step``."""
    path = [p for p in checkpoint_files(run_dir / "checkpoints") if p.name == f"step_{step:07d}.safetensors"][0]
    tensors, meta = load_checkpoint(path)
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta

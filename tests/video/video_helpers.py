"""Tiny video data made in the tests: a bright square bouncing in a small frame, written as GIF or MP4 clips."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ganforge.config import from_dict, merge
from ganforge.video.config import RunConfig


def bouncing_square(frames: int, size: int, rng: np.random.Generator, side: int = 4) -> np.ndarray:
    """uint8 ``[frames, size, size]``: a ``side`` px square moving 1-2 px a frame, bouncing off the edges."""
    pos = rng.integers(0, size - side, 2).astype(np.int64)
    vel = rng.choice([-2, -1, 1, 2], 2)
    out = np.zeros((frames, size, size), np.uint8)
    for t in range(frames):
        out[t, pos[0]:pos[0] + side, pos[1]:pos[1] + side] = 255
        for a in range(2):
            if not 0 <= pos[a] + vel[a] <= size - side:
                vel[a] = -vel[a]
        pos = pos + vel
    return out


def write_clip_folder(root: Path, n: int = 8, frames: int = 6, size: int = 16, seed: int = 0) -> Path:
    """``root/clipNN.gif``: ``n`` grayscale clips of bouncing squares."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        images = [Image.fromarray(f) for f in bouncing_square(frames, size, rng)]
        images[0].save(root / f"clip{i:02d}.gif", save_all=True, append_images=images[1:], duration=100, loop=0)
    return root


def tiny(model: str, data: Path, **sections) -> RunConfig:
    """A video model of width 4 on 16x16 clips of 4 frames, batch 4, a sample and a checkpoint every 2 steps."""
    base = {"model": {"name": model, "frames": 4, "image_size": 16, "width": 4, "content_dim": 4, "motion_dim": 2,
                      "motion_hidden": 4, "latent_dim": 4, "image_frames": 2},
            "data": {"dir": str(data)},
            "train": {"steps": 4, "batch_size": 4, "log_every": 2, "sample_every": 2, "checkpoint_every": 2,
                      "ema_decay": 0.9, "keep_checkpoints": 5, "threads": 1, "sample_count": 2}}
    return from_dict(RunConfig, merge(base, sections))


TINY_FLAGS = ["--steps", "2", "--batch-size", "4", "--quiet", "--frames", "4", "--image-size", "16",
              "--set", "model.width=4", "--set", "model.content_dim=4", "--set", "model.motion_dim=2",
              "--set", "model.motion_hidden=4", "--set", "model.latent_dim=4", "--set", "train.threads=1",
              "--set", "train.sample_count=2"]

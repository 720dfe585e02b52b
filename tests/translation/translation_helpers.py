"""Tiny translation data made in the tests: random rectangles, as outlines (A) and filled (B), 16 px PNGs."""
from __future__ import annotations

from pathlib import Path
from typing import Tuple

import numpy as np
from PIL import Image

from ganforge.config import from_dict, merge
from ganforge.translation.config import RunConfig


def shapes(n: int, size: int = 16, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """(outlines, filled): uint8 [n, size, size] pairs of random rectangles, white on black."""
    rng = np.random.default_rng(seed)
    a = np.zeros((n, size, size), np.uint8)
    b = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        y0, x0 = rng.integers(1, size // 2, 2)
        y1, x1 = y0 + rng.integers(3, size // 2), x0 + rng.integers(3, size // 2)
        b[i, y0:y1, x0:x1] = 255
        a[i, y0:y1, x0:x1] = 255
        a[i, y0 + 1:y1 - 1, x0 + 1:x1 - 1] = 0
    return a, b


def write_side_by_side(root: Path, n: int = 24, split: str = "train", size: int = 16, seed: int = 0) -> Path:
    """``root/split/NNN.png``: A | B side by side (the pix2pix layout)."""
    a, b = shapes(n, size, seed)
    folder = root / split
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(np.concatenate([a[i], b[i]], 1)).save(folder / f"{i:03d}.png")
    return root


def write_unpaired(root: Path, n_a: int = 20, n_b: int = 16, size: int = 16, rgb_b: bool = False) -> Path:
    """``root/trainA`` (outlines) and ``root/trainB`` (filled; red on black when ``rgb_b``), unrelated draws."""
    a, _ = shapes(n_a, size, seed=1)
    _, b = shapes(n_b, size, seed=2)
    (root / "trainA").mkdir(parents=True, exist_ok=True)
    (root / "trainB").mkdir(parents=True, exist_ok=True)
    for i in range(n_a):
        Image.fromarray(a[i]).save(root / "trainA" / f"a{i:03d}.png")
    for i in range(n_b):
        img = np.stack([b[i], b[i] // 4, b[i] // 8], -1) if rgb_b else b[i]
        Image.fromarray(img).save(root / "trainB" / f"b{i:03d}.png")
    return root


def tiny(name: str, data: Path, **sections) -> RunConfig:
    """A translation config of width 4 on 16 px images, batch 4, logging every 2 steps."""
    base = {"model": {"name": name, "image_size": 16, "width": 4, "blocks": 1},
            "data": {"dir": str(data)},
            "train": {"steps": 6, "batch_size": 4, "log_every": 2, "sample_every": 3, "checkpoint_every": 3,
                      "ema_decay": 0.9, "keep_checkpoints": 5, "pool_size": 5, "lr_decay_steps": 0}}
    if name == "cyclegan":
        base["loss"] = {"name": "lsgan"}
    return from_dict(RunConfig, merge(base, sections))

"""Moving MNIST (Srivastava et al. 2015) built offline from MNIST: deterministic, checksummed, digit labels kept.

    ganforge data build moving-mnist --out data/moving-mnist [--frames 16|32] [--size 32|64] [--digits 1|2]
                                     [--n 2000] [--seed 0]

The standard recipe, as the widely used generator script: a 64x64 black canvas; each of ``--digits``
MNIST digits (28x28) starts at a uniform position inside it with a uniform direction and a speed of
2-6 px a frame (an integer, uniform), moves in a straight line and bounces off the edges (the velocity
component is negated and the position reflected back inside); digits are combined by the pixel-wise
maximum. ``--size 32`` renders at 64x64 and halves each frame with a 2x2 box filter (the same motion
at half the resolution). Train clips take their digits from MNIST's training set, test clips from
its test set, each a seeded random choice (a function of ``--seed`` and the split only).

Layout: ``OUT/train/`` and ``OUT/test/`` of ``NNNNN.png`` frame strips (8-bit grayscale, the T frames
side by side: ``H x T*W``) with ``labels.json`` (file -> the digits, in the order they were drawn);
``OUT/dataset.json`` records the options, counts and the sha256 of the MNIST files; ``OUT/SHA256SUMS``
every file. The same command gives the same bytes. Read back with :mod:`ganforge.video.data.clips`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
from PIL import Image
from tqdm import tqdm

from ganforge.config import from_dict, option
from ganforge.datasets.built import INFO, build_aside, check_target, mnist_split, split_rng
from ganforge.files import atomic_write_text
from ganforge.version import __version__

FORMAT = "ganforge-video-data/1"
NAME = "moving-mnist"
DESCRIPTION = "Moving MNIST: 1 or 2 MNIST digits bouncing in a 64x64 (or halved 32x32) frame, 16 or 32 frames"
CANVAS, DIGIT = 64, 28
SPEEDS = (2, 7)           # integer speeds 2..6 px a frame at 64x64


@dataclass(frozen=True)
class MovingOptions:
    n: int = option(2000, min=1, max=60000, help="clips per split")
    frames: int = option(16, choices=(16, 32))
    size: int = option(64, choices=(32, 64))
    digits: int = option(1, choices=(1, 2))
    seed: int = option(0, min=0)
    data_dir: Optional[str] = None


def trajectory(frames: int, rng: np.random.Generator) -> np.ndarray:
    """Top-left corners ``[frames, 2]`` (y, x; integers) of one digit bouncing inside the canvas."""
    limit = CANVAS - DIGIT
    pos = rng.random(2) * limit
    theta = rng.random() * 2 * np.pi
    velocity = int(rng.integers(*SPEEDS)) * np.array([np.sin(theta), np.cos(theta)])
    out = np.empty((frames, 2), np.int64)
    for t in range(frames):
        out[t] = np.round(pos)
        pos = pos + velocity
        for axis in range(2):
            if pos[axis] < 0 or pos[axis] > limit:
                velocity[axis] = -velocity[axis]
                pos[axis] = -pos[axis] if pos[axis] < 0 else 2 * limit - pos[axis]
    return out


def render(digits: List[np.ndarray], paths: List[np.ndarray], size: int) -> np.ndarray:
    """uint8 ``[T, size, size]``: the digits at their corners, combined by the maximum, box-halved for 32."""
    frames = np.zeros((len(paths[0]), CANVAS, CANVAS), np.uint8)
    for digit, path in zip(digits, paths):
        for t, (y, x) in enumerate(path):
            np.maximum(frames[t, y:y + DIGIT, x:x + DIGIT], digit, out=frames[t, y:y + DIGIT, x:x + DIGIT])
    if size == CANVAS:
        return frames
    k = CANVAS // size
    halved = frames.reshape(len(frames), size, k, size, k).astype(np.float64).mean((2, 4))
    return np.round(halved).astype(np.uint8)


def clips(opts: MovingOptions, split: str, sources: Dict[str, str]):
    """(frames ``[T, S, S]``, digit labels) of each clip of a split, in order."""
    images, labels = mnist_split(split, opts.data_dir, sources)
    rng = split_rng(opts.seed, split)
    index = rng.integers(0, len(images), size=(opts.n, opts.digits))
    for row in index:
        paths = [trajectory(opts.frames, rng) for _ in row]
        yield render([images[i] for i in row], paths, opts.size), [int(labels[i]) for i in row]


def build(out: str | Path, n: int = 2000, frames: int = 16, size: int = 64, digits: int = 1, seed: int = 0,
          data_dir: Optional[str] = None, overwrite: bool = False, progress: bool = True) -> Dict[str, object]:
    """Build Moving MNIST into ``out`` (written aside, verified, moved into place); returns its dataset.json."""
    opts = from_dict(MovingOptions, {"n": n, "frames": frames, "size": size, "digits": digits, "seed": seed,
                                     "data_dir": data_dir})
    check_target(Path(out), overwrite)
    sources: Dict[str, str] = {}
    mnist_split("train", data_dir, sources)    # MNIST missing: a one-line error before anything is written

    def write(tmp: Path) -> Dict[str, object]:
        with tqdm(total=2 * opts.n, desc=f"build {NAME}", unit="clip", disable=None if progress else True) as bar:
            for split in ("train", "test"):
                folder = tmp / split
                folder.mkdir()
                labels: Dict[str, List[int]] = {}
                for k, (video, digit_labels) in enumerate(clips(opts, split, sources)):
                    name = f"{k:05d}.png"
                    Image.fromarray(np.concatenate(list(video), axis=1)).save(folder / name, format="PNG")
                    labels[name] = digit_labels
                    bar.update(1)
                (folder / "labels.json").write_text(json.dumps(labels, sort_keys=True) + "\n")
        info = {"format": FORMAT, "name": NAME, "kind": "video", "description": DESCRIPTION,
                "options": {k: v for k, v in asdict(opts).items() if k != "data_dir"},
                "counts": {"train": opts.n, "test": opts.n}, "sources": dict(sorted(sources.items())),
                "ganforge_version": __version__}
        atomic_write_text(tmp / INFO, json.dumps(info, indent=2) + "\n")
        return info

    return build_aside(out, overwrite, write)

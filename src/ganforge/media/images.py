"""Writing images: grids, PNG folders, NumPy archives and animated GIFs from uint8 tensors.

All functions take uint8 tensors ``[N, C, H, W]`` (C = 1 or 3), as returned by sampling.
"""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import torch
from PIL import Image

from ganforge.files import atomic_write


def make_grid(images: torch.Tensor, nrow: Optional[int] = None, padding: int = 2, pad_value: int = 0) -> np.ndarray:
    """Tile ``[N, C, H, W]`` uint8 images into one ``[H', W', C]`` array, ``nrow`` images per row."""
    n, c, h, w = images.shape
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    rows = int(math.ceil(n / nrow))
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), pad_value, np.uint8)
    arr = images.permute(0, 2, 3, 1).cpu().numpy()
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = arr[i]
    return grid


def to_pil(array: np.ndarray) -> Image.Image:
    return Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)


def png_bytes(image: np.ndarray | torch.Tensor, scale: int = 1) -> bytes:
    """One uint8 image as PNG bytes: an ``[H, W, C]`` array or a ``[C, H, W]`` tensor, enlarged ``scale`` times
    (nearest neighbour); no metadata, so the bytes say nothing of their source."""
    if isinstance(image, torch.Tensor):
        image = image.permute(1, 2, 0).cpu().numpy()
    img = to_pil(image)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def save_png(array: np.ndarray, path: str | Path, scale: int = 1) -> Path:
    path = Path(path)
    img = to_pil(array)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    atomic_write(path, lambda tmp: img.save(tmp, format="PNG"))
    return path


def save_grid(images: torch.Tensor, path: str | Path, nrow: Optional[int] = None, scale: int = 1) -> Path:
    return save_png(make_grid(images, nrow), path, scale)


def folder_names(n: int, labels: Optional[torch.Tensor] = None) -> List[str]:
    """The file names :func:`save_folder` gives ``n`` images: ``00000.png`` or ``00000_label7.png``."""
    return [f"{i:05d}{f'_label{int(labels[i])}' if labels is not None else ''}.png" for i in range(n)]


def save_folder(images: torch.Tensor, folder: str | Path, labels: Optional[torch.Tensor] = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arr = images.permute(0, 2, 3, 1).cpu().numpy()
    for a, name in zip(arr, folder_names(len(arr), labels)):
        to_pil(a).save(folder / name)
    return folder


def save_npz(images: torch.Tensor, path: str | Path, labels: Optional[torch.Tensor] = None) -> Path:
    arr = images.permute(0, 2, 3, 1).cpu().numpy()
    if arr.shape[-1] == 1:
        arr = arr[..., 0]
    payload = {"images": arr}
    if labels is not None:
        payload["labels"] = labels.cpu().numpy().astype(np.int64)
    path = Path(path)
    atomic_write(path, lambda tmp: np.savez_compressed(open(tmp, "wb"), **payload))
    return path


def save_gif(frames: Sequence[np.ndarray], path: str | Path, duration_ms: int = 80, scale: int = 1) -> Path:
    images = [to_pil(f) for f in frames]
    if scale > 1:
        images = [im.resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST) for im in images]
    path = Path(path)
    atomic_write(path, lambda tmp: images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                                                  duration=duration_ms, loop=0))
    return path

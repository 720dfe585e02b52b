"""Load a folder of images (PNG, JPEG, BMP, TIFF; 8/16-bit, grayscale, RGB, RGBA, palette).

Every image is converted to the requested channel count, center-cropped to a square and resized
to the model's size while loading, then kept as one uint8 tensor. Sub-folders of the root become
class labels (sorted by name); images directly in the root make an unlabelled data set. Hidden
files and folders (``.DS_Store``, macOS ``._name.png`` AppleDouble files) are not images and are
skipped; an image whose header claims more than :data:`MAX_PIXELS` pixels (a decompression bomb) is
a one-line DataError naming it, checked before any pixel is decoded.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from ganforge.errors import DataError
from ganforge.image.data.images import ImageDataset
from ganforge.media.reading import IMAGE_SUFFIXES, MAX_PIXELS, read_image, visible_images  # noqa: F401
from ganforge.media.reading import to_mode as _to_mode


def load_image(path: Path, size: int, channels: int) -> np.ndarray:
    """One image as uint8 ``[C, size, size]``; a DataError names a corrupt, truncated or oversized file."""
    img = _to_mode(read_image(path), channels)
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    if s != size:
        img = img.resize((size, size), Image.Resampling.LANCZOS if s > size else Image.Resampling.BICUBIC)
    arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def list_images(root: Path) -> Tuple[List[Path], List[int], List[str]]:
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist; pass --data-dir pointing at a folder of images")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files: List[Path] = []
    labels: List[int] = []
    for index, name in enumerate(classes):
        found = visible_images(p for p in (root / name).rglob("*")
                                if not any(part.startswith(".") for part in p.relative_to(root).parts))
        files += found
        labels += [index] * len(found)
    loose = visible_images(root.iterdir())
    if loose and classes:
        raise DataError(f"{root} mixes images and class sub-folders; move the {len(loose)} loose images "
                        "into a sub-folder")
    if loose:
        files, labels, classes = loose, [], []
    if not files:
        raise DataError(f"no images (.png, .jpg, .bmp, .tif) found in {root}; point --data-dir at a folder "
                        "of images or of class sub-folders")
    return files, labels, classes


def load_folder(root: str | Path, size: int, channels: int) -> ImageDataset:
    root = Path(root)
    files, labels, classes = list_images(root)
    images = np.empty((len(files), channels, size, size), dtype=np.uint8)
    for i, path in enumerate(tqdm(files, desc=f"loading {root.name}", unit="img", leave=False,
                                  disable=None)):
        images[i] = load_image(path, size, channels)
    label_tensor = torch.tensor(labels, dtype=torch.int64) if labels else None
    return ImageDataset(torch.from_numpy(images), label_tensor, classes or None, name=root.name)

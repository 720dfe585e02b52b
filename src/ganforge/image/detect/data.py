"""The detector's images: real ones from a named data set or a folder, fitted to the detector, and augmented.

All images are uint8 ``[N, C, H, W]``. :func:`fit` converts channels (luminance or replication) and
resizes to the detector's square size (bilinear, antialiased), as the image family fits its data.
:func:`augment` is Wang et al.'s training augmentation, each with probability ``p``: Gaussian blur
(sigma 0-3), JPEG (quality 30-100) and a down-and-up resize (0.5-1x); the same functions are the
benchmark's test-time perturbations (:func:`jpeg`, :func:`resize_back`).
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from PIL import Image, ImageFilter

from ganforge.errors import DataError
from ganforge.image.data.images import ImageDataset

FOLDER_SIZE = 64


def real_images(spec: str, limit: int = 0, data_dir: Optional[str] = None, size: int = 0,
                channels: int = 0) -> torch.Tensor:
    """Images of a named data set (``mnist``, ``mnist:test``, ``embedded``, ``fashion-mnist``) or a folder."""
    if Path(spec).is_dir():
        from ganforge.image.data.folder import load_folder

        data = load_folder(spec, size or FOLDER_SIZE, channels or 3)
    else:
        from ganforge.image.data.sources import DATASETS, load_split

        name = spec.partition(":")[0]
        if name not in DATASETS.names():
            raise DataError(f"--real {spec}: not a folder and not a data set ({', '.join(DATASETS.names())}, "
                            "optionally :train or :test)")
        data = load_split(spec, data_dir)
    images = data.subset(limit).images
    return fit(images, size or images.shape[-1], channels or images.shape[1])


def fit(images: torch.Tensor, size: int, channels: int) -> torch.Tensor:
    """uint8 images converted to ``channels`` and resized to ``size`` x ``size``."""
    return ImageDataset(images.contiguous()).fit_to(size, channels).images


def to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 127.5 - 1


def _pil(a: np.ndarray) -> Image.Image:
    return Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a)


def _array(img: Image.Image, channels: int) -> np.ndarray:
    a = np.asarray(img)
    return a[..., None] if a.ndim == 2 else a[..., :channels]


def jpeg(images: torch.Tensor, quality: int) -> torch.Tensor:
    """Each image JPEG-compressed at ``quality`` and decoded."""
    return _map(images, lambda img, rng: _jpeg(img, quality))


def resize_back(images: torch.Tensor, scale: float) -> torch.Tensor:
    """Each image resized by ``scale`` (bicubic) and back to its size."""
    return _map(images, lambda img, rng: _resize(img, scale))


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(quality))
    return Image.open(io.BytesIO(buf.getvalue())).convert(img.mode)


def _resize(img: Image.Image, scale: float) -> Image.Image:
    w, h = img.size
    small = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BICUBIC)
    return small.resize((w, h), Image.BICUBIC)


def _map(images: torch.Tensor, fn, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    arr = images.permute(0, 2, 3, 1).numpy()
    out = np.stack([_array(fn(_pil(a), rng), a.shape[-1]) for a in arr])
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def augment(images: torch.Tensor, p: float, seed: int) -> torch.Tensor:
    """Blur, JPEG and resize, each with probability ``p`` per image (Wang et al. 2020's "Blur+JPEG (p)")."""
    if p <= 0:
        return images

    def one(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        if rng.random() < p:
            img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 3))))
        if rng.random() < p:
            img = _jpeg(img, int(rng.integers(30, 101)))
        if rng.random() < p:
            img = _resize(img, float(rng.uniform(0.5, 1.0)))
        return img

    return _map(images, one, seed)

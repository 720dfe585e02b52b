"""Reading image files safely: decode (8/16-bit, grayscale, RGB, alpha, palette), convert, refuse bombs.

Shared by every family that reads images (the image family's folders, translation pairs, style
images): one reader, so a corrupt file or a decompression bomb is the same one-line DataError
everywhere. Hidden files (``.DS_Store``, macOS ``._name.png``) are never images.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import BinaryIO, Iterable, List, Optional, Union

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ganforge.errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
MAX_PIXELS = 1 << 26   # 67 megapixels (8192 x 8192): far above any training image, far below an out-of-memory


def to_mode(img: Image.Image, channels: int) -> Image.Image:
    """``img`` as 8-bit ``L`` (channels=1) or ``RGB`` (3): 16-bit and float scaled, alpha over black."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if arr.max() > 255 or img.mode.startswith("I;16") else 255.0
        img = Image.fromarray((arr / peak * 255.0).round().clip(0, 255).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        img = Image.fromarray((arr.clip(0, 1) * 255).round().astype(np.uint8), "L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("L" if channels == 1 else "RGB")


def is_colour(img: Image.Image) -> bool:
    """Whether an image has colour: an RGB file whose three channels are equal everywhere is grayscale."""
    if img.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"):
        return False
    arr = np.asarray(to_mode(img, 3))
    return bool((arr[..., 0] != arr[..., 1]).any() or (arr[..., 1] != arr[..., 2]).any())


def read_image(path: Union[Path, BinaryIO], name: Optional[str] = None) -> Image.Image:
    """An image file (or file object, called ``name`` in messages) opened and decoded; a DataError names a
    corrupt, truncated or oversized (bomb) file."""
    source, path = path, name or path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{img.width}x{img.height} pixels")
                img.load()   # the pixels are in memory: the image outlives its file
                return img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(f"image {path} is too large to load ({exc}; at most {MAX_PIXELS:,} pixels an image): a "
                        "decompression bomb or a mistake, remove it or shrink it") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"cannot read image {path} ({type(exc).__name__}: {exc}); it is corrupt or "
                        "truncated: remove or replace it") from None


def visible_images(paths: Iterable[Path]) -> List[Path]:
    """Image files among ``paths``, sorted, leaving out hidden ones (``.x.png``, macOS ``._x.png``)."""
    return sorted(p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
                  and p.is_file())


def to_unit_range(batch: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1]."""
    return batch.to(dtype).mul_(2.0 / 255.0).sub_(1.0)


def to_uint8(batch: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] -> uint8 [0, 255]."""
    return batch.detach().float().add(1.0).mul(127.5).round().clamp(0, 255).to(torch.uint8)

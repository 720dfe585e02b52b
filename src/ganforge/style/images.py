"""Style transfer's images: a file path or a bundled name (``skimage:astronaut``) in, a PNG out.

Images are float ``[1, 3, H, W]`` in [0, 1]; :func:`load_image` scales the shorter side to ``size``
(bicubic, aspect kept, then centre-cropped to a multiple of 8 so the feed-forward net's
down- and up-sampling return the same size). Grayscale images are repeated over three channels.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ganforge.datasets.bundled import bundled_image, is_bundled_name
from ganforge.errors import DataError
from ganforge.media.images import save_png


def read_array(spec: str) -> np.ndarray:
    """uint8 ``[H, W, 3]`` of a file or a bundled image name."""
    if is_bundled_name(spec):
        return bundled_image(spec)
    path = Path(spec)
    if not path.is_file():
        raise DataError(f"image {spec} does not exist; pass an image file or a bundled name such as skimage:astronaut")
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(f"{spec} is not a readable image ({type(exc).__name__}); pass a PNG or JPEG file") from None


def to_tensor(array: np.ndarray, size: int) -> torch.Tensor:
    img = Image.fromarray(array)
    scale = size / min(img.size)
    w, h = max(8, round(img.width * scale)), max(8, round(img.height * scale))
    img = img.resize((w, h), Image.BICUBIC)
    cw, ch = w - w % 8, h - h % 8
    left, top = (w - cw) // 2, (h - ch) // 2
    img = img.crop((left, top, left + cw, top + ch))
    return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)[None].float().div(255.0)


def load_image(spec: str, size: int) -> torch.Tensor:
    """``spec`` (path or bundled name) as float ``[1, 3, H, W]`` in [0, 1], shorter side ``size``."""
    if size < 16:
        raise DataError(f"--size must be at least 16 pixels (got {size})")
    return to_tensor(read_array(spec), size)


def save_image(image: torch.Tensor, path: str | Path) -> Path:
    """A float ``[1, 3, H, W]`` image in [0, 1] to a PNG file (written atomically)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise DataError(f"--out {path} must end in .png")
    array = image[0].detach().clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return save_png(array, path)

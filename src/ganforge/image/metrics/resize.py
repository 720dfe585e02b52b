"""``ganforge eval --resize FILTER``: PIL resizing of uint8 images, and what the protocol card says about it.

As clean-fid does, the generated images are resized to the reference's size and the reference
images take the round trip reference size -> the samples' size -> reference size with the same
filter, so that both sides carry the same resampling artefacts (a bicubic 28->32->28 round trip
of real MNIST digits alone moves their FID far above the real-data floor). The
:class:`~ganforge.metrics.evaluate.Evaluator` does the round trip; this module resizes (image by
image, PIL on uint8, the channel count unchanged) and describes it for the card, e.g.
``bicubic 32x32 -> 28x28, reference round trip 28x28 -> 32x32 -> 28x28 (PIL, uint8)``.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
from PIL import Image

from ganforge.errors import GanforgeError

FILTERS = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR,
           "lanczos": Image.Resampling.LANCZOS, "nearest": Image.Resampling.NEAREST,
           "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING}


def check_filter(name: str) -> None:
    """Refuse a filter name that PIL does not have, in one line naming those it has."""
    if name not in FILTERS:
        raise GanforgeError(f"unknown resize filter {name!r}; choose one of {', '.join(FILTERS)} "
                            "(PIL filters on uint8 images)")


def resize_images(images: torch.Tensor, size: Tuple[int, int], name: str) -> torch.Tensor:
    """uint8 images ``[N, C, H, W]`` (C = 1 or 3) -> uint8 ``[N, C, h, w]``, ``size = (h, w)``; as is when same."""
    check_filter(name)
    h, w = size
    if tuple(images.shape[-2:]) == (h, w):
        return images
    n, c = images.shape[:2]
    arrays = images.permute(0, 2, 3, 1).numpy()
    out = np.empty((n, h, w, c), dtype=np.uint8)
    for i, array in enumerate(arrays):
        img = Image.fromarray(array[..., 0] if c == 1 else array, "L" if c == 1 else "RGB")
        out[i] = np.asarray(img.resize((w, h), resample=FILTERS[name])).reshape(h, w, c)
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def describe_resize(name: str, sample_shape: tuple, reference_shape: tuple) -> str:
    """The card's words for samples of ``sample_shape`` resized to the reference's ``[C, H, W]``."""
    s, r = _size(sample_shape), _size(reference_shape)
    return f"{name} {s} -> {r}, reference round trip {r} -> {s} -> {r} (PIL, uint8)"


def _size(shape: tuple) -> str:
    return f"{shape[-1]}x{shape[-2]}"

"""In-memory image data sets: every image is a uint8 tensor ``[N, C, H, W]`` in memory.

Batches are drawn by indexing the whole tensor at once and scaled to [-1, 1] in one vector
operation, so there is no per-sample Python work on the training hot path. The batch order of a
step is a pure function of (seed, step): a resumed run sees exactly the batches an uninterrupted
run sees, and ranks of a distributed run take disjoint slices of the same global batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import torch
import torch.nn.functional as F


from ganforge.errors import DataError
from ganforge.media.reading import to_uint8, to_unit_range  # noqa: F401  (re-exported)


@dataclass
class ImageDataset:
    images: torch.Tensor                     # uint8 [N, C, H, W]
    labels: Optional[torch.Tensor] = None    # int64 [N] or None
    class_names: Optional[List[str]] = None
    name: str = "images"

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError("images must be a uint8 tensor [N, C, H, W]")
        if len(self.images) == 0:
            raise DataError(f"data set {self.name!r} is empty; point --data-dir at a folder with images")
        if self.labels is not None:
            self.labels = self.labels.to(torch.int64)

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def num_classes(self) -> int:
        if self.labels is None:
            return 0
        return len(self.class_names) if self.class_names else int(self.labels.max()) + 1

    @property
    def image_shape(self) -> tuple:
        return tuple(self.images.shape[1:])

    def fit_to(self, image_size: int, channels: int) -> "ImageDataset":
        """Resize (bilinear, antialiased) and convert channels once, up front, to the model's shape."""
        images = self.images
        c = images.shape[1]
        if c != channels:
            if channels == 1:
                weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
                images = (images.float() * weights).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)
            else:
                images = images.expand(-1, 3, -1, -1).contiguous()
        if images.shape[-1] != image_size or images.shape[-2] != image_size:
            images = resize_uint8(images, image_size)
        return ImageDataset(images.contiguous(), self.labels, self.class_names, self.name)

    def subset(self, limit: int) -> "ImageDataset":
        if limit <= 0 or limit >= len(self):
            return self
        labels = self.labels[:limit] if self.labels is not None else None
        return ImageDataset(self.images[:limit].clone(), labels, self.class_names, self.name)


def resize_uint8(images: torch.Tensor, size: int, chunk: int = 4096) -> torch.Tensor:
    """Center-crop to square and resize a uint8 batch to ``size`` x ``size`` (antialiased)."""
    h, w = images.shape[-2:]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    images = images[..., top:top + s, left:left + s]
    out = []
    for start in range(0, len(images), chunk):
        part = images[start:start + chunk].float()
        part = F.interpolate(part, size=(size, size), mode="bilinear", antialias=s > size, align_corners=False)
        out.append(part.round().clamp(0, 255).to(torch.uint8))
    return torch.cat(out)

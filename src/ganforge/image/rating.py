"""What the image family gives a human (HYPE) study: PNG items from a run, its real images, attention checks.

Generated items are the run's pipeline samples (``ganforge.load(run).sample``: the newest checkpoint,
EMA weights when present) at a truncation; real items are images of the run's own data set, fitted to
the model's size and channels exactly as training saw them (or of another source: a folder, an .npz
or a named split like ``mnist:test``, fitted the same way), so size and colour never give an item
away. An attention check is a real image with its pixels shuffled: the same colours, no structure.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import torch

from ganforge.config import from_dict
from ganforge.engine.run_folder import run_folder_of
from ganforge.errors import DataError
from ganforge.image.config import RunConfig
from ganforge.image.data.images import ImageDataset
from ganforge.image.data.sources import load_dataset
from ganforge.media.images import png_bytes
from ganforge.rating.items import ItemSource, register_item_source


@register_item_source("image")
class ImageItems(ItemSource):
    media, suffix, media_type, setting = "image", ".png", "image/png", "truncation"

    def generated(self, run: Path, n: int, seed: int, setting: Optional[float]) -> List[bytes]:
        from ganforge.image.pipeline import LoadedGenerator

        images = LoadedGenerator.load(run).sample(n, seed=seed, truncation=setting)
        return [png_bytes(image) for image in images]

    def real(self, run: Path, n: int, seed: int, source: Optional[str] = None) -> List[bytes]:
        return [png_bytes(image) for image in self._real_images(run, n, seed, source)]

    def attention(self, run: Path, n: int, seed: int) -> List[bytes]:
        images = self._real_images(run, n, seed + 1, None)
        g = torch.Generator().manual_seed(seed)
        out = []
        for image in images:
            c, h, w = image.shape
            order = torch.randperm(h * w, generator=g)
            out.append(png_bytes(image.reshape(c, h * w)[:, order].reshape(c, h, w)))
        return out

    def describe_real(self, run: Path, source: Optional[str] = None) -> str:
        return source or f"the run's data ({_config(run).data.name})"

    def _real_images(self, run: Path, n: int, seed: int, source: Optional[str]) -> torch.Tensor:
        cfg = _config(run)
        size, channels = cfg.model.image_size, cfg.model.channels
        if source:
            from ganforge.image.metrics.sources import load_images

            images, _ = load_images(source, what="real-item source")
            data = ImageDataset(images, name=source).fit_to(size, channels)
        else:
            data = load_dataset(cfg.data, size, channels)
        if len(data) < n:
            raise DataError(f"{data.name} holds {len(data)} images but the study needs {n} real ones; "
                            "ask for fewer items (--n) or give a larger real source (--real)")
        pick = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
        return data.images[pick]


def _config(run: Path) -> RunConfig:
    return from_dict(RunConfig, run_folder_of(run).config_dict())

"""Reading translation data folders: paired A|B images for pix2pix, two unpaired domains for CycleGAN.

Layouts of ``--data DIR`` (the split is ``train`` or ``test``), tried in this order:

- ``DIR/train/*.png``: each image holds A (left half) and B (right half) side by side, so it is twice
  as wide as high (the pix2pix repository's layout); images directly in DIR are read the same way;
- ``DIR/trainA/`` + ``DIR/trainB/``: the CycleGAN layout; pix2pix pairs them by file name;
- ``DIR/A/`` + ``DIR/B/``: paired by file name (a single split, used for ``train``).

Images may have any size and mode: each one (each half of a side-by-side image) is resized to the
configured square size and converted to its domain's channels (0 = decided by the data: colour if
any image of the domain has colour). ``labels.json`` and other non-image files are ignored. Mistakes
are one-line DataErrors naming the file and the fix: a side-by-side image that is not twice as wide
as high, a file without a partner of the same name, an empty folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from ganforge.errors import DataError
from ganforge.media.reading import is_colour, read_image, to_mode, visible_images

LAYOUT_HELP = ("a folder with train/ (side-by-side A|B images), trainA/ + trainB/, or A/ + B/ "
               "(see docs/translation.md)")


@dataclass
class TranslationData:
    a: torch.Tensor              # uint8 [N_A, C_A, S, S]
    b: torch.Tensor              # uint8 [N_B, C_B, S, S]; row i pairs with a[i] when ``paired``
    paired: bool
    layout: str                  # "side-by-side", "trainA/trainB" or "A/B"
    root: Path

    @property
    def name(self) -> str:
        return self.root.name

    def describe(self) -> str:
        counts = f"{len(self.a)} pairs" if self.paired else f"{len(self.a)} A and {len(self.b)} B images"
        return f"{self.name} ({counts}, {self.layout} layout, {self.a.shape[-1]} px)"


def _images_in(folder: Path) -> List[Path]:
    files = visible_images(folder.iterdir())
    if not files:
        raise DataError(f"no images (.png, .jpg, .bmp, .tif) in {folder}; put the images there or point --data "
                        f"at {LAYOUT_HELP}")
    return files


def find_files(root: Path, split: str) -> Tuple[str, List[Path], Optional[List[Path]]]:
    """(layout, files of A or of side-by-side pairs, files of B or None) of ``root`` for ``split``."""
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist; pass --data pointing at {LAYOUT_HELP}")
    if (root / split).is_dir():
        return "side-by-side", _images_in(root / split), None
    if (root / f"{split}A").is_dir() or (root / f"{split}B").is_dir():
        for side in "AB":
            if not (root / f"{split}{side}").is_dir():
                raise DataError(f"{root} has {split}{'B' if side == 'A' else 'A'}/ but no {split}{side}/; add it "
                                "(each domain needs its folder)")
        return "trainA/trainB", _images_in(root / f"{split}A"), _images_in(root / f"{split}B")
    if split == "train" and (root / "A").is_dir() and (root / "B").is_dir():
        return "A/B", _images_in(root / "A"), _images_in(root / "B")
    if visible_images(root.iterdir()) and split == "train":
        return "side-by-side", _images_in(root), None
    raise DataError(f"{root} has no {split} data: expected {split}/, {split}A/ + {split}B/"
                    f"{' or A/ + B/' if split == 'train' else ''}; point --data at {LAYOUT_HELP}")


def pair_by_name(files_a: List[Path], files_b: List[Path]) -> Tuple[List[Path], List[Path]]:
    """The files of two folders matched by file name (the suffix may differ); a file without a partner is an error."""
    by_stem: Dict[str, Path] = {p.stem: p for p in files_b}
    own = {p.stem for p in files_a}
    for p in files_a:
        if p.stem not in by_stem:
            raise DataError(f"{p} has no partner named {p.stem}.* in {files_b[0].parent} (pairs are matched by file "
                            "name); add or rename it, remove it, or train cyclegan, which needs no pairs")
    for p in files_b:
        if p.stem not in own:
            raise DataError(f"{p} has no partner named {p.stem}.* in {files_a[0].parent} (pairs are matched by file "
                            "name); add or rename it, remove it, or train cyclegan, which needs no pairs")
    return files_a, [by_stem[p.stem] for p in files_a]


def split_halves(img: Image.Image, path: Path) -> Tuple[Image.Image, Image.Image]:
    """A side-by-side image cut into A (left) and B (right); it must be twice as wide as high."""
    w, h = img.size
    if w != 2 * h:
        raise DataError(f"{path} is {w}x{h} pixels, but a paired image holds A and B side by side, so it must be "
                        f"twice as wide as high (like {2 * h}x{h}); fix or remove it, or use A/ and B/ folders of "
                        "separate images")
    return img.crop((0, 0, h, h)), img.crop((h, 0, w, h))


def resize_square(img: Image.Image, size: int) -> Image.Image:
    """Resize (not crop) to ``size`` x ``size``: the whole picture is translated."""
    if img.size == (size, size):
        return img
    down = max(img.size) > size
    return img.resize((size, size), Image.Resampling.LANCZOS if down else Image.Resampling.BICUBIC)


def to_tensor(images: List[Image.Image], size: int, channels: int) -> torch.Tensor:
    """PIL images -> uint8 ``[N, channels, size, size]`` (0 channels: 3 if any image has colour, else 1)."""
    if channels == 0:
        channels = 3 if any(is_colour(img) for img in images) else 1
    out = np.empty((len(images), channels, size, size), dtype=np.uint8)
    for i, img in enumerate(images):
        arr = np.asarray(resize_square(to_mode(img, channels), size), dtype=np.uint8)
        out[i] = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return torch.from_numpy(out)


def _read_all(files: List[Path], what: str) -> List[Image.Image]:
    return [read_image(p) for p in tqdm(files, desc=f"loading {what}", unit="img", leave=False, disable=None)]


def load_translation_data(root: str | Path, split: str, size: int, channels_a: int, channels_b: int,
                          paired: bool, limit: int = 0) -> TranslationData:
    """The images of ``root`` for ``split``; ``paired`` (pix2pix) requires pairs, else the domains are independent."""
    root = Path(root)
    layout, files_a, files_b = find_files(root, split)
    if files_b is None:
        files_a = files_a[:limit] if limit else files_a
        halves = [split_halves(img, p) for img, p in zip(_read_all(files_a, root.name), files_a)]
        images_a, images_b = [h[0] for h in halves], [h[1] for h in halves]
    else:
        if paired:
            files_a, files_b = pair_by_name(files_a, files_b)
        if limit:
            files_a, files_b = files_a[:limit], files_b[:limit]
        images_a, images_b = _read_all(files_a, f"{root.name} A"), _read_all(files_b, f"{root.name} B")
    return TranslationData(to_tensor(images_a, size, channels_a), to_tensor(images_b, size, channels_b),
                           paired=paired, layout=layout, root=root)

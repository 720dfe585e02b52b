"""What ``ganforge eval`` reads: images from a run (sampled on the fly), a folder, an .npz or a named split.

Images are kept at their native size and channel count (uint8 ``[N, C, H, W]``), so that a
mismatch with the reference is reported instead of silently resized away. :class:`ImageExtractor`
is the base of the image family's feature extractors: it accepts such images (any array layout
that :func:`as_uint8_images` reads) and refuses a size or channel count unlike the reference's;
a size (never a channel count) is resized when asked (``--resize FILTER``, :mod:`.resize`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np
import torch
from tqdm import tqdm

from ganforge.errors import DataError, GanforgeError
from ganforge.image.metrics.resize import check_filter, describe_resize, resize_images
from ganforge.metrics.features import FeatureExtractor

ImagesLike = Union[str, Path, np.ndarray, torch.Tensor]


def is_run(path: Path) -> bool:
    """Whether ``path`` is a run folder (read through the run-folder layer, as everything else reads runs)."""
    from ganforge.engine.run_folder import RunFolder

    return RunFolder(path).is_run()


def as_uint8_images(array: Union[np.ndarray, torch.Tensor], what: str) -> torch.Tensor:
    """[N, H, W], [N, H, W, C] (C = 1 or 3) or [N, C, H, W] uint8 -> uint8 [N, C, H, W]."""
    t = torch.as_tensor(np.asarray(array) if not torch.is_tensor(array) else array)
    if t.dtype != torch.uint8:
        raise DataError(f"{what} holds {t.dtype} values; images must be uint8 0-255 (as `ganforge sample` writes)")
    if t.dim() == 3:
        t = t[:, None]
    elif t.dim() == 4 and t.shape[-1] in (1, 3) and t.shape[1] not in (1, 3):
        t = t.permute(0, 3, 1, 2)
    if t.dim() != 4 or t.shape[1] not in (1, 3):
        raise DataError(f"{what} has shape {tuple(t.shape)}; expected images [N, H, W] or [N, H, W, C] with C 1 or 3")
    if len(t) == 0:
        raise DataError(f"{what} holds no images; pass a non-empty set")
    return t.contiguous()


def check_same_shape(images: torch.Tensor, ref_shape: tuple, source: str, ref: str,
                     resize: Optional[str] = None) -> None:
    """Refuse images unlike the reference; a size alone is fine when ``resize`` names a filter."""
    c, h, w = images.shape[1:]
    rc, rh, rw = ref_shape
    if c == rc and (resize or (h, w) == (rh, rw)):
        return
    what = f"{source} holds {w}x{h} images with {c} channel(s) but reference {ref} holds {rw}x{rh} with {rc}"
    if c != rc:
        raise DataError(f"{what}; evaluate images of the reference's channel count (--resize changes only the size)")
    raise DataError(f"{what}; pass --resize bicubic to resize them (the reference takes the same round trip), "
                    "or evaluate images of the reference's size")


class ImageExtractor(FeatureExtractor):
    """A feature extractor of uint8 images ``[N, C, H, W]``."""

    modality = "image"
    input_kind = "uint8 images [N, C, H, W]"

    def accept(self, samples, what: str) -> torch.Tensor:
        return samples if torch.is_tensor(samples) and samples.dtype == torch.uint8 and samples.dim() == 4 \
            else as_uint8_images(samples, what)

    def check_compatible(self, samples: torch.Tensor, reference_shape: tuple, source: str, reference: str,
                         resize: Optional[str] = None) -> None:
        check_same_shape(samples, reference_shape, source, reference, resize)

    def check_resize(self, method: str) -> None:
        check_filter(method)

    def resize_samples(self, samples: torch.Tensor, shape: tuple, method: str) -> torch.Tensor:
        return resize_images(samples, tuple(shape[-2:]), method)

    def describe_resize(self, sample_shape: tuple, reference_shape: tuple, method: str) -> str:
        return f"{describe_resize(method, sample_shape, reference_shape)}; extractor: {self.resize}"


def load_npz_images(path: Path) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    try:
        with np.load(path, allow_pickle=False) as f:
            if "images" not in f.files:
                raise DataError(f"{path} has no 'images' array (keys: {', '.join(f.files) or 'none'}); write it "
                                "with `ganforge sample RUN --out FILE.npz` or np.savez(FILE, images=uint8 array)")
            images = f["images"]
            labels = torch.as_tensor(f["labels"]) if "labels" in f.files else None
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path} is not a readable .npz file ({type(exc).__name__}); write it again") from None
    return as_uint8_images(images, str(path)), labels


def load_image_folder(root: Path) -> torch.Tensor:
    """Every image of a folder (and its class sub-folders) at native size; all must share size and channels."""
    from ganforge.image.data.folder import _to_mode, list_images, read_image

    files, _, _ = list_images(root)
    arrays, first = [], None
    for path in tqdm(files, desc=f"reading {root.name}", unit="img", leave=False, disable=None):
        img = read_image(path)
        gray = img.mode in ("1", "L", "I", "I;16", "I;16B", "I;16L", "F", "LA")
        arr = np.asarray(_to_mode(img, 1 if gray else 3), dtype=np.uint8)
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        if first is None:
            first = (path, arr.shape)
        elif arr.shape != first[1]:
            raise DataError(f"{path} is {_shape(arr.shape)} but {first[0].name} is {_shape(first[1])}; all images "
                            "of a folder must share size and channels")
        arrays.append(arr)
    return torch.from_numpy(np.stack(arrays))


def _shape(shape) -> str:
    c, h, w = shape
    return f"{w}x{h} with {c} channel(s)"


def load_images(spec: ImagesLike, data_dir: Optional[str] = None, what: str = "source") -> Tuple[torch.Tensor, str]:
    """(uint8 images, a name) from an array, an .npz, a folder of images or a named split like ``mnist:test``."""
    if isinstance(spec, (np.ndarray, torch.Tensor)):
        return as_uint8_images(spec, f"the {what} array"), f"array[{len(spec)}]"
    path = Path(spec)
    if path.suffix.lower() == ".npz" and path.is_file():
        return load_npz_images(path)[0], str(path)
    if path.is_dir():
        return load_image_folder(path), str(path)
    from ganforge.image.data import DATASETS, load_split

    name = str(spec).partition(":")[0]
    if name in DATASETS and not path.exists():
        ds = load_split(str(spec), data_dir)
        return ds.images, ds.name if ":" in str(spec) else str(spec)
    if path.suffix.lower() == ".npz":
        raise DataError(f"{what} file {path} does not exist; check the path")
    raise GanforgeError(f"{what} {spec!r} is neither a run folder, an image folder, an .npz file nor a data set "
                        f"name; data sets: {', '.join(DATASETS.names())} (e.g. mnist:test)")


def sample_run(run: Path, n: int, seed: int, device: str = "cpu") -> Tuple[torch.Tensor, str]:
    """``n`` images from the run's newest checkpoint (EMA weights when present), seeded."""
    from ganforge.image.pipeline import LoadedGenerator

    g = LoadedGenerator.load(run, device=device)
    return g.sample(n, seed=seed), f"{run} (step {g.step})"

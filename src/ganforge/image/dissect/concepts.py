"""Concept segmenters: images in, one boolean mask per concept out (GAN Dissection's segmentation side).

A segmenter is a function ``images -> {concept: masks}`` registered with one decorator; ``images`` are
uint8 ``[N, C, H, W]`` (what a generator's ``LoadedGenerator.generate`` returns) and each mask is a bool
array ``[N, H, W]``. Plug in any segmenter for your own data the same way:

    from ganforge.image.dissect.concepts import register_segmenter

    @register_segmenter("sky", concepts=("sky",), description="bright blue pixels")
    def sky(images):
        r, g, b = images[:, 0].astype(int), images[:, 1].astype(int), images[:, 2].astype(int)
        return {"sky": (b > 150) & (b > r + 20) & (b > g)}

``ganforge dissect RUN --plugin my_segmenters.py --segmenter sky`` then dissects with it.

The digit segmenter shipped here (``digit-strokes``) finds, by morphology on the thresholded image
(ink = pixel > 127): *loops* (background enclosed by ink — the holes of 0, 6, 8, 9 — grown by a
pixel into the ring around them), *stroke ends* and *junctions* (skeleton pixels whose 8 neighbours
cross from background to ink once, or three or more times), grown to a small disc, and *horizontal*
and *vertical bars* (ink that survives an opening by a line a quarter of the image long).
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

from ganforge.errors import GanforgeError
from ganforge.registry import Registry

SegmentFn = Callable[[np.ndarray], Dict[str, np.ndarray]]
SEGMENTERS = Registry("concept segmenter")
DEFAULT_GRAY = "digit-strokes"


@dataclass(frozen=True)
class Segmenter:
    name: str
    concepts: Tuple[str, ...]
    fn: SegmentFn
    description: str = ""
    channels: Tuple[int, ...] = (1, 3)

    def __call__(self, images: np.ndarray, concepts: Optional[Sequence[str]] = None) -> np.ndarray:
        """Masks of ``concepts`` (default: all) as bool ``[N, K, H, W]``; checks what the function returned."""
        images = np.asarray(images)
        if images.ndim != 4 or images.dtype != np.uint8:
            raise ValueError(f"a segmenter takes uint8 images [N, C, H, W], got {images.dtype} {images.shape}")
        wanted = tuple(concepts or self.concepts)
        out = self.fn(images)
        n, _, h, w = images.shape
        masks = []
        for c in wanted:
            if c not in out:
                raise GanforgeError(f"segmenter {self.name!r} returned no mask for concept {c!r}; it must return "
                                    f"one per concept it declares ({', '.join(self.concepts)})")
            m = np.asarray(out[c])
            if m.shape != (n, h, w):
                raise GanforgeError(f"segmenter {self.name!r} returned a {m.shape} mask for {c!r}; "
                                    f"it must be [N, H, W] = {(n, h, w)}")
            masks.append(m.astype(bool))
        return np.stack(masks, 1) if masks else np.zeros((n, 0, h, w), bool)


def register_segmenter(name: str, concepts: Sequence[str], description: str = "",
                       channels: Sequence[int] = (1, 3)) -> Callable[[SegmentFn], SegmentFn]:
    """Decorator: register ``fn(images) -> {concept: bool [N, H, W]}`` as the segmenter ``name``."""
    if not concepts or len(set(concepts)) != len(concepts):
        raise ValueError(f"segmenter {name!r} must declare distinct concept names, got {list(concepts)}")

    def decorate(fn: SegmentFn) -> SegmentFn:
        SEGMENTERS.register(name)(Segmenter(name, tuple(concepts), fn, description, tuple(channels)))
        return fn

    return decorate


def get_segmenter(name: Optional[str], channels: int) -> Segmenter:
    """The segmenter ``name`` (default: the digit one for grayscale images), checked against the image channels."""
    if name is None:
        if channels != 1:
            raise GanforgeError("there is no default concept segmenter for colour images: register one with "
                                "@register_segmenter, load it with --plugin FILE.py and pass --segmenter NAME")
        name = DEFAULT_GRAY
    if not name.strip():
        raise GanforgeError("the segmenter name is empty; pass --segmenter NAME (see `ganforge dissect --help`)")
    seg = SEGMENTERS.get(name)
    if channels not in seg.channels:
        raise GanforgeError(f"segmenter {name!r} reads {' or '.join(map(str, seg.channels))}-channel images and this "
                            f"model makes {channels}-channel ones; pick another with --segmenter")
    return seg


def pick_concepts(seg: Segmenter, names: Optional[Sequence[str]]) -> List[str]:
    """``names`` checked against the segmenter's concepts (default: all of them)."""
    if not names:
        return list(seg.concepts)
    out = []
    for name in names:
        if not name or not name.strip():
            raise GanforgeError(f"an empty concept name; choose from {', '.join(seg.concepts)}")
        if name not in seg.concepts:
            close = difflib.get_close_matches(name, seg.concepts, n=2, cutoff=0.5)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
            raise GanforgeError(f"unknown concept {name!r} for segmenter {seg.name!r}: {hint}choose from "
                                f"{', '.join(seg.concepts)}")
        if name not in out:
            out.append(name)
    return out


def load_plugin(spec: str) -> None:
    """Import a module (``pkg.mod``) or a ``.py`` file that registers segmenters."""
    try:
        if spec.endswith(".py"):
            path = Path(spec)
            if not path.is_file():
                raise GanforgeError(f"no plugin file {spec}; give a .py file or an importable module name")
            module_spec = importlib.util.spec_from_file_location(f"ganforge_plugin_{path.stem}", path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            importlib.import_module(spec)
    except ImportError as exc:
        raise GanforgeError(f"cannot import plugin {spec!r} ({exc}); give a .py file or an importable module") \
            from None


# ---------------------------------------------------------------------- the digit concepts
def ink_of(images: np.ndarray) -> np.ndarray:
    """bool ``[N, H, W]``: pixels brighter than mid-grey (the mean over colour channels)."""
    gray = images.mean(1) if images.shape[1] > 1 else images[:, 0]
    return gray > 127


def _batched(footprint: np.ndarray) -> np.ndarray:
    """A 2D structuring element that never connects one image of a batch to the next."""
    return footprint[None]


def _batched_label(footprint: np.ndarray) -> np.ndarray:
    """A 2D connectivity as the 3x3x3 structure ``ndimage.label`` wants, with no link between images."""
    out = np.zeros((3, 3, 3), bool)
    out[1] = footprint
    return out


def holes(ink: np.ndarray, min_area: int = 2) -> np.ndarray:
    """Background pixels (4-connected) that no path reaches from the border: the inside of loops."""
    background = ~ink
    cross = ndimage.generate_binary_structure(2, 1)
    labels, count = ndimage.label(background, structure=_batched_label(cross))
    border = np.zeros_like(background)
    border[:, 0, :] = border[:, -1, :] = border[:, :, 0] = border[:, :, -1] = True
    outside = np.zeros(count + 1, bool)
    outside[np.unique(labels[border])] = True
    area = np.bincount(labels.ravel(), minlength=count + 1)
    keep = ~outside & (area >= min_area)
    keep[0] = False
    return keep[labels]


def crossing_numbers(skeleton: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """For each pixel: (skeleton neighbours of 8, crossings from background to skeleton around it)."""
    p = np.pad(skeleton, ((0, 0), (1, 1), (1, 1))).astype(np.int8)
    h, w = skeleton.shape[1:]
    ring = [(0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0)]   # clockwise from north
    around = [p[:, dy:dy + h, dx:dx + w] for dy, dx in ring]
    neighbours = sum(around)
    crossings = sum(np.abs(around[i] - around[(i + 1) % 8]) for i in range(8)) // 2
    return neighbours, crossings


def skeleton_of(ink: np.ndarray) -> np.ndarray:
    from skimage.morphology import skeletonize

    return np.stack([skeletonize(m) for m in ink]) if len(ink) else ink.copy()


def _disc(radius: int) -> np.ndarray:
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    return xx ** 2 + yy ** 2 <= radius ** 2 + radius


@register_segmenter("digit-strokes", concepts=("loop", "stroke_end", "junction", "horizontal_bar", "vertical_bar"),
                    description="strokes of handwritten digits by morphology: loops (holes), stroke ends, "
                                "junctions, horizontal and vertical bars", channels=(1,))
def digit_strokes(images: np.ndarray) -> Dict[str, np.ndarray]:
    ink = ink_of(images)
    size = ink.shape[1]
    grow = _batched(_disc(max(1, round(size / 14))))   # 2 px at 28 px
    bar = max(3, round(size / 4))                      # 7 px at 28 px
    hole = holes(ink, min_area=max(2, round((size / 28) ** 2 * 2)))
    loop = ndimage.binary_dilation(hole, structure=_batched(np.ones((3, 3), bool))) & (hole | ink)
    skeleton = skeleton_of(ink)
    neighbours, crossings = crossing_numbers(skeleton)
    ends = skeleton & (crossings == 1) & (neighbours <= 2)
    junctions = skeleton & (crossings >= 3)
    return {
        "loop": loop,
        "stroke_end": ndimage.binary_dilation(ends, structure=grow),
        "junction": ndimage.binary_dilation(junctions, structure=grow),
        "horizontal_bar": ndimage.binary_opening(ink, structure=_batched(np.ones((1, bar), bool))),
        "vertical_bar": ndimage.binary_opening(ink, structure=_batched(np.ones((bar, 1), bool))),
    }


@register_segmenter("intensity", concepts=("bright", "dark", "edge"),
                    description="any images: the brightest and darkest tenth of each image's pixels, "
                                "and strong edges (Sobel)")
def intensity(images: np.ndarray) -> Dict[str, np.ndarray]:
    gray = images.astype(np.float32).mean(1)
    n = len(gray)
    flat = gray.reshape(n, -1)
    hi = np.quantile(flat, 0.9, axis=1)[:, None, None]
    lo = np.quantile(flat, 0.1, axis=1)[:, None, None]
    edges = np.hypot(ndimage.sobel(gray, axis=1), ndimage.sobel(gray, axis=2))
    edge_cut = np.quantile(edges.reshape(n, -1), 0.9, axis=1)[:, None, None]
    return {"bright": (gray >= hi) & (gray > lo), "dark": (gray <= lo) & (gray < hi),
            "edge": (edges >= edge_cut) & (edges > 0)}

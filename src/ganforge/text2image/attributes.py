"""The measured attributes of a digit in a canvas: stroke thickness, slant, size, and the layout of two digits.

The same functions caption the data set (``data/builder.py``) and score generated images
(``metrics/scores.py``), so "bold" means the same thing on both sides. Images are uint8 (0 = background).

- **regions**: a single-digit canvas is one region; a two-digit canvas is split in halves, left|right
  (horizontal layout) or top|bottom (vertical);
- **normalised digit**: the region's ink bounding box (pixels > ``FAINT``) scaled so its longer side is
  20 px and pasted into 28x28 with its centre of mass at the centre: the MNIST procedure, so the MNIST
  classifier reads it, and the thickness and slant do not depend on how large the digit was drawn;
- **thickness**: on the normalised digit, ink area over skeleton length (pixels > ``INK``; scikit-image
  ``skeletonize``): the mean stroke width in pixels;
- **slant**: on the normalised digit, ``-mu11 / mu02`` of the intensity moments (x right, y down): the
  horizontal shift per pixel of height, > 0 leaning right, < 0 leaning left;
- **size**: the longer side of the region's ink bounding box over the canvas height;
- **layout**: ``horizontal`` when the vertical centre line (6 px wide) holds less ink than the horizontal one
  (two digits in left|right halves leave a gap between them), ``vertical`` when it holds more; ties go to
  the axis along which the ink spreads more.
"""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np
from PIL import Image

FAINT, INK = 32, 128
NORM_SIDE, NORM_BOX = 28, 20


def regions(canvas: np.ndarray, layout: str) -> Dict[str, np.ndarray]:
    """Position name -> the part of a ``[H, W]`` canvas that holds the digit at that position."""
    h, w = canvas.shape
    if layout == "single":
        return {"centre": canvas}
    if layout == "horizontal":
        return {"left": canvas[:, :w // 2], "right": canvas[:, w // 2:]}
    return {"top": canvas[:h // 2], "bottom": canvas[h // 2:]}


def bbox(region: np.ndarray):
    """(top, bottom, left, right) of pixels above FAINT (exclusive ends), or None for an empty region."""
    ys, xs = np.nonzero(region > FAINT)
    if len(ys) == 0:
        return None
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def normalise(region: np.ndarray) -> np.ndarray:
    """uint8 ``[28, 28]``: the region's digit as MNIST draws one (longer side 20 px, mass centred)."""
    out = np.zeros((NORM_SIDE, NORM_SIDE), np.uint8)
    box = bbox(region)
    if box is None:
        return out
    t, b, l, r = box
    crop = region[t:b, l:r]
    scale = NORM_BOX / max(crop.shape)
    h, w = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
    small = np.asarray(Image.fromarray(crop).resize((w, h), Image.BILINEAR), dtype=np.float64)
    mass = small.sum()
    if mass <= 0:
        return out
    cy = (small.sum(1) * np.arange(h)).sum() / mass
    cx = (small.sum(0) * np.arange(w)).sum() / mass
    top = int(np.clip(round(NORM_SIDE / 2 - 0.5 - cy), 0, NORM_SIDE - h))
    left = int(np.clip(round(NORM_SIDE / 2 - 0.5 - cx), 0, NORM_SIDE - w))
    out[top:top + h, left:left + w] = np.round(small).astype(np.uint8)
    return out


def thickness(digit: np.ndarray) -> float:
    """Mean stroke width (px) of a normalised digit: ink area / skeleton length."""
    from skimage.morphology import skeletonize

    ink = digit > INK
    area = int(ink.sum())
    if area == 0:
        return 0.0
    return area / max(1, int(skeletonize(ink).sum()))


def slant(digit: np.ndarray) -> float:
    """Shear of a normalised digit from its second moments: > 0 leans right, < 0 leans left."""
    x = digit.astype(np.float64)
    mass = x.sum()
    if mass <= 0:
        return 0.0
    ys, xs = np.mgrid[:x.shape[0], :x.shape[1]]
    my, mx = (x * ys).sum() / mass, (x * xs).sum() / mass
    mu11 = (x * (xs - mx) * (ys - my)).sum() / mass
    mu02 = (x * (ys - my) ** 2).sum() / mass
    return float(-mu11 / max(mu02, 1e-9))


def size(region: np.ndarray, canvas_height: int) -> float:
    """The longer side of the region's ink bounding box over the canvas height (0 for an empty region)."""
    box = bbox(region)
    return 0.0 if box is None else max(box[1] - box[0], box[3] - box[2]) / canvas_height


def layout(canvas: np.ndarray, band: int = 3) -> str:
    """``horizontal`` or ``vertical``: the digits sit in halves, so the centre line between them carries little ink;
    the layout is the one whose dividing line (within ``band`` px) holds less ink, ties broken by the spread of
    the ink (more along x: horizontal)."""
    x = canvas.astype(np.float64)
    h, w = x.shape
    across_x = x[:, max(0, w // 2 - band):w // 2 + band].sum()     # ink on the line between left and right halves
    across_y = x[max(0, h // 2 - band):h // 2 + band].sum()
    if across_x != across_y:
        return "horizontal" if across_x < across_y else "vertical"
    mass = x.sum()
    if mass <= 0:
        return "horizontal"
    ys, xs = np.mgrid[:h, :w]
    sx = (x * (xs - (x * xs).sum() / mass) ** 2).sum()
    sy = (x * (ys - (x * ys).sum() / mass) ** 2).sum()
    return "horizontal" if sx >= sy else "vertical"


def measure(canvas: np.ndarray, layout_name: str, positions: Sequence[str]) -> Dict[str, List[float]]:
    """Thickness, slant and size of the digit at each of ``positions`` (in that order) of a canvas, and the
    normalised digits (``digits``: uint8 ``[k, 28, 28]``) for the classifier."""
    parts = regions(canvas, layout_name)
    digits = [normalise(parts[p]) for p in positions]
    return {"thickness": [thickness(d) for d in digits], "slant": [slant(d) for d in digits],
            "size": [size(parts[p], canvas.shape[0]) for p in positions], "digits": np.stack(digits)}

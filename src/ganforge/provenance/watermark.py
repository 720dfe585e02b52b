"""The invisible watermark: a 32-bit id in the DWT-DCT domain (``invisible-watermark``'s ``dwtDct``).

    marked, info = embed(array, key_id)     # uint8 [H, W] or [H, W, 3] (RGB); info says embedded or why not
    found = decode(array, key_id)           # {"bits_matching": 31, "found": True, "decoded": "1a2b3c4d", ...}

Colour images carry it in the U (chroma) channel, as the library does; grayscale images in Y
(luma), so they stay grayscale. The library needs at least 256 x 256 pixels (a smaller image is
left unmarked and the record says so). A decoded id is *found* when at least ``MATCH_BITS`` of its
32 bits equal the expected id: a random image matches that well with probability about 1e-5.
DWT-DCT does not survive resizing, rotation or cropping off the 4-pixel block grid (measured in
docs/provenance.md by benchmarks/provenance.py).
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

BITS = 32
MATCH_BITS = 28
MIN_PIXELS = 256 * 256
SCALE = 36
METHOD = "dwtDct"
GRAY_TOLERANCE = 3


def _scales(gray: bool):
    return [SCALE, 0, 0] if gray else [0, SCALE, 0]


def _bits(key_id: int) -> list:
    return [int(b) for b in format(key_id & 0xFFFFFFFF, "032b")]


def is_gray(array: np.ndarray) -> bool:
    """One channel, or three that differ by at most ``GRAY_TOLERANCE`` anywhere (a JPEG of a gray image)."""
    if array.ndim == 2 or array.shape[-1] == 1:
        return True
    rgb = array[..., :3].astype(np.int16)
    return int(np.abs(rgb - rgb[..., :1]).max()) <= GRAY_TOLERANCE


def _bgr(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2 or array.shape[-1] == 1:
        return np.repeat(array.reshape(array.shape[0], array.shape[1], 1), 3, axis=2)
    return np.ascontiguousarray(array[..., :3][..., ::-1])


def too_small(array: np.ndarray) -> str:
    h, w = array.shape[:2]
    return f"image {w}x{h} is smaller than 256x256 pixels" if h * w < MIN_PIXELS else ""


def embed(array: np.ndarray, key_id: int) -> Tuple[np.ndarray, Dict[str, Any]]:
    """The image with ``key_id`` embedded (same shape and dtype) and the record's watermark entry."""
    from imwatermark import WatermarkEncoder

    info: Dict[str, Any] = {"method": METHOD, "id": f"{key_id & 0xFFFFFFFF:08x}", "bits": BITS}
    reason = too_small(array)
    if reason:
        return array, {**info, "embedded": False, "reason": reason}
    gray = is_gray(array)
    enc = WatermarkEncoder()
    enc.set_watermark("bits", _bits(key_id))
    out = enc.encode(_bgr(array), METHOD, scales=_scales(gray))
    if array.ndim == 2:
        marked = out[..., 0]
    elif array.shape[-1] == 1:
        marked = out[..., :1]
    else:
        marked = np.concatenate([out[..., ::-1], array[..., 3:]], axis=-1)
    return np.ascontiguousarray(marked.astype(np.uint8)), {**info, "embedded": True,
                                                          "channel": "Y" if gray else "U"}


def decode_bits(array: np.ndarray) -> np.ndarray:
    """The 32 decoded bits of an image (as 0/1)."""
    from imwatermark import WatermarkDecoder

    dec = WatermarkDecoder("bits", BITS)
    return np.asarray(dec.decode(_bgr(array), METHOD, scales=_scales(is_gray(array))), dtype=np.uint8)


def decode(array: np.ndarray, key_id: int) -> Dict[str, Any]:
    """Whether the watermark of ``key_id`` is in the image: bits matching, the decoded id, found or not."""
    reason = too_small(array)
    if reason:
        return {"checked": False, "reason": reason}
    bits = decode_bits(array)
    matching = int((bits == np.array(_bits(key_id), dtype=np.uint8)).sum())
    decoded = int("".join(str(int(b)) for b in bits), 2)
    return {"checked": True, "expected": f"{key_id & 0xFFFFFFFF:08x}", "decoded": f"{decoded:08x}",
            "bits_matching": matching, "bit_accuracy": matching / BITS, "found": matching >= MATCH_BITS}

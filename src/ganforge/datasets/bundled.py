"""Images that ship inside installed packages, by name: ``skimage:astronaut``, ``sklearn:china``, ...

scikit-image (``skimage.data``) and scikit-learn (``load_sample_images``) bundle a few photos and
textures in their wheels, so they work offline. :func:`bundled_image` returns one as uint8
``[H, W, 3]`` (grayscale images repeated over the three channels); :data:`PHOTOS` are the colour
photos (the backgrounds of the MNIST-M builder) and :data:`TEXTURES` the grayscale textures (style
images). Only images that the wheels hold are listed (some ``skimage.data`` images are downloaded
on first use; those are not offered).
"""
from __future__ import annotations

import difflib
from typing import Callable, Dict, Tuple

import numpy as np

from ganforge.errors import DataError

SKIMAGE = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "colorwheel",
           "camera", "brick", "grass", "gravel", "coins", "moon", "page", "text", "clock", "cell")
SKLEARN = ("china", "flower")
PHOTOS = ("skimage:astronaut", "skimage:coffee", "skimage:chelsea", "skimage:rocket", "skimage:hubble_deep_field",
          "skimage:immunohistochemistry", "sklearn:china", "sklearn:flower")
TEXTURES = ("skimage:brick", "skimage:grass", "skimage:gravel")


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()
    return load


def _sklearn(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    return load


LOADERS: Dict[str, Callable[[], np.ndarray]] = {**{f"skimage:{n}": _skimage(n) for n in SKIMAGE},
                                                **{f"sklearn:{n}": _sklearn(n) for n in SKLEARN}}


def bundled_names() -> Tuple[str, ...]:
    return tuple(LOADERS)


def is_bundled_name(text: str) -> bool:
    """Whether ``text`` is meant as a bundled image name (``skimage:...`` or ``sklearn:...``)."""
    return text.split(":", 1)[0] in ("skimage", "sklearn") and ":" in text


def bundled_image(name: str) -> np.ndarray:
    """The bundled image ``name`` as uint8 ``[H, W, 3]``; an unknown name is a one-line error with suggestions."""
    if name not in LOADERS:
        close = difflib.get_close_matches(name, LOADERS, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise DataError(f"no bundled image {name!r}; {hint}choose from {', '.join(LOADERS)}")
    try:
        image = np.asarray(LOADERS[name]())
    except (ImportError, OSError, ValueError) as exc:
        raise DataError(f"bundled image {name} could not be read ({exc}); reinstall scikit-image and "
                        "scikit-learn") from None
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3].astype(np.uint8))

"""Image-to-image data sets built offline from MNIST and bundled images: deterministic and checksummed.

    ganforge data build edges2digits --out data/edges2digits [--n 2000] [--size 32] [--seed 0]

Paired sets (pix2pix layout: ``OUT/train/``, ``OUT/test/`` of side-by-side ``A|B`` PNGs):

- ``edges2digits``: A = Canny edges (``skimage.feature.canny``, sigma 1) of the digit B;
- ``skeleton2digits``: A = the one-pixel skeleton (``skimage.morphology.skeletonize`` of the
  digit above 127) of the digit B.

Unpaired sets (``OUT/trainA/``, ``trainB/``, ``testA/``, ``testB/``):

- ``mnist2sklearn``: A = MNIST digits, B = scikit-learn's ``load_digits`` (1,797 8x8 digits of
  other writers, values 0-16): scaled to 0-255, upsampled bicubically to the size of MNIST's digit
  box (20/28 of the image side) and centred on a black image; split seeded into 1,297 train and
  500 test digits (a split asked for more gets all its digits);
- ``mnist2mnistm``: A = MNIST digits, B = MNIST-M style digits (Ganin et al. 2016): other MNIST
  digits blended over random crops of bundled colour photos as ``|photo - digit|`` per channel.

Train splits come from MNIST's training set, test splits from its test set; each split is a seeded
random choice of ``--n`` digits (A and B of an unpaired set are disjoint). MNIST digits are resized
bicubically when ``--size`` is not 28. Grayscale sets are 8-bit grayscale PNGs, MNIST-M is RGB.
Each split folder holds ``labels.json`` (file name -> digit class); ``OUT/dataset.json`` records
the options, counts and the sha256 of every source, and ``OUT/SHA256SUMS`` (``sha256sum -c``
format) every file, checked after the build and by :func:`verify`. The same command gives the same
bytes. MNIST is found as the image family finds it (:mod:`ganforge.datasets.idx_files`).
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
from PIL import Image
from tqdm import tqdm

from ganforge.config import from_dict, option
from ganforge.datasets.built import check_target, publish, read_info, verify  # noqa: F401  (verify: the API)
from ganforge.datasets.bundled import PHOTOS, bundled_image
from ganforge.datasets.idx_files import MNIST, find_file, read_idx_split, search_folders
from ganforge.errors import DataError
from ganforge.files import file_digest
from ganforge.registry import Registry
from ganforge.version import __version__

FORMAT = "ganforge-translation-data/1"
BUILDERS = Registry("translation data set")
SKLEARN_TEST = 500        # load_digits' 1,797 digits: 1,297 train, 500 test
MNIST_BOX = 20 / 28       # the side of MNIST's digit box over the image side

Item = Tuple[np.ndarray, int]          # (uint8 image [H, W] or [H, W, 3], digit class)


@dataclass(frozen=True)
class BuildOptions:
    n: int = option(2000, min=1, max=30000, help="images per split (at most what the source split holds)")
    size: int = option(32, min=8, max=256, help="image side in pixels")
    seed: int = option(0, min=0, help="seed of the digit choice and the photo crops")
    data_dir: Optional[str] = None


@dataclass
class Part:
    """One output folder: how many images and a generator of them."""

    folder: str
    count: int
    items: Callable[[], Iterator[Item]]


@dataclass
class Builder:
    name: str
    kind: str               # "paired" or "unpaired"
    domains: Tuple[str, str]
    description: str
    parts: Callable[["BuildOptions", Dict[str, str]], List[Part]]   # (options, sources to fill) -> parts


def register_builder(name: str, kind: str, domains: Tuple[str, str], description: str):
    def decorate(parts):
        BUILDERS.register(name)(Builder(name, kind, domains, description, parts))
        return parts
    return decorate


# ---- sources -------------------------------------------------------------------------------------------------

def mnist_split(split: str, data_dir: Optional[str], sources: Dict[str, str]) -> Tuple[np.ndarray, np.ndarray]:
    """MNIST ``train`` or ``test`` as uint8 [N, 28, 28] and int labels; its files' sha256 go into ``sources``."""
    folders = search_folders(MNIST, data_dir)
    paths = [find_file(folders, MNIST.files[f"{split}-{kind}"][0]) for kind in ("images", "labels")]
    if None in paths:
        looked = ", ".join(str(f) for f in folders[:2])
        raise DataError(f"MNIST not found (looked in {looked}); set GANFORGE_DATA to the folder holding "
                        "mnist/*-idx?-ubyte.gz (or pass --data-dir DIR)")
    for path in paths:
        sources[f"mnist/{path.name}"] = file_digest(path, "sha256")
    return _read_mnist(split, data_dir, *(str(p.resolve()) for p in paths))


@functools.lru_cache(maxsize=2)
def _read_mnist(split: str, data_dir: Optional[str], *paths: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read once per process (keyed by the files found); the arrays are never written to."""
    images, labels = read_idx_split(MNIST, split, data_dir)
    images, labels = images.numpy(), labels.numpy().astype(np.int64)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def choose(total: int, count: int, rng: np.random.Generator, what: str, per: int = 1) -> np.ndarray:
    """``count`` distinct indices below ``total`` (seeded, sorted); ``per`` images of the source per ``--n``."""
    if count > total:
        raise DataError(f"--n asks for {count} images of {what}, which holds {total}; pass --n {total // per} or less")
    return np.sort(rng.permutation(total)[:count])


def resize(image: np.ndarray, size: int) -> np.ndarray:
    """uint8 [H, W] (or [H, W, 3]) -> [size, size], bicubic (unchanged when already that size)."""
    if image.shape[0] == size and image.shape[1] == size:
        return image
    return np.asarray(Image.fromarray(image).resize((size, size), Image.BICUBIC))


def split_rng(opts: BuildOptions, split: str) -> np.random.Generator:
    return np.random.default_rng([opts.seed, int.from_bytes(hashlib.sha256(split.encode()).digest()[:4], "big")])


def mnist_items(images: np.ndarray, labels: np.ndarray, index: np.ndarray, size: int,
                make: Callable[[np.ndarray, int], np.ndarray] = lambda d, i: d) -> Callable[[], Iterator[Item]]:
    def items() -> Iterator[Item]:
        for k, i in enumerate(index):
            yield make(resize(images[i], size), k), int(labels[i])
    return items


# ---- paired --------------------------------------------------------------------------------------------------

def paired_parts(opts: BuildOptions, sources: Dict[str, str], to_a: Callable[[np.ndarray], np.ndarray]) -> List[Part]:
    parts = []
    for split in ("train", "test"):
        images, labels = mnist_split(split, opts.data_dir, sources)
        index = choose(len(images), opts.n, split_rng(opts, split), f"MNIST {split}")
        pair = lambda digit, k: np.concatenate([to_a(digit), digit], axis=1)   # noqa: E731  A | B
        parts.append(Part(split, len(index), mnist_items(images, labels, index, opts.size, pair)))
    return parts


def canny_edges(digit: np.ndarray) -> np.ndarray:
    from skimage.feature import canny

    return canny(digit.astype(np.float64) / 255.0, sigma=1.0).astype(np.uint8) * 255


def skeleton(digit: np.ndarray) -> np.ndarray:
    from skimage.morphology import skeletonize

    return skeletonize(digit > 127).astype(np.uint8) * 255


@register_builder("edges2digits", "paired", ("edges", "digits"), "Canny edges of MNIST digits -> the digits")
def edges2digits(opts: BuildOptions, sources: Dict[str, str]) -> List[Part]:
    return paired_parts(opts, sources, canny_edges)


@register_builder("skeleton2digits", "paired", ("skeletons", "digits"), "skeletons of MNIST digits -> the digits")
def skeleton2digits(opts: BuildOptions, sources: Dict[str, str]) -> List[Part]:
    return paired_parts(opts, sources, skeleton)


# ---- unpaired ------------------------------------------------------------------------------------------------

def sklearn_digit(digit8: np.ndarray, size: int) -> np.ndarray:
    """A load_digits 8x8 digit (0-16) -> uint8 [size, size]: bicubic into MNIST's digit box, centred."""
    box = max(8, round(size * MNIST_BOX))
    small = Image.fromarray(np.clip(digit8 * (255.0 / 16.0), 0, 255).round().astype(np.uint8))
    out = np.zeros((size, size), np.uint8)
    top = (size - box) // 2
    out[top:top + box, top:top + box] = np.asarray(small.resize((box, box), Image.BICUBIC))
    return out


@register_builder("mnist2sklearn", "unpaired", ("mnist", "sklearn-digits"),
                  "MNIST <-> scikit-learn's 8x8 load_digits (other writers), upsampled")
def mnist2sklearn(opts: BuildOptions, sources: Dict[str, str]) -> List[Part]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images8, labels8 = digits.images, digits.target.astype(np.int64)
    sources["sklearn/load_digits"] = hashlib.sha256(np.ascontiguousarray(images8, np.float64).tobytes()).hexdigest()
    order = np.random.default_rng(0).permutation(len(images8))    # the fixed train/test split of load_digits
    held = {"train": order[SKLEARN_TEST:], "test": order[:SKLEARN_TEST]}
    parts = []
    for split in ("train", "test"):
        images, labels = mnist_split(split, opts.data_dir, sources)
        rng = split_rng(opts, split)
        parts.append(Part(f"{split}A", opts.n, mnist_items(images, labels, choose(len(images), opts.n, rng,
                                                                                   f"MNIST {split}"), opts.size)))
        pool = held[split]
        index = np.sort(pool[rng.permutation(len(pool))[:opts.n]])

        def items(index=index) -> Iterator[Item]:
            for i in index:
                yield sklearn_digit(images8[i], opts.size), int(labels8[i])
        parts.append(Part(f"{split}B", len(index), items))
    return parts


@register_builder("mnist2mnistm", "unpaired", ("mnist", "mnist-m"),
                  "MNIST <-> MNIST-M: digits blended as |photo - digit| over crops of bundled photos")
def mnist2mnistm(opts: BuildOptions, sources: Dict[str, str]) -> List[Part]:
    photos = [bundled_image(name) for name in PHOTOS]
    for name, photo in zip(PHOTOS, photos):
        sources[name] = hashlib.sha256(photo.tobytes()).hexdigest()
    parts = []
    for split in ("train", "test"):
        images, labels = mnist_split(split, opts.data_dir, sources)
        rng = split_rng(opts, split)
        both = choose(len(images), 2 * opts.n, rng, f"MNIST {split} (A and B take {opts.n} each)", per=2)
        order = rng.permutation(len(both))
        index_a, index_b = np.sort(both[order[:opts.n]]), np.sort(both[order[opts.n:]])
        crops = [(int(rng.integers(len(photos))), float(rng.random()), float(rng.random())) for _ in index_b]

        def blend(digit: np.ndarray, k: int, crops=crops) -> np.ndarray:
            p, fy, fx = crops[k]
            photo = photos[p]
            y, x = int(fy * (photo.shape[0] - opts.size + 1)), int(fx * (photo.shape[1] - opts.size + 1))
            crop = photo[y:y + opts.size, x:x + opts.size].astype(np.int16)
            return np.abs(crop - digit[:, :, None].astype(np.int16)).astype(np.uint8)
        parts.append(Part(f"{split}A", opts.n, mnist_items(images, labels, index_a, opts.size)))
        parts.append(Part(f"{split}B", opts.n, mnist_items(images, labels, index_b, opts.size, blend)))
    return parts


# ---- writing and verifying -----------------------------------------------------------------------------------

def build(name: str, out: str | Path, n: int = 2000, size: int = 32, seed: int = 0,
          data_dir: Optional[str] = None, overwrite: bool = False, progress: bool = True) -> Dict[str, object]:
    """Build data set ``name`` into ``out`` (written aside, then moved into place) and verify it; returns dataset.json."""
    builder: Builder = BUILDERS.get(name)
    opts = from_dict(BuildOptions, {"n": n, "size": size, "seed": seed, "data_dir": data_dir})
    out = Path(out)
    check_target(out, overwrite)
    sources: Dict[str, str] = {}
    parts = builder.parts(opts, sources)

    def fill(tmp: Path) -> Dict[str, object]:
        with tqdm(total=sum(p.count for p in parts), desc=f"build {name}", unit="img",
                  disable=None if progress else True) as bar:
            for part in parts:
                write_part(tmp / part.folder, part, bar)
        return {"format": FORMAT, "name": name, "kind": builder.kind, "domains": dict(zip("AB", builder.domains)),
                "description": builder.description,
                "options": {k: v for k, v in asdict(opts).items() if k != "data_dir"},
                "counts": {p.folder: p.count for p in parts}, "sources": dict(sorted(sources.items())),
                "ganforge_version": __version__}

    return publish(out, fill)


def write_part(folder: Path, part: Part, bar: tqdm) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    labels: Dict[str, int] = {}
    width = max(5, len(str(part.count - 1)))
    for k, (image, label) in enumerate(part.items()):
        filename = f"{k:0{width}d}.png"
        Image.fromarray(image).save(folder / filename, format="PNG")
        labels[filename] = label
        bar.update(1)
    (folder / "labels.json").write_text(json.dumps(labels, indent=0, sort_keys=True) + "\n")


def read_built(root: str | Path, split: str, side: str) -> tuple:
    """Images (uint8 ``[N, C, H, W]``) and labels of one side (``A``/``B``) of a built split (``train``/``test``)."""
    import torch

    root = Path(root)
    paired = read_info(root).get("kind") == "paired"
    folder = root / (split if paired else f"{split}{side}")
    labels_path = folder / "labels.json"
    if side not in ("A", "B") or not labels_path.is_file():
        raise DataError(f"{folder} has no labels.json; the data set is incomplete: rebuild it with `ganforge data build`")
    labels = json.loads(labels_path.read_text())
    images = []
    for filename in sorted(labels):
        image = np.asarray(Image.open(folder / filename))
        if paired:
            half = image.shape[1] // 2
            image = image[:, :half] if side == "A" else image[:, half:]
        images.append(image[:, :, None] if image.ndim == 2 else image)
    array = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return array, torch.tensor([labels[f] for f in sorted(labels)], dtype=torch.int64)

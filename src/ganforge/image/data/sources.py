"""Named image data sets: the embedded MNIST default, MNIST, Fashion-MNIST and image folders.

``load_dataset(cfg, image_size, channels)`` returns an :class:`ImageDataset` fitted to the
model. IDX files are looked up in ``--data-dir`` (or ``$GANFORGE_DATA``, then the download
cache), each folder also tried with the data set's own sub-folder (``DIR/mnist``). With
``--download`` missing files are fetched from the canonical source, or from ``--mirror`` (a URL
or a local folder), and verified against their published checksums.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ganforge.image.config import DataConfig
from ganforge.errors import DataError
from ganforge.registry import Registry
from ganforge.image.data.download import fetch
from ganforge.files import cache_dir
from ganforge.image.data.folder import load_folder
from ganforge.image.data.idx import read_idx
from ganforge.image.data.images import ImageDataset

DATASETS = Registry("data set")


@dataclass(frozen=True)
class IdxFiles:
    """The four IDX files of an MNIST-format data set with their checksums."""

    folder: str
    urls: Tuple[str, ...]
    files: Dict[str, Tuple[str, Optional[str], Optional[str]]]  # key -> (file name, md5, sha256)
    class_names: Tuple[str, ...]


MNIST = IdxFiles(
    folder="mnist",
    urls=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    files={
        "train-images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                         "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        "train-labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                         "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        "test-images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "test-labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
                        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    },
    class_names=tuple(str(i) for i in range(10)),
)

FASHION_MNIST = IdxFiles(
    folder="fashion-mnist",
    urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
          "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    files={
        "train-images": ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", None),
        "train-labels": ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", None),
        "test-images": ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", None),
        "test-labels": ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", None),
    },
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                 "Bag", "Ankle boot"),
)


def search_folders(spec: IdxFiles, data_dir: Optional[str]) -> List[Path]:
    roots = [Path(data_dir)] if data_dir else []
    if not data_dir and os.environ.get("GANFORGE_DATA"):
        roots.append(Path(os.environ["GANFORGE_DATA"]))
    roots.append(cache_dir())
    out: List[Path] = []
    for root in roots:
        out += [root / spec.folder, root]
    return out


def _find(folders: List[Path], name: str) -> Optional[Path]:
    for folder in folders:
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                return candidate
    return None


def idx_paths(spec: IdxFiles, split: str, data_dir: Optional[str] = None, download: bool = False,
              mirror: Optional[str] = None) -> Tuple[Path, Path]:
    """Paths of the (images, labels) files of ``split``, downloading them if asked to."""
    folders = search_folders(spec, data_dir)
    paths = []
    for kind in ("images", "labels"):
        name, md5, sha256 = spec.files[f"{split}-{kind}"]
        path = _find(folders, name)
        if path is None and (download or mirror):
            target = (Path(data_dir) if data_dir else cache_dir() / spec.folder) / name
            sources = [mirror.rstrip("/") + "/" + name if "://" in mirror else str(Path(mirror) / name)] \
                if mirror else [url + name for url in spec.urls]
            error: Optional[DataError] = None
            for source in sources:
                try:
                    path = fetch(source, target, sha256=sha256, md5=md5)
                    break
                except DataError as exc:
                    error = exc
            if path is None and error is not None:
                raise error
        if path is None:
            raise DataError(f"{spec.folder} file {name} not found in {', '.join(map(str, folders[:2]))}; "
                            "pass --data-dir DIR holding the IDX files, or add --download")
        paths.append(path)
    return paths[0], paths[1]


def load_idx_dataset(spec: IdxFiles, split: str, data_dir: Optional[str] = None, download: bool = False,
                     mirror: Optional[str] = None) -> ImageDataset:
    images_path, labels_path = idx_paths(spec, split, data_dir, download, mirror)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dim() != 3 or labels.dim() != 1 or len(images) != len(labels):
        raise DataError(f"{images_path} and {labels_path} do not form an image/label pair "
                        f"(shapes {tuple(images.shape)} and {tuple(labels.shape)}); re-download them")
    return ImageDataset(images.unsqueeze(1), labels, list(spec.class_names), name=f"{spec.folder}:{split}")


@DATASETS.register("embedded")
def embedded(cfg: DataConfig) -> ImageDataset:
    """The MNIST test split (10,000 digits) shipped inside the package: works offline."""
    folder = resources.files("ganforge.image.data") / "embedded"
    with resources.as_file(folder) as path:
        return load_idx_dataset(MNIST, "test", data_dir=str(path))


@DATASETS.register("mnist")
def mnist(cfg: DataConfig) -> ImageDataset:
    return load_idx_dataset(MNIST, cfg.split, cfg.dir, cfg.download, cfg.mirror)


@DATASETS.register("fashion-mnist")
def fashion_mnist(cfg: DataConfig) -> ImageDataset:
    return load_idx_dataset(FASHION_MNIST, cfg.split, cfg.dir, cfg.download, cfg.mirror)


def load_dataset(cfg: DataConfig, image_size: int, channels: int) -> ImageDataset:
    """Load the configured data set as uint8 ``[N, channels, image_size, image_size]``."""
    if cfg.name == "folder":
        if not cfg.dir:
            raise DataError("data set 'folder' needs a folder: pass --data-dir DIR")
        dataset = load_folder(cfg.dir, image_size, channels)
    else:
        dataset = DATASETS.create(cfg.name, cfg)
    return dataset.subset(cfg.limit).fit_to(image_size, channels)


def load_split(spec: str, data_dir: Optional[str] = None) -> ImageDataset:
    """A named split such as ``mnist:test`` or ``fashion-mnist:train`` (no resizing)."""
    name, _, split = spec.partition(":")
    cfg = DataConfig(name=name, dir=data_dir, split=split or "train")
    return DATASETS.create(name, cfg)

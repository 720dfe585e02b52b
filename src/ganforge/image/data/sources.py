"""Named image data sets: the embedded MNIST default, MNIST, Fashion-MNIST and image folders.

``load_dataset(cfg, image_size, channels)`` returns an :class:`ImageDataset` fitted to the
model. IDX files (:mod:`ganforge.datasets.idx_files`) are looked up in ``--data-dir`` (or ``$GANFORGE_DATA``, then the download
cache), each folder also tried with the data set's own sub-folder (``DIR/mnist``). With
``--download`` missing files are fetched from the canonical source, or from ``--mirror`` (a URL
or a local folder), and verified against their published checksums.
"""
from __future__ import annotations

from importlib import resources
from typing import Optional

from ganforge.datasets.idx_files import FASHION_MNIST, MNIST, IdxFiles, read_idx_split
from ganforge.errors import DataError
from ganforge.image.config import DataConfig
from ganforge.image.data.folder import load_folder
from ganforge.image.data.images import ImageDataset
from ganforge.registry import Registry

DATASETS = Registry("data set")


def load_idx_dataset(spec: IdxFiles, split: str, data_dir: Optional[str] = None, download: bool = False,
                     mirror: Optional[str] = None) -> ImageDataset:
    images, labels = read_idx_split(spec, split, data_dir, download, mirror)
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

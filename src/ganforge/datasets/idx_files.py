"""MNIST-format data sets (IDX files) that any family reads: where their files are and reading them.

:class:`IdxFiles` describes the four IDX files of a data set with their checksums (:data:`MNIST`,
:data:`FASHION_MNIST`). :func:`idx_paths` looks the files of a split up in ``data_dir`` (or
``$GANFORGE_DATA``, then the download cache), each folder also tried with the data set's own
sub-folder (``DIR/mnist``), and fetches them when asked (``download``/``mirror``, verified against
the published checksums); :func:`read_idx_split` returns a split's images and labels as tensors.
The image family wraps them in its data set class; the translation data builders read them too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

from ganforge.datasets.download import fetch
from ganforge.datasets.idx import read_idx
from ganforge.errors import DataError
from ganforge.files import cache_dir


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


def find_file(folders: List[Path], name: str) -> Optional[Path]:
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
        path = find_file(folders, name)
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


def read_idx_split(spec: IdxFiles, split: str, data_dir: Optional[str] = None, download: bool = False,
                   mirror: Optional[str] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 ``[N, H, W]``, labels uint8 ``[N]``) of one split, checked to belong together."""
    images_path, labels_path = idx_paths(spec, split, data_dir, download, mirror)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dim() != 3 or labels.dim() != 1 or len(images) != len(labels):
        raise DataError(f"{images_path} and {labels_path} do not form an image/label pair "
                        f"(shapes {tuple(images.shape)} and {tuple(labels.shape)}); re-download them")
    return images, labels

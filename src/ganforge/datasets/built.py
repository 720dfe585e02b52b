"""Data sets built offline by ``ganforge data build``: MNIST with its source digests, SHA256SUMS, atomic writing.

Every family that builds a data set (translation: edges2digits...; video: moving-mnist; audio: notes,
spoken-digits) shares these pieces, so that every built set is found, checked and replaced the same way:

- :func:`mnist_split` reads MNIST ``train``/``test`` where the image family finds it and records the
  sha256 of its files (for ``dataset.json``'s ``sources``);
- :func:`check_target` refuses to write over a folder that is not a ganforge data set (or is one,
  without ``--overwrite``);
- :func:`build_aside` writes the set into a hidden folder beside ``out``, writes ``SHA256SUMS``
  (``sha256sum -c`` format), verifies it and only then moves it into place;
  :func:`publish` does the same for a ``fill(folder)`` that returns the ``dataset.json`` dict;
- :func:`verify` checks every file against ``SHA256SUMS`` (no file missing, none extra);
  :func:`read_info` reads a built set's ``dataset.json``.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ganforge.datasets.idx_files import MNIST, find_file, read_idx_split, search_folders
from ganforge.errors import DataError
from ganforge.files import atomic_write_text, file_digest

SUMS = "SHA256SUMS"
INFO = "dataset.json"


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


def split_rng(seed: int, split: str) -> np.random.Generator:
    """The random stream of one split of a build: a function of the seed and the split's name."""
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(split.encode()).digest()[:4], "big")])


def check_target(out: Path, overwrite: bool) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not (out / INFO).is_file():
            raise DataError(f"{out} exists and is not a ganforge data set; pass a new or empty folder as --out")
        if not overwrite:
            raise DataError(f"{out} already holds a data set; pass --overwrite to replace it, or another --out")


def build_aside(out: str | Path, overwrite: bool, write: Callable[[Path], object]) -> object:
    """Run ``write(folder)`` on a hidden folder beside ``out``, checksum and verify it, then move it to ``out``."""
    out = Path(out)
    check_target(out, overwrite)
    tmp = out.parent / f".{out.name}.part{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        result = write(tmp)
        write_sums(tmp)
        verify(tmp)
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def publish(out: str | Path, fill: Callable[[Path], Dict[str, object]]) -> Dict[str, object]:
    """:func:`build_aside` for a ``fill(folder)`` that writes the files and returns the dataset.json dict (written
    here); the caller has checked the target (:func:`check_target`). Returns the dict."""
    def write(tmp: Path) -> Dict[str, object]:
        info = fill(tmp)
        atomic_write_text(tmp / INFO, json.dumps(info, indent=2) + "\n")
        return info

    return build_aside(out, True, write)


def data_files(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != SUMS)


def write_sums(root: Path) -> None:
    lines = [f"{file_digest(p, 'sha256')}  {p.relative_to(root).as_posix()}" for p in data_files(root)]
    atomic_write_text(root / SUMS, "\n".join(lines) + "\n")


def verify(root: str | Path) -> int:
    """Check every file of a built data set against its SHA256SUMS (and that no file is missing or extra)."""
    root = Path(root)
    sums = root / SUMS
    fix = "rebuild it with `ganforge data build`"
    if not sums.is_file():
        raise DataError(f"{root} has no {SUMS}; it is not a ganforge data set: {fix}")
    listed: Dict[str, str] = {}
    for line in sums.read_text().splitlines():
        digest, _, rel = line.partition("  ")
        listed[rel] = digest
    present = {p.relative_to(root).as_posix() for p in data_files(root)}
    for rel in sorted(set(listed) | present):
        if rel not in present:
            raise DataError(f"{root / rel} is missing; the data set is incomplete: {fix}")
        if rel not in listed:
            raise DataError(f"{root / rel} is not listed in {SUMS}; remove it or {fix}")
        if file_digest(root / rel, "sha256") != listed[rel]:
            raise DataError(f"{root / rel} does not match its checksum in {SUMS}; the file changed: {fix}")
    return len(listed)


def read_info(root: str | Path) -> Dict[str, object]:
    """A built set's dataset.json (a one-line error when there is none)."""
    path = Path(root) / INFO
    if not path.is_file():
        raise DataError(f"{root} is not a data set built by ganforge (no {INFO}); build one with "
                        "`ganforge data build NAME --out DIR`")
    return json.loads(path.read_text())

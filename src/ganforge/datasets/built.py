"""Data sets built offline by ``ganforge data build``: written aside, checksummed (SHA256SUMS), verified, moved in place.

Every family's builders (translation's image pairs, audio's rendered notes and spoken digits) write
through :func:`publish`, so each built set has a ``dataset.json``, a ``SHA256SUMS`` over every file
and is never left half-written; :func:`verify` checks one against its sums.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable, Dict, List

from ganforge.errors import DataError
from ganforge.files import atomic_write_text, file_digest

SUMS = "SHA256SUMS"
INFO = "dataset.json"


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse to write over a folder that is not a built data set, or over one without ``overwrite``."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not (out / INFO).is_file():
            raise DataError(f"{out} exists and is not a ganforge data set; pass a new or empty folder as --out")
        if not overwrite:
            raise DataError(f"{out} already holds a data set; pass --overwrite to replace it, or another --out")


def publish(out: str | Path, fill: Callable[[Path], Dict[str, object]]) -> Dict[str, object]:
    """``fill(tmp)`` writes the files into a temporary folder and returns the dataset.json dict; then the sums
    are written and verified and the folder replaces ``out``. Returns the dict."""
    out = Path(out)
    tmp = out.parent / f".{out.name}.part{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        info = fill(tmp)
        atomic_write_text(tmp / INFO, json.dumps(info, indent=2) + "\n")
        write_sums(tmp)
        verify(tmp)
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return info


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

"""Writing files safely: every file a run depends on is written to a temporary name, flushed and renamed.

A write killed half-way (SIGKILL, power loss, a full disk) leaves the previous version of the file
intact; readers never see a half-written checkpoint, config or run.json.

Also the cache folder (``$GANFORGE_CACHE`` or ``~/.cache/ganforge``) and file digests, which every
layer uses (data downloads, extractor weights, the metrics' reference-statistics cache).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` then fsync and rename onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        os.fsync(dir_fd)
        os.close(dir_fd)
    except OSError:
        pass


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def cache_dir() -> Path:
    """``$GANFORGE_CACHE`` or ``~/.cache/ganforge``: downloads, extractor weights, reference statistics."""
    return Path(os.environ.get("GANFORGE_CACHE", Path.home() / ".cache" / "ganforge"))


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest (``"sha256"``, ``"md5"`` ...) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

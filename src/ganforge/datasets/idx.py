"""Read MNIST-style IDX files (optionally gzipped) into uint8 tensors, checking their headers.

The file is streamed: the header is read first and says how many bytes of data follow; at most
that many (and never more than :data:`MAX_BYTES`) are decompressed, so a gzip bomb or a header
that lies about its size is a one-line DataError, not an out-of-memory.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch

from ganforge.errors import DataError

_DTYPES = {0x08: np.uint8}
MAX_BYTES = 1 << 32   # 4 GiB of pixels: 80 times MNIST's training images
_BLOCK = 1 << 22


def read_idx(path: str | Path) -> torch.Tensor:
    """Return the array stored in an IDX file (``.gz`` or plain) as a uint8 tensor."""
    path = Path(path)
    redo = "delete it and download it again"
    try:
        with open(path, "rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _DTYPES:
                raise DataError(f"{path} is not an IDX file of unsigned bytes; {redo}")
            dims = f.read(4 * magic[3])
            if len(dims) < 4 * magic[3]:
                raise DataError(f"{path} has a truncated IDX header; {redo}")
            shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(magic[3]))
            count = int(np.prod(shape, dtype=object)) if shape else 0
            if count > MAX_BYTES:
                raise DataError(f"{path} declares {count:,} bytes of data (shape {shape}), more than the "
                                f"{MAX_BYTES:,} ganforge reads; the file is corrupt: {redo}")
            data = _read_at_most(f, count + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path} is unreadable or truncated ({exc}); {redo}") from None
    if len(data) != count:
        held = "more data than" if len(data) > count else f"{len(data)} bytes of data but"
        raise DataError(f"{path} holds {held} its header says ({count}); the file is truncated or corrupt: {redo}")
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8).reshape(shape).copy())


def _read_at_most(f: BinaryIO, limit: int) -> bytearray:
    """Up to ``limit`` bytes of ``f``, read (and decompressed) a block at a time."""
    out = bytearray()
    while len(out) < limit:
        block = f.read(min(_BLOCK, limit - len(out)))
        if not block:
            break
        out += block
    return out

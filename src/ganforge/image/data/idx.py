"""Read MNIST-style IDX files (optionally gzipped) into uint8 tensors, checking their headers."""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import torch

from ganforge.errors import DataError

_DTYPES = {0x08: np.uint8}


def read_idx(path: str | Path) -> torch.Tensor:
    """Return the array stored in an IDX file (``.gz`` or plain) as a uint8 tensor."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path} is unreadable or truncated ({exc}); delete it and download it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DataError(f"{path} is not an IDX file of unsigned bytes; delete it and download it again")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} has a truncated IDX header; delete it and download it again")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(shape)) if shape else 0
    if len(raw) - header != count:
        raise DataError(f"{path} holds {len(raw) - header} bytes of data but its header says {count}; "
                        "the file is truncated or corrupt: delete it and download it again")
    array = np.frombuffer(raw, dtype=np.uint8, count=count, offset=header).reshape(shape)
    return torch.from_numpy(array.copy())

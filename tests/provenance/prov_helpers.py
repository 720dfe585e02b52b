"""Test helpers for provenance: a PNG with one pixel changed but its C2PA manifest kept (chunk surgery)."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import List, Tuple

import numpy as np
from PIL import Image


def png_chunks(data: bytes) -> List[Tuple[bytes, bytes]]:
    pos, out = 8, []
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


def build_png(chunks: List[Tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return out


def change_one_pixel(path: Path) -> None:
    """Flip the low bit of one pixel of a PNG, keeping every other chunk (the C2PA manifest's caBX) as it was."""
    data = path.read_bytes()
    array = np.array(Image.open(io.BytesIO(data)))
    array[(0,) * (array.ndim - 1)] ^= 1
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    idat = [c for c in png_chunks(buf.getvalue()) if c[0] == b"IDAT"]
    chunks, done = [], False
    for kind, body in png_chunks(data):
        if kind != b"IDAT":
            chunks.append((kind, body))
        elif not done:
            chunks += idat
            done = True
    path.write_bytes(build_png(chunks))

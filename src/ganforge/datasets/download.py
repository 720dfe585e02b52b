"""Fetch data files from a URL, a mirror URL or a local folder, verifying checksums.

Files land in the cache folder (``$GANFORGE_CACHE`` or ``~/.cache/ganforge``) through a temporary
file that is renamed only once its checksum matches, so an interrupted or corrupt download never
leaves a file that looks complete. At most ``max_bytes`` are read (and no more than the server's
Content-Length), so a source that sends endless or oversized data is a one-line DataError before
the disk or memory fills up.
"""
from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from tqdm import tqdm

from ganforge.errors import DataError
from ganforge.files import file_digest

MAX_BYTES = 1 << 30   # no data file or weight file ganforge fetches is near 1 GiB (MNIST's largest: 10 MB)


def verify(path: Path, sha256: Optional[str] = None, md5: Optional[str] = None) -> bool:
    if sha256 and file_digest(path, "sha256") != sha256:
        return False
    if md5 and file_digest(path, "md5") != md5:
        return False
    return True


def fetch(source: str, dest: Path, sha256: Optional[str] = None, md5: Optional[str] = None,
          timeout: float = 60.0, max_bytes: int = MAX_BYTES) -> Path:
    """Copy ``source`` (http(s)/file URL or local path) to ``dest`` and verify its checksum, reading at most
    ``max_bytes``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and verify(dest, sha256, md5):
        return dest
    tmp = dest.with_name(dest.name + f".part{os.getpid()}")
    try:
        if "://" not in source or source.startswith("file://"):
            local = Path(source[7:] if source.startswith("file://") else source)
            if not local.is_file():
                raise DataError(f"{local} does not exist; check the mirror folder")
            if local.stat().st_size > max_bytes:
                raise _too_large(source, local.stat().st_size, max_bytes)
            shutil.copyfile(local, tmp)
        else:
            _http_get(source, tmp, timeout, max_bytes)
        if not verify(tmp, sha256, md5):
            raise DataError(f"checksum mismatch for {source}; the source is corrupt or not the canonical "
                            "file: try another --mirror")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _too_large(source: str, size: int, limit: int) -> DataError:
    return DataError(f"{source} is larger than expected ({size:,} bytes or more, at most {limit:,}); it is not the "
                     "data file asked for: try another --mirror")


def _http_get(url: str, dest: Path, timeout: float, max_bytes: int) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            if total is not None and total > max_bytes:
                raise _too_large(url, total, max_bytes)
            limit = total or max_bytes
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"download {url.rsplit('/', 1)[-1]}",
                      leave=False, disable=None) as bar:
                received = 0
                for block in iter(lambda: response.read(1 << 16), b""):
                    received += len(block)
                    if received > limit:
                        raise _too_large(url, received, limit)
                    out.write(block)
                    bar.update(len(block))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(f"could not download {url} ({reason}); check the network, or pass a local "
                        "folder holding the files with --data-dir or --mirror") from None

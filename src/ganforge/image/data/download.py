"""Fetch data files from a URL, a mirror URL or a local folder, verifying checksums.

Files land in the cache folder (``$GANFORGE_CACHE`` or ``~/.cache/ganforge``) through a temporary
file that is renamed only once its checksum matches, so an interrupted or corrupt download never
leaves a file that looks complete.
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
from ganforge.files import cache_dir, file_digest  # noqa: F401  (re-exported: data modules use them from here)


def verify(path: Path, sha256: Optional[str] = None, md5: Optional[str] = None) -> bool:
    if sha256 and file_digest(path, "sha256") != sha256:
        return False
    if md5 and file_digest(path, "md5") != md5:
        return False
    return True


def fetch(source: str, dest: Path, sha256: Optional[str] = None, md5: Optional[str] = None,
          timeout: float = 60.0) -> Path:
    """Copy ``source`` (http(s)/file URL or local path) to ``dest`` and verify its checksum."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and verify(dest, sha256, md5):
        return dest
    tmp = dest.with_name(dest.name + f".part{os.getpid()}")
    try:
        if "://" not in source or source.startswith("file://"):
            local = Path(source[7:] if source.startswith("file://") else source)
            if not local.is_file():
                raise DataError(f"{local} does not exist; check the mirror folder")
            shutil.copyfile(local, tmp)
        else:
            _http_get(source, tmp, timeout)
        if not verify(tmp, sha256, md5):
            raise DataError(f"checksum mismatch for {source}; the source is corrupt or not the canonical "
                            "file: try another --mirror")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _http_get(url: str, dest: Path, timeout: float) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"download {url.rsplit('/', 1)[-1]}",
                      leave=False, disable=None) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(f"could not download {url} ({reason}); check the network, or pass a local "
                        "folder holding the files with --data-dir or --mirror") from None

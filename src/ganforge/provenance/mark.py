"""Marking generated files: a watermark in the pixels, then a signed C2PA manifest, or a signed sidecar.

    mark_file(Path("grid.png"), origin)          # in place: watermark (if >= 256x256), then C2PA
    mark_file(Path("samples.txt"), origin)       # writes samples.txt.provenance.json
    data, note = mark_bytes(png, "x.png", origin) # the studio's downloads: marked bytes (C2PA types only)

PNG and JPEG images get the watermark (:mod:`ganforge.provenance.watermark`) before signing, so the
signature covers the watermarked pixels; a JPEG is re-encoded at quality 95 for it. Every type the
C2PA library embeds manifests in (PNG, JPEG, GIF, WebP, TIFF, WAV, MP3, FLAC, MP4, MOV) gets one;
any other file a sidecar (:mod:`ganforge.provenance.sidecar`).
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np

from ganforge.files import atomic_write
from ganforge.provenance import manifest, sidecar, watermark
from ganforge.provenance.identity import Identity, identity
from ganforge.provenance.record import Origin

WATERMARK_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
_NOTES: List[str] = []   # what the marks of this process did since the last take_notes() (the CLI prints them)
OFF_NOTE = "provenance off (--no-provenance): no C2PA manifest, watermark or sidecar record was written"


def watermark_bytes(data: bytes, suffix: str, key_id: int) -> Tuple[bytes, Dict[str, Any]]:
    """The image re-encoded with the watermark of ``key_id`` (or unchanged, with the reason) and the record entry."""
    from PIL import Image

    fmt = WATERMARK_FORMATS[suffix.lower()]
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        mode, info = img.mode, {k: v for k, v in img.info.items() if k in ("dpi",)}
        if mode not in ("L", "RGB", "RGBA") or getattr(img, "n_frames", 1) > 1:
            return data, {"method": watermark.METHOD, "embedded": False, "reason": f"{mode} images are not marked"}
        array = np.asarray(img)
    marked, entry = watermark.embed(array, key_id)
    if not entry["embedded"]:
        return data, entry
    out = io.BytesIO()
    options = {"quality": 95} if fmt == "JPEG" else {}
    Image.fromarray(marked, mode).save(out, format=fmt, **info, **options)
    return out.getvalue(), entry


def mark_bytes(data: bytes, name: str, origin: Origin, ident: Optional[Identity] = None
               ) -> Tuple[bytes, Optional[Dict[str, Any]], str]:
    """(marked bytes, sidecar document or None, a short note of what was done) for the file ``name``."""
    ident = ident or identity()
    suffix = Path(name).suffix.lower()
    wm: Optional[Dict[str, Any]] = None
    if suffix in WATERMARK_FORMATS:
        data, wm = watermark_bytes(data, suffix, ident.key_id)
    record = origin.record(Path(name).name, wm)
    mime = manifest.c2pa_mime(suffix)
    if mime is None:
        return data, sidecar.make(data, Path(name).name, record, ident), "signed sidecar record"
    note = "C2PA manifest"
    if wm is not None:
        note += " + watermark" if wm["embedded"] else f" (no watermark: {wm['reason']})"
    return manifest.sign(data, mime, ident, record, Path(name).name), None, note


def mark_file(path: Path, origin: Origin, ident: Optional[Identity] = None) -> str:
    """Mark the file ``path`` in place (or beside it); returns the note of what was done."""
    path = Path(path)
    data, doc, note = mark_bytes(path.read_bytes(), path.name, origin, ident)
    if doc is None:
        atomic_write(path, lambda tmp: tmp.write_bytes(data))
        stale = sidecar.sidecar_path(path)
        if stale.is_file():
            stale.unlink()
    else:
        text = json.dumps(doc, indent=1) + "\n"
        atomic_write(sidecar.sidecar_path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
        note += f" {sidecar.sidecar_path(path).name}"
    return note


def mark_files(paths: Iterable[Path], origin: Optional[Origin]) -> List[str]:
    """Mark each file (nothing when ``origin`` is None: provenance is off); the notes, one per file."""
    if origin is None:
        return []
    ident = identity()
    notes = [mark_file(p, origin, ident) for p in paths]
    _NOTES.extend(notes)
    return notes


def take_notes() -> List[str]:
    """The notes of every file marked since the last call (and forget them)."""
    notes = list(_NOTES)
    _NOTES.clear()
    return notes


def describe(notes: List[str], enabled: bool = True) -> str:
    """One line for the commands to print: what provenance the files got (or that it is off)."""
    if not enabled:
        return OFF_NOTE
    if not notes:
        return "provenance: nothing written"
    counts: Dict[str, int] = {}
    for n in notes:
        key = "signed sidecar record (FILE.provenance.json)" if n.startswith("signed sidecar") else n
        counts[key] = counts.get(key, 0) + 1
    parts = [f"{k}" if v == 1 else f"{k} ({v} files)" for k, v in counts.items()]
    return "provenance: " + "; ".join(parts) + " — check with `ganforge verify FILE`"

"""What a provenance record says: the run, model, checkpoint (and its SHA-256), seed and ganforge version.

    origin = origin_of_checkpoint(g.source, seed=0)        # g: any family's loaded pipeline
    origin.record("grid.png")                              # the dict signed into the file or its sidecar

The C2PA manifest carries it as the assertion ``org.ganforge.generation``; a sidecar as ``record``.
"""
from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from ganforge.version import __version__

ASSERTION = "org.ganforge.generation"
CLAIM_GENERATOR = f"ganforge {__version__}"
SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
_DIGESTS: Dict[Tuple[str, int, int], str] = {}


@dataclass
class Origin:
    """Where generated content came from; ``extra`` holds what a command adds (direction, style, ...)."""

    run: str = ""
    model: str = ""
    family: str = ""
    checkpoint: str = ""
    checkpoint_sha256: str = ""
    step: Optional[int] = None
    seed: Optional[int] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    def record(self, file_name: str, watermark: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        rec = {k: v for k, v in asdict(self).items() if k != "extra" and v not in ("", None)}
        rec.update({k: v for k, v in self.extra.items() if v is not None})
        rec.update({"file": file_name, "ganforge_version": __version__,
                    "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
        if watermark is not None:
            rec["watermark"] = watermark
        return rec


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, cached by (path, size, mtime): a checkpoint is hashed once per process."""
    from ganforge.files import file_digest

    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_digest(path, "sha256")
    return _DIGESTS[key]


def origin_of_checkpoint(checkpoint: str | Path, seed: Optional[int] = None, **extra: Any) -> Origin:
    """The origin of samples of a checkpoint file: run name, family, model and step from its header."""
    from ganforge.engine.checkpoint import read_metadata
    from ganforge.engine.run_folder import run_folder_of

    path = Path(checkpoint)
    meta = read_metadata(path)
    run = run_folder_of(path)
    model = (meta.get("model_config") or {}).get("name", "") if isinstance(meta.get("model_config"), dict) else ""
    step = meta.get("step")
    return Origin(run=run.path.name if run.is_run() else "", model=str(model or ""), family=str(meta.get("family", "")),
                  checkpoint=path.name, checkpoint_sha256=sha256_of(path),
                  step=int(step) if step is not None else None, seed=seed, extra=dict(extra))


def origin_of(pipeline: Any, seed: Optional[int] = None, enabled: bool = True, **extra: Any) -> Optional[Origin]:
    """The origin of what a loaded pipeline (``ganforge.load``) generates; None when provenance is off."""
    if not enabled:
        return None
    return origin_of_checkpoint(pipeline.source, seed, **extra)

"""The studio's view of a runs folder: every run of any family, its config, curves, samples and checkpoints.

Runs are the folders ``ganforge train`` makes, and they are read only through
:class:`ganforge.engine.run_folder.RunFolder` (its file names, patterns and row readers), so the
studio shows whatever the engine writes, for every family. Only direct sub-folders of the runs
folder are runs, and every file this module hands out is looked up by a name that must match the
run folder's fixed pattern and is read (or checked, for a checkpoint) with the run folder's one safe
reader, :func:`ganforge.engine.run_folder.read_run_file`: a regular file inside its run, under a size
cap. A symlink leading out, a FIFO or a device is "not found", never a path outside the runs folder,
and never a read that hangs. Curves are read incrementally (``since`` = lines the page already has),
so a page polling a run that is training gets only the new lines.
"""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ganforge.engine.checkpoint import read_metadata
from ganforge.engine.run_folder import (CHECKPOINT_FILE, CHECKPOINT_LIMIT, CONFIG_FILE, METRICS_FILE, ROWS_LIMIT,
                                        RUN_FILE, SAMPLE_FILE, STATS_FILE, RunFolder, checked_run_file)
from ganforge.errors import CheckpointError, ConfigError

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
# the sample files the studio shows, by suffix: image grids (and animated GIF clips), text samples and MP4 clips
# (other suffixes are not served)
SAMPLE_TYPES = {"png": ("image", "image/png"), "gif": ("image", "image/gif"), "mp4": ("video", "video/mp4"),
                "txt": ("text", "text/plain; charset=utf-8")}
LIVE_SECONDS = 120.0  # a run whose files changed this recently is shown as training


class NotFound(LookupError):
    """A run or file that does not exist (or may not be served): the API answers 404."""


class RunsFolder:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self._last_steps = LastSteps()

    # ------------------------------------------------------------------ looking things up safely
    def run_folder(self, name: str) -> RunFolder:
        """The run called ``name``: a direct sub-folder of the runs folder (no link out of it) that is a run."""
        if not RUN_NAME.match(name or "") or ".." in name:
            raise NotFound(f"no run named {name!r}")
        run = RunFolder((self.root / name).resolve())
        if run.path.parent != self.root or not run.is_run():
            raise NotFound(f"no run named {name!r} in {self.root}")
        return run

    def sample_file(self, name: str, filename: str) -> Tuple[bytes, str]:
        """The content of a sample file of a run and its media type."""
        m = SAMPLE_FILE.match(filename or "")
        if not m or m.group(2) not in SAMPLE_TYPES:
            raise NotFound(f"no sample {filename!r} in run {name!r}")
        run = self.run_folder(name)
        try:
            return run.read_file(run.samples_dir / filename, ROWS_LIMIT), SAMPLE_TYPES[m.group(2)][1]
        except OSError:
            raise NotFound(f"no sample {filename!r} in run {name!r}") from None

    def checkpoint_file(self, name: str, step: Optional[int] = None) -> Path:
        """The real path of a run's checkpoint of ``step``, or of its newest loadable one (checked, not read)."""
        run = self.run_folder(name)
        path = run.latest_checkpoint() if step is None else run.checkpoint_path(step)
        if path is None:
            raise NotFound(f"run {name!r} has no loadable checkpoint yet")
        try:
            return checked_run_file(path, run.path, CHECKPOINT_LIMIT)
        except OSError:
            raise NotFound(f"no checkpoint {path.name!r} in run {name!r}") from None

    # ------------------------------------------------------------------ listings
    def list_runs(self) -> List[Dict[str, Any]]:
        if not self.root.is_dir():
            return []
        out = []
        for path in sorted(self.root.iterdir()):
            try:
                out.append(self.summary(self.run_folder(path.name)))
            except NotFound:
                continue
        out.sort(key=lambda r: r["updated"], reverse=True)
        return out

    def summary(self, run: RunFolder) -> Dict[str, Any]:
        info = _info(run)
        samples, saved = sample_files(run), run.checkpoints()
        updated = max([_mtime(run.path / f) for f in (STATS_FILE, METRICS_FILE, RUN_FILE)] + [_mtime(p) for p in saved])
        step = self._last_steps.get(run)
        if step is None:
            step = samples[-1]["step"] if samples else 0
        return {"name": run.path.name, "family": info.get("family"), "model": info.get("model"),
                "data": info.get("data"), "created": info.get("created"), "step": step,
                "samples": len(samples), "checkpoints": len(saved), "updated": updated,
                "live": time.time() - updated < LIVE_SECONDS, "info_ok": bool(info)}

    def detail(self, name: str, since_stats: int = 0, since_metrics: int = 0) -> Dict[str, Any]:
        run = self.run_folder(name)
        stats, stats_from, n_stats = run.stats_rows(since_stats)
        metrics, metrics_from, n_metrics = run.metrics_rows(since_metrics)
        try:
            config = run.read_file(CONFIG_FILE).decode("utf-8", errors="replace")
        except OSError:
            config = ""
        samples = sample_files(run)
        return {**self.summary(run), "info": _info(run) or None, "config": config,
                "stats": stats, "stats_from": stats_from, "stats_lines": n_stats,
                "metrics": metrics, "metrics_from": metrics_from, "metrics_lines": n_metrics,
                "sample_files": samples, "sample_steps": [s["step"] for s in samples],
                "checkpoints": checkpoints(run), "events": run.events_rows()[0], "status": run.status()}


def sample_files(run: RunFolder) -> List[Dict[str, Any]]:
    """The run's samples the studio can show: ``{"step", "file", "kind"}`` (kind: image, video or text), by step."""
    out = []
    for step, path in run.sample_files():
        kind = SAMPLE_TYPES.get(SAMPLE_FILE.match(path.name).group(2))
        if kind:
            out.append({"step": step, "file": path.name, "kind": kind[0]})
    return out


def checkpoints(run: RunFolder) -> List[Dict[str, Any]]:
    """Every step checkpoint, with what its header says (a truncated one is listed, marked unreadable)."""
    out = []
    for path in run.checkpoints():
        step = int(CHECKPOINT_FILE.match(path.name).group(1))
        try:
            meta = read_metadata(checked_run_file(path, run.path, CHECKPOINT_LIMIT))
        except Exception as exc:  # noqa: BLE001 - any unreadable header is shown, not raised
            out.append({"step": step, "file": path.name, "ok": False, "error": str(exc).splitlines()[0]})
            continue
        model = meta.get("model_config") or {}
        out.append({"step": step, "file": path.name, "ok": True, "family": meta.get("family"),
                    "num_classes": model.get("num_classes", 0), "latent_dim": model.get("latent_dim"),
                    "style_layers": style_layers(model), "ema": bool(meta.get("ema"))})
    return out


def style_layers(model: Dict[str, Any]) -> Optional[int]:
    """A stylegan2 checkpoint's number of w inputs (the Create page bounds the mixing crossover by it), else None."""
    if model.get("name") != "stylegan2":
        return None
    from ganforge.image.models.stylegan2 import style_count

    try:
        return style_count(int(model.get("image_size", 0)))
    except (ConfigError, TypeError, ValueError):
        return None


class LastSteps:
    """The last logged step of each run, read incrementally from its stats rows (only when the file changed)."""

    def __init__(self):
        self._seen: Dict[Path, Tuple[Tuple[float, int], int, Optional[int]]] = {}
        self._lock = threading.Lock()

    def get(self, run: RunFolder) -> Optional[int]:
        try:
            st = (run.path / STATS_FILE).stat()
        except OSError:
            return None
        stamp = (st.st_mtime, st.st_size)
        with self._lock:
            old_stamp, lines, step = self._seen.get(run.path, ((0.0, -1), 0, None))
        if stamp == old_stamp:
            return step
        rows, start, count = run.stats_rows(lines)
        if start == 0:
            step = None  # the file was replaced: start again
        for row in rows:
            if isinstance(row.get("step"), int):
                step = row["step"]
        with self._lock:
            self._seen[run.path] = (stamp, count, step)
        return step


def _info(run: RunFolder) -> Dict[str, Any]:
    """run.json, or {} when it is corrupt (the run is still listed, marked ``info_ok: false``)."""
    try:
        return run.info()
    except CheckpointError:
        return {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

"""The studio's view of a runs folder: every run, its config, its curves, sample grids and checkpoints.

Runs are the folders ``ganforge train`` makes (layout in :mod:`ganforge.engine.run_folder`). Only
direct sub-folders of the runs folder are runs, and every file this module hands out is looked up
by a name that must match a fixed pattern and resolve inside its run: anything else is "not found",
never a path outside the runs folder. Curves are read incrementally (``since`` = lines the page
already has), so a page polling a run that is training gets only the new lines.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from ganforge.engine.checkpoint import read_metadata
from ganforge.engine.run_folder import RUN_FILE

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
SAMPLE_FILE = re.compile(r"^step_(\d{1,12})\.png$")
CHECKPOINT_FILE = re.compile(r"^step_(\d{1,12})\.safetensors$")
LIVE_SECONDS = 120.0  # a run whose files changed this recently is shown as training


class NotFound(LookupError):
    """A run or file that does not exist (or may not be served): the API answers 404."""


class RunsFolder:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    # ------------------------------------------------------------------ looking things up safely
    def run_dir(self, name: str) -> Path:
        if not RUN_NAME.match(name or "") or ".." in name:
            raise NotFound(f"no run named {name!r}")
        path = (self.root / name).resolve()
        if path.parent != self.root or not (path / RUN_FILE).is_file():
            raise NotFound(f"no run named {name!r} in {self.root}")
        return path

    def sample_file(self, name: str, filename: str) -> Path:
        return self._file(name, "samples", filename, SAMPLE_FILE)

    def checkpoint_file(self, name: str, filename: str) -> Path:
        return self._file(name, "checkpoints", filename, CHECKPOINT_FILE)

    def _file(self, name: str, folder: str, filename: str, pattern: re.Pattern) -> Path:
        run = self.run_dir(name)
        if not pattern.match(filename or ""):
            raise NotFound(f"no file {filename!r} in run {name!r}")
        path = (run / folder / filename).resolve()
        if path.parent != run / folder or not path.is_file():
            raise NotFound(f"no file {filename!r} in run {name!r}")
        return path

    # ------------------------------------------------------------------ listings
    def list_runs(self) -> List[Dict[str, Any]]:
        if not self.root.is_dir():
            return []
        out = []
        for path in sorted(self.root.iterdir()):
            try:
                out.append(self.summary(self.run_dir(path.name)))
            except NotFound:
                continue
        out.sort(key=lambda r: r["updated"], reverse=True)
        return out

    def summary(self, run: Path) -> Dict[str, Any]:
        info = _read_json(run / RUN_FILE) or {}
        samples = _steps(run / "samples", SAMPLE_FILE)
        checkpoints = _steps(run / "checkpoints", CHECKPOINT_FILE)
        updated = max([_mtime(run / f) for f in ("stats.jsonl", "metrics.jsonl", RUN_FILE)]
                      + [_mtime(run / "samples"), _mtime(run / "checkpoints")])
        last = _last_line(run / "stats.jsonl")
        return {"name": run.name, "family": info.get("family"), "model": info.get("model"),
                "data": info.get("data"), "created": info.get("created"),
                "step": (last or {}).get("step", samples[-1] if samples else 0),
                "samples": len(samples), "checkpoints": len(checkpoints), "updated": updated,
                "live": time.time() - updated < LIVE_SECONDS, "info_ok": bool(info)}

    def detail(self, name: str, since_stats: int = 0, since_metrics: int = 0) -> Dict[str, Any]:
        run = self.run_dir(name)
        stats, stats_from, n_stats = _jsonl(run / "stats.jsonl", since_stats)
        metrics, metrics_from, n_metrics = _jsonl(run / "metrics.jsonl", since_metrics)
        config = run / "config.yaml"
        return {**self.summary(run), "info": _read_json(run / RUN_FILE),
                "config": config.read_text(encoding="utf-8", errors="replace") if config.is_file() else "",
                "stats": stats, "stats_from": stats_from, "stats_lines": n_stats,
                "metrics": metrics, "metrics_from": metrics_from, "metrics_lines": n_metrics,
                "sample_steps": _steps(run / "samples", SAMPLE_FILE),
                "checkpoints": self.checkpoints(run)}

    def checkpoints(self, run: Path) -> List[Dict[str, Any]]:
        out = []
        for step in _steps(run / "checkpoints", CHECKPOINT_FILE):
            path = run / "checkpoints" / f"step_{step:07d}.safetensors"
            try:
                meta = read_metadata(path)
            except Exception as exc:  # a truncated file: listed, marked unreadable
                out.append({"step": step, "file": path.name, "ok": False, "error": str(exc).splitlines()[0]})
                continue
            model = meta.get("model_config") or {}
            out.append({"step": step, "file": path.name, "ok": True, "family": meta.get("family"),
                        "num_classes": model.get("num_classes", 0), "latent_dim": model.get("latent_dim"),
                        "ema": bool(meta.get("ema"))})
        return out


# ---------------------------------------------------------------------- file helpers
def _steps(folder: Path, pattern: re.Pattern) -> List[int]:
    if not folder.is_dir():
        return []
    steps = []
    for p in folder.iterdir():
        m = pattern.match(p.name)
        if m:
            steps.append(int(m.group(1)))
    return sorted(steps)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _read_json(path: Path) -> Optional[Dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _jsonl(path: Path, since: int) -> tuple[List[Dict[str, Any]], int, int]:
    """The JSON rows of ``path`` after its first ``since`` complete lines, the line they start at, the line count.

    When the file has fewer lines than ``since`` (it was replaced), the rows start again at 0.
    A last line without its newline (being written right now) is left for the next poll; a line
    that is not a JSON object is skipped, so one corrupt line cannot blank the page.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return [], 0, 0
    lines = text.split("\n")[:-1]  # complete lines only
    since = since if 0 <= since <= len(lines) else 0
    rows = []
    for line in lines[since:]:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows, since, len(lines)


def _last_line(path: Path) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 4096))
            tail = f.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in reversed(tail.split("\n")[:-1]):
        try:
            row = json.loads(line)
            return row if isinstance(row, dict) else None
        except ValueError:
            continue
    return None

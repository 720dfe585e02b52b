"""Run folders: where a training run keeps its config, checkpoints, samples and logs.

    RUN/
      run.json            family, model name, ganforge version, creation time
      config.yaml         the full resolved config (loadable with --config)
      checkpoints/        step_0000500.safetensors ... (last K kept)
      samples/            step_0000500.png ... sample grids from fixed latents
      tb/                 TensorBoard event files
      stats.jsonl         one line of training statistics per log interval
      metrics.jsonl       evaluation results (``--eval-every``)
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Optional

from .. import __version__
from ..errors import CheckpointError
from .checkpoint import atomic_write, checkpoint_files, latest_loadable

RUN_FILE = "run.json"


def new_run_dir(runs_root: str | Path, model_name: str) -> Path:
    root = Path(runs_root)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{model_name}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{model_name}-{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def write_run_info(run_dir: Path, family: str, model: str, extra: Optional[Dict[str, Any]] = None) -> None:
    info = {"family": family, "model": model, "ganforge_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"), **(extra or {})}
    atomic_write(run_dir / RUN_FILE, lambda tmp: tmp.write_text(json.dumps(info, indent=2)))


def read_run_info(run_dir: str | Path) -> Dict[str, Any]:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"run folder {run_dir} does not exist; pass a folder made by `ganforge train`")
    info_path = run_dir / RUN_FILE
    if not info_path.is_file() or not (run_dir / "config.yaml").is_file():
        raise CheckpointError(f"{run_dir} is not a ganforge run (no {RUN_FILE} or config.yaml); "
                              "pass a folder made by `ganforge train`")
    try:
        return json.loads(info_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"{info_path} is corrupt; restore it or start a new run") from None


def find_checkpoint(target: str | Path) -> Path:
    """A checkpoint file, or the newest loadable checkpoint of a run folder."""
    target = Path(target)
    if target.is_file():
        return target
    read_run_info(target)
    path = latest_loadable(target / "checkpoints")
    if path is None:
        count = len(checkpoint_files(target / "checkpoints"))
        why = "none is readable (all truncated?)" if count else "it has no checkpoint yet"
        raise CheckpointError(f"cannot load run {target}: {why}; train it with `ganforge train --resume {target}`")
    return path

"""Tools of the adversarial tests: the real CLI in a subprocess under resource limits, crafted files, tiny runs.

``run_limited(["sample", ...], cwd, memory=4 << 30)`` runs ``ganforge`` as a user would, with an
address-space limit (an allocation past it fails at once instead of swapping the machine) and/or a
file-size limit (writes past it fail with EFBIG, the way a full disk fails them; SIGXFSZ ignored).
``assert_one_line_error`` is what every user mistake must look like: ``error: ...``, non-zero, no
traceback.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from helpers import SRC

GIB = 1 << 30
TINY_TRAIN = ["train", "dcgan", "--steps", "4", "--batch-size", "16", "--quiet", "--set", "model.width=8",
              "--set", "model.latent_dim=16", "--set", "data.limit=256", "--set", "train.checkpoint_every=2"]


def run_limited(args: List[str], cwd: Path, memory: Optional[int] = None, fsize: Optional[int] = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """``ganforge ARGS`` in a fresh interpreter, with RLIMIT_AS = ``memory`` and RLIMIT_FSIZE = ``fsize`` bytes."""
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ganforge.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env, preexec_fn=limit)


def assert_one_line_error(proc: subprocess.CompletedProcess, *phrases: str) -> str:
    """The run failed with one line ``error: ...`` naming every phrase, and no traceback."""
    err = proc.stderr.strip()
    assert proc.returncode not in (0, None), proc
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])
    return lines[0]


def tiny_run(root: Path, name: str = "tiny") -> Path:
    """A 4-step DCGAN of width 8 on 256 embedded digits, checkpoints at steps 2 and 4 (a few seconds)."""
    proc = run_limited([*TINY_TRAIN, "--out", str(root), "--name", name], root)
    assert proc.returncode == 0, proc.stderr
    return root / name


def craft_checkpoint(source: Path, dest: Path, **model_config) -> Path:
    """A copy of checkpoint ``source`` (same small tensors) whose header claims ``model_config`` values."""
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    with safe_open(str(source), "pt") as f:
        meta = json.loads(f.metadata()["ganforge"])
    meta["model_config"].update(model_config)
    save_file(load_file(str(source)), str(dest), metadata={"ganforge": json.dumps(meta)})
    return dest

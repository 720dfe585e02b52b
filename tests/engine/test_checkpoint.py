"""Checkpoints: atomic writes survive a killed writer; truncated files are detected, not unpickled."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

from ganforge.errors import CheckpointError
from ganforge.engine.checkpoint import (checkpoint_files, latest_loadable, load_checkpoint, prune,
                                          save_checkpoint)
from ganforge.engine.run_folder import find_checkpoint

from helpers import SRC


def test_roundtrip_keeps_tensors_and_metadata(tmp_path):
    path = tmp_path / "step_0000001.safetensors"
    save_checkpoint(path, {"w": torch.arange(6.0).view(2, 3)}, {"family": "image", "step": 1, "x": [1, 2]})
    tensors, meta = load_checkpoint(path)
    assert torch.equal(tensors["w"], torch.arange(6.0).view(2, 3))
    assert meta["step"] == 1 and meta["x"] == [1, 2]


def test_killed_write_leaves_previous_checkpoint_loadable(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(folder / "step_0000001.safetensors", {"w": torch.ones(1000)}, {"family": "image", "step": 1})
    script = textwrap.dedent(f"""
        import os, signal, sys, torch
        sys.path.insert(0, {str(SRC)!r})
        import ganforge.engine.checkpoint as ck
        def killed_midway(tensors, filename, metadata=None):
            with open(filename, "wb") as f:
                f.write(b"\\x00" * 100)   # a partial write...
                f.flush()
                os.kill(os.getpid(), signal.SIGKILL)   # ...then the process dies
        ck.save_file = killed_midway
        ck.save_checkpoint(ck.Path({str(folder)!r}) / "step_0000002.safetensors", {{"w": torch.zeros(1000)}},
                           {{"family": "image", "step": 2}})
    """)
    result = subprocess.run([sys.executable, "-c", script])
    assert result.returncode == -signal.SIGKILL
    assert [p.name for p in checkpoint_files(folder)] == ["step_0000001.safetensors"]
    tensors, meta = load_checkpoint(latest_loadable(folder))
    assert meta["step"] == 1 and torch.equal(tensors["w"], torch.ones(1000))


def test_truncated_checkpoint_is_a_clear_error_and_skipped_for_resume(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(folder / "step_0000001.safetensors", {"w": torch.ones(10)}, {"family": "image", "step": 1})
    save_checkpoint(folder / "step_0000002.safetensors", {"w": torch.ones(10)}, {"family": "image", "step": 2})
    newest = folder / "step_0000002.safetensors"
    newest.write_bytes(newest.read_bytes()[:40])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(newest)
    assert latest_loadable(folder).name == "step_0000001.safetensors"


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "evil.safetensors"
    torch.save({"w": torch.ones(2)}, path)  # a pickle, renamed
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_prune_keeps_last_k(tmp_path):
    for step in range(1, 6):
        save_checkpoint(tmp_path / f"step_{step:07d}.safetensors", {"w": torch.ones(1)}, {"step": step})
    prune(tmp_path, keep=2)
    assert [p.name for p in checkpoint_files(tmp_path)] == ["step_0000004.safetensors", "step_0000005.safetensors"]


def test_find_checkpoint_of_a_folder_that_is_no_run(tmp_path):
    with pytest.raises(CheckpointError, match="not a ganforge run"):
        find_checkpoint(tmp_path)

"""What text runs get from the engine: bf16 autocast, the NaN stop, and Ctrl-C saving a checkpoint."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.errors import TrainingDiverged
from ganforge.text.task import TextTrainer

from text_helpers import tiny_config

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize("model", ["seqgan", "relgan"])
def test_text_trains_under_bf16_autocast_on_cpu(tmp_path, text_files, model):
    spec = {"name": "file", "path": str(text_files[0]), "max_len": 10}
    cfg = tiny_config(model, spec, pretrain_steps=2, d_pretrain_steps=1, steps=1, d_steps=1, log_every=1,
                      precision="bf16")
    trainer = TextTrainer(cfg, tmp_path / "run", quiet=True)
    assert trainer.precision == "bf16"
    before = {k: v.clone() for k, v in trainer.task.G.state_dict().items()}
    trainer.fit()
    rows = [json.loads(line) for line in (tmp_path / "run" / "stats.jsonl").read_text().splitlines()]
    losses = [v for r in rows for k, v in r.items() if k.endswith(("nll", "d_loss", "g_loss"))]
    assert len(losses) >= 4 and all(v == v and abs(v) < 1e4 for v in losses), rows
    after = trainer.task.G.state_dict()
    assert all(v.dtype == torch.float32 for v in after.values())   # autocast computes in bf16, keeps fp32 weights
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_a_nan_loss_stops_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path, text_files):
    spec = {"name": "file", "path": str(text_files[0]), "max_len": 10}
    cfg = tiny_config("mle", spec, pretrain_steps=10, log_every=2, checkpoint_every=2, keep_checkpoints=5)
    trainer = TextTrainer(cfg, tmp_path / "run", quiet=True)
    G = trainer.task.G
    nll = G.nll

    def nan_at_step_5(tokens, per_sentence=False):
        loss = nll(tokens, per_sentence)
        return loss * float("nan") if trainer.step == 5 else loss

    G.nll = nan_at_step_5
    with pytest.raises(TrainingDiverged, match="at step 5;.*step_0000004"):
        trainer.fit()
    files = checkpoint_files(tmp_path / "run" / "checkpoints")
    assert files[-1].name == "step_0000004.safetensors"
    tensors, _ = load_checkpoint(files[-1])
    assert all(torch.isfinite(t.float()).all() for k, t in tensors.items() if not k.startswith("rng"))


def test_sigint_saves_a_checkpoint_and_exits_cleanly(tmp_path, text_files):
    cmd = [sys.executable, "-m", "ganforge.cli.main", "train", "mle", "--data", str(text_files[0]), "--steps",
           "100000", "--out", str(tmp_path), "--name", "r", "--batch-size", "8", "--set", "train.log_every=1",
           "--set", "data.max_len=10", "--set", "model.hidden_dim=8", "--set", "train.threads=1"]
    env = {"PYTHONPATH": str(SRC), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stats = tmp_path / "r" / "stats.jsonl"
    deadline = time.time() + 120
    while not (stats.exists() and len(stats.read_text().splitlines()) >= 3) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped at step" in err and "SIGINT" in err
    step = load_checkpoint(checkpoint_files(tmp_path / "r" / "checkpoints")[-1])[1]["step"]
    assert step >= 3 and f"done: step {step}" in out
    assert (tmp_path / "r" / "samples" / f"step_{step:07d}.txt").is_file()


def test_batch_that_does_not_split_over_processes_is_a_one_line_error(tmp_path, text_files, monkeypatch):
    from ganforge.engine import distributed as ddp
    from ganforge.errors import ConfigError

    monkeypatch.setattr(ddp, "world_size", lambda: 2)
    spec = {"name": "file", "path": str(text_files[0]), "max_len": 10}
    with pytest.raises(ConfigError, match="batch size 7 does not split over 2 processes"):
        TextTrainer(tiny_config("mle", spec, batch_size=7), tmp_path / "run", quiet=True)

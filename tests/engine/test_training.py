"""Short real trainings: losses move as expected, NaN stops the run, signals save and exit cleanly."""
import json
import math
import signal
import subprocess
import sys
import time

import pytest
import torch

from ganforge.losses.config import LossConfig
from ganforge.errors import TrainingDiverged
from ganforge.losses import register_loss
from ganforge.losses.gan_losses import LOSSES, NonSaturatingLoss
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.image.task import ImageTrainer

from helpers import SRC, tiny_config


def read_stats(run_dir):
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


# bf16 is emulated (slow) on CPUs without native bf16; the text family's bf16 test keeps the path in the default run
@pytest.mark.parametrize("precision", ["fp32", pytest.param("bf16", marks=pytest.mark.slow)])
def test_short_training_losses_move_as_expected(tmp_path, precision):
    cfg = tiny_config(model={"width": 16}, data={"limit": 2048},
                      train={"steps": 120, "batch_size": 32, "log_every": 1, "precision": precision})
    ImageTrainer(cfg, tmp_path / "r").fit()
    stats = read_stats(tmp_path / "r")
    first, last = stats[0], stats[-1]
    # at the start D cannot tell real from fake: loss near 2 log 2 ...
    assert abs(first["loss/d"] - 2 * math.log(2)) < 0.35
    # ... it then learns to separate them, and G's loss rises above log 2 as D wins
    assert min(s["loss/d"] for s in stats) < 1.0
    assert last["D(x)"] > last["D(G(z))"]
    assert max(s["loss/g"] for s in stats) > math.log(2)
    assert all(math.isfinite(s["loss/g"]) for s in stats)
    # the sample grid changed from the untrained generator's
    grids = sorted((tmp_path / "r" / "samples").glob("*.png"))
    assert len(grids) >= 2 and grids[0].read_bytes() != grids[-1].read_bytes()
    assert list((tmp_path / "r" / "tb").glob("events.out.tfevents.*"))


class NaNAfterFiveSteps(NonSaturatingLoss):
    calls = 0

    def generator(self, fake):
        NaNAfterFiveSteps.calls += 1
        loss = super().generator(fake)
        return loss * float("nan") if NaNAfterFiveSteps.calls > 5 else loss


def test_nan_loss_stops_with_the_step_and_keeps_last_good_checkpoint(tmp_path):
    register_loss("nan-after-5")(NaNAfterFiveSteps)
    NaNAfterFiveSteps.calls = 0
    cfg = tiny_config(loss={"name": "nan-after-5"}, train={"steps": 12, "checkpoint_every": 2, "log_every": 4})
    try:
        with pytest.raises(TrainingDiverged, match="at step 5;.*step_0000004"):
            ImageTrainer(cfg, tmp_path / "r").fit()
    finally:
        LOSSES.unregister("nan-after-5")
    files = checkpoint_files(tmp_path / "r" / "checkpoints")
    assert files[-1].name == "step_0000004.safetensors"
    tensors, _ = load_checkpoint(files[-1])
    assert all(torch.isfinite(t.float()).all() for k, t in tensors.items() if not k.startswith("rng"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_saves_a_checkpoint_and_exits_cleanly(tmp_path, sig):
    cmd = [sys.executable, "-m", "ganforge.cli.main", "train", "dcgan", "--steps", "100000", "--out", str(tmp_path),
           "--name", "r", "--set", "model.width=8", "--set", "train.log_every=1", "--set", "data.limit=256",
           "--set", "train.batch_size=16"]
    proc = subprocess.Popen(cmd, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stats = tmp_path / "r" / "stats.jsonl"
    deadline = time.time() + 120
    while not (stats.exists() and len(stats.read_text().splitlines()) >= 3) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped at step" in err
    files = checkpoint_files(tmp_path / "r" / "checkpoints")
    step = load_checkpoint(files[-1])[1]["step"]
    assert step >= 3 and f"step {step}" in out

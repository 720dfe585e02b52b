"""`ganforge control`: a training run paused, changed, stepped and stopped from a terminal, its events listed, a fork
started from its checkpoint; every mistake one line."""
import os
import subprocess
import sys
import time

import pytest

from ganforge.cli.main import main
from ganforge.engine.run_folder import RunFolder

from helpers import SRC, cli_error


def wait_until(check, what, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def training(tmp_path):
    """`ganforge train mlp` in a subprocess, long enough to be steered (stopped by the test)."""
    args = [sys.executable, "-m", "ganforge.cli.main", "train", "mlp", "--steps", "100000", "--batch-size", "8",
            "--out", str(tmp_path), "--name", "r", "--quiet", "--set", "model.width=8", "--set", "train.threads=1",
            "--set", "data.limit=64", "--set", "train.log_every=5", "--set", "train.checkpoint_every=100000"]
    proc = subprocess.Popen(args, env={**os.environ, "PYTHONPATH": str(SRC)}, stderr=subprocess.PIPE, text=True)
    run = RunFolder(tmp_path / "r")
    try:
        wait_until(lambda: run.status().get("training") or proc.poll() is not None, "the run to start")
        assert proc.poll() is None, proc.stderr.read()
        yield run, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_pause_set_step_resume_stop_and_fork_from_a_terminal(training, capsys, tmp_path):
    run, proc = training
    assert main(["control", str(run.path), "pause"]) == 0
    paused_at = run.status()["step"]
    assert f"step {paused_at:>7}  paused" in capsys.readouterr().out and run.status()["state"] == "paused"

    assert main(["control", str(run.path), "set", "train.lr_g=1e-4", "train.d_steps=2"]) == 0
    assert "set       train.lr_g 0.0002 -> 0.0001, train.d_steps 1 -> 2  (cli)" in capsys.readouterr().out
    assert run.status()["settings"]["train.lr_g"] == 1e-4

    for bad, phrase in [(["set", "train.batch_size=4"], "'train.batch_size' cannot change while the run trains"),
                        (["set", "train.lr_gg=1e-4"], "it can change: loss.clip_value"),
                        (["set", "train.lr_g=.inf"], "must be a finite number"),
                        (["set", "train.d_steps=0"], "must be >= 1"),
                        (["set"], "set needs KEY=VALUE pairs"),
                        (["pause", "train.lr_g=1"], "pause takes no KEY=VALUE")]:
        assert phrase in cli_error(capsys, ["control", str(run.path), *bad])

    assert main(["control", str(run.path), "step"]) == 0
    wait_until(lambda: sum(e["event"] == "paused" for e in run.events_rows()[0]) == 2, "the step")
    assert run.status()["step"] == paused_at + 1
    assert main(["control", str(run.path), "resume"]) == 0
    assert main(["control", str(run.path), "stop"]) == 0
    assert proc.wait(timeout=60) == 0
    capsys.readouterr()

    assert main(["control", str(run.path), "events"]) == 0
    events = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in events] == ["started", "paused", "set", "step", "paused", "resumed", "stop",
                                                    "stopped"]
    assert "is not training; start it with `ganforge train --resume" in cli_error(
        capsys, ["control", str(run.path), "pause"])
    assert "does not exist" in cli_error(capsys, ["control", str(tmp_path / "nope"), "stop"])

    stopped = run.latest_checkpoint()
    step = int(stopped.stem.split("_")[1])
    assert main(["train", "--fork", str(stopped), "--steps", str(step + 2), "--out", str(tmp_path), "--name", "f",
                 "--quiet", "--set", "train.lr_d=5e-5"]) == 0
    child = RunFolder(tmp_path / "f")
    assert child.info()["parent"] == {"run": str(run.path.resolve()), "name": "r", "checkpoint": stopped.name,
                                      "step": step}
    cfg = child.config_dict()["train"]
    assert (cfg["lr_g"], cfg["d_steps"], cfg["lr_d"]) == (1e-4, 2, 5e-5)   # the parent's settings, then --set
    assert [p.name for p in child.checkpoints()][-1] == f"step_{step + 2:07d}.safetensors"
    assert "already its last" in cli_error(capsys, ["train", "--fork", str(run.path), "--out", str(tmp_path),
                                                    "--steps", str(step)])
    assert "keeps its parent's model" in cli_error(capsys, ["train", "--fork", str(run.path), "--out", str(tmp_path),
                                                            "--set", "model.width=4"])

"""Two processes under torchrun (gloo, loopback) reach the same weights as one process, same global batch."""
import os
import subprocess
import sys

import torch

from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint

from helpers import SRC

ARGS = ["train", "mlp", "--steps", "6", "--batch-size", "16", "--loss", "wgan-gp", "--precision", "fp32",
        "--set", "model.width=4",
        "--set", "model.dropout=0", "--set", "data.limit=128", "--set", "train.log_every=2",
        "--set", "train.checkpoint_every=6", "--set", "train.d_steps=2", "--quiet"]


def generator_weights(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    assert meta["step"] == 6
    return {k: v for k, v in tensors.items() if k.startswith(("generator.", "discriminator."))}


def test_two_processes_match_one(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    single = subprocess.run([sys.executable, "-m", "ganforge.cli.main", *ARGS, "--out", str(tmp_path),
                             "--name", "one"], env=env, capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr
    # --standalone: torchrun picks a free port itself (a port probed here could be taken before it binds)
    multi = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                            "-m", "ganforge.cli.main", *ARGS, "--out", str(tmp_path), "--name", "two"],
                           env=env, capture_output=True, text=True, timeout=300)
    assert multi.returncode == 0, multi.stderr
    one, two = generator_weights(tmp_path / "one"), generator_weights(tmp_path / "two")
    assert one.keys() == two.keys()
    for key in one:
        torch.testing.assert_close(two[key], one[key], rtol=1e-4, atol=1e-5, msg=key)
    # and training did move the weights (the comparison is not between two untouched inits)
    assert not torch.equal(one["generator.net.0.weight"], torch.zeros_like(one["generator.net.0.weight"]))


def test_each_torchrun_process_takes_its_own_gpu_before_joining_the_group(monkeypatch):
    """No GPU is lent here, so CUDA's two calls are recorded instead of made: set_device(LOCAL_RANK) must come
    before the NCCL process group is created (otherwise every rank allocates on GPU 0)."""
    import torch
    import torch.distributed as dist

    from ganforge.engine import distributed

    calls = []
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: calls.append(("set_device", index)))
    monkeypatch.setattr(dist, "init_process_group", lambda backend: calls.append(("init", backend)))
    distributed.init_from_env()
    assert calls == [("set_device", 1), ("init", "nccl")]

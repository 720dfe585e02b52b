"""Text under torchrun: two processes (gloo, loopback) each train on their half of the global batch, average their
gradients and so end with identical generator and discriminator weights; the loss falls meanwhile."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import torch

SRC = Path(__file__).resolve().parents[2] / "src"

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path

    import torch
    import torch.distributed as dist

    from ganforge.config import from_dict
    from ganforge.text.config import TextRunConfig
    from ganforge.text.task import TextTrainer

    data, out = sys.argv[1], Path(sys.argv[2])
    cfg = from_dict(TextRunConfig, {
        "model": {"name": "seqgan", "emb_dim": 8, "hidden_dim": 8, "d_emb_dim": 8, "d_num_filters": 4,
                  "rollouts": 2},
        "data": {"name": "file", "path": data, "test_path": data, "max_len": 10},
        "train": {"pretrain_steps": 12, "d_pretrain_steps": 2, "steps": 2, "d_steps": 2, "batch_size": 8,
                  "lr_pretrain": 0.02, "log_every": 4, "checkpoint_every": 100, "precision": "fp32",
                  "threads": 1}})
    trainer = TextTrainer(cfg, out / "run", quiet=True)
    trainer.fit()
    states = {f"{name}.{k}": v for name, m in trainer.state.modules.items() for k, v in m.state_dict().items()}
    torch.save({"world": dist.get_world_size(), "step": trainer.step, "states": states},
               out / f"rank{dist.get_rank()}.pt")
""")


def test_two_processes_train_text_to_identical_weights(tmp_path):
    data = tmp_path / "few.txt"
    data.write_text("\n".join(["a man sits on the bench", "a dog eats the food", "the red car near a street",
                               "a cat on a table"] * 10) + "\n")
    script = tmp_path / "train_text.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(script), str(data), str(tmp_path)], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2] and [r["step"] for r in ranks] == [16, 16]
    a, b = ranks[0]["states"], ranks[1]["states"]
    assert a.keys() == b.keys() and any(k.startswith("discriminator.") for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # the run trained: the MLE loss fell, and every phase logged from rank 0 only
    rows = [json.loads(line) for line in (tmp_path / "run" / "stats.jsonl").read_text().splitlines()]
    nll = [r["pretrain_g/nll"] for r in rows if "pretrain_g/nll" in r]
    assert len(nll) == 3 and nll[0] > nll[1] > nll[2] and nll[2] < nll[0] - 0.1, nll
    assert {r.get("phase") for r in rows} == {"pretrain_g", "pretrain_d", "adversarial"}
    assert [p.name for p in (tmp_path / "run" / "checkpoints").iterdir()] == ["step_0000016.safetensors"]

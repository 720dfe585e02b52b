"""The 2D toy family: preset geometry, `ganforge train gan2d` end to end, exact resume, one critic objective."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

import ganforge
from ganforge.cli.main import main
from ganforge.config import from_dict
from ganforge.engine.checkpoint import load_checkpoint
from ganforge.engine.loop import Trainer
from ganforge.losses import create_loss, r1_penalty
from ganforge.losses.objectives import discriminator_objective
from ganforge.toy2d import nets
from ganforge.toy2d.config import Toy2dConfig
from ganforge.toy2d.data import make_toy_data
from ganforge.toy2d.task import Toy2dTask
from ganforge.web.lab import LabSession, parse_config


def tiny(**sections) -> Toy2dConfig:
    base = {"model": {"hidden": 16, "layers": 2, "latent_dim": 4},
            "data": {"name": "ring8"},
            "train": {"steps": 6, "batch_size": 8, "log_every": 2, "sample_every": 3, "checkpoint_every": 3,
                      "ema_decay": 0.9, "keep_checkpoints": 5}}
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return from_dict(Toy2dConfig, base)


# ---------------------------------------------------------------------- data presets
def test_benchmark_presets_keep_their_exact_geometry():
    ring8 = make_toy_data("ring8")
    angles = np.arange(8) * 2 * math.pi / 8   # the benchmark's definition, in float64
    expected = np.stack([2 * np.cos(angles), 2 * np.sin(angles)], 1)
    assert ring8.std == 0.02 and ring8.centers.dtype == torch.float32
    assert torch.equal(ring8.centers, torch.as_tensor(expected, dtype=torch.float32))
    grid25 = make_toy_data("grid25")
    axis = np.arange(-4, 5, 2, dtype=np.float64)
    expected = np.array([(x, y) for x in axis for y in axis])
    assert grid25.std == 0.05 and torch.equal(grid25.centers, torch.as_tensor(expected, dtype=torch.float32))
    # draws as the benchmark drew: a mode index, then Gaussian noise, from the same generator
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    idx = torch.randint(0, 25, (100,), generator=g2)
    assert torch.equal(grid25.sample(100, g1), grid25.centers[idx] + 0.05 * torch.randn(100, 2, generator=g2))


def test_lab_presets_are_the_same_definitions_with_their_own_geometry():
    ring, ring8 = make_toy_data("ring"), make_toy_data("ring8")
    assert ring.std == 0.05 and torch.equal(ring.centers, ring8.centers)   # radius 2, wider modes
    grid = make_toy_data("grid")
    assert grid.std == 0.05 and torch.equal(grid.centers, make_toy_data("grid25").centers / 2)   # spacing 1
    assert make_toy_data("moons").centers is None


# ---------------------------------------------------------------------- the family end to end
def test_train_gan2d_writes_a_run_folder_and_loads(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["train", "gan2d", "--data", "ring8", "--steps", "4", "--out", str(out), "--name", "t",
                 "--set", "model.hidden=16", "--set", "train.batch_size=8", "--set", "train.sample_every=2",
                 "--set", "train.eval_every=2", "--set", "train.eval_samples=100", "--quiet"]) == 0
    run = out / "t"
    info = json.loads((run / "run.json").read_text())
    assert info["family"] == "toy2d" and info["model"] == "gan2d" and info["data"] == "ring8"
    plots = sorted((run / "samples").glob("step_*.png"))
    assert [p.name for p in plots] == ["step_0000002.png", "step_0000004.png"]
    assert Image.open(plots[-1]).size == (480, 480)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and rows[0]["values"]["num_modes"] == 8
    assert (run / "stats.jsonl").is_file() and (run / "checkpoints" / "step_0000004.safetensors").is_file()

    g = ganforge.load(run)
    points = g.sample(10, seed=0)
    assert points.shape == (10, 2) and points.dtype == torch.float32 and g.step == 4
    assert torch.equal(points, g.sample(10, seed=0)) and not torch.equal(points, g.sample(10, seed=1))
    g.save(points, tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz") as f:
        assert np.array_equal(f["points"], points.numpy())
    assert main(["sample", str(run), "--n", "50", "--out", str(tmp_path / "s.png")]) == 0
    assert Image.open(tmp_path / "s.png").size == (480, 480)
    assert main(["eval", str(run), "--n", "200", "--out", str(tmp_path / "q.json")]) == 0
    assert json.loads((tmp_path / "q.json").read_text())["num_modes"] == 8
    assert "gan2d" in ganforge.list_models() and "mlp" in ganforge.list_models()


def test_a_toy_run_resumes_exactly(tmp_path):
    cfg = tiny(loss={"name": "wgan-gp", "r1_weight": 0.1}, model={"pack": 2}, train={"d_steps": 2})
    whole = Trainer(Toy2dTask(cfg), tmp_path / "whole", quiet=True)
    end = whole.fit()
    first = Trainer(Toy2dTask(cfg), tmp_path / "split", quiet=True)
    first.fit(stop_at=3)
    second = Trainer(Toy2dTask(cfg), tmp_path / "split", quiet=True)
    assert second.resume() and second.step == 3
    resumed_end = second.fit(resume=True)
    a, _ = load_checkpoint(end)
    b, _ = load_checkpoint(resumed_end)
    weights = [k for k in a if k.split(".")[0] in ("generator", "discriminator", "ema")]
    assert weights and all(torch.equal(a[k], b[k]) for k in weights)


# ---------------------------------------------------------------------- one critic objective
def test_the_lab_step_and_the_task_use_the_same_objective(monkeypatch, tmp_path):
    session = LabSession("s", parse_config({"loss": "wgan-gp", "g_hidden": [16], "d_hidden": [16, 16]}))
    task = Toy2dTask(tiny(loss={"name": "wgan-gp", "r1_weight": 0.0}, model={"pack": 1}))
    task.D.load_state_dict(session.D.state_dict())
    g = torch.Generator().manual_seed(0)
    real, fake, eps = torch.randn(32, 2, generator=g), torch.randn(32, 2, generator=g), torch.rand(32, generator=g)
    direct = discriminator_objective(task.loss, task.D, real, fake, eps=eps)[0]
    assert session.d_objective(real, fake, eps).item() == task.d_objective(real, fake, eps)[0].item() \
        == direct.item()

    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs.get("r1_real"))
        return discriminator_objective(*args, **kwargs)

    monkeypatch.setattr(nets, "discriminator_objective", spy)
    session.step_d()
    Trainer(task, tmp_path / "run", quiet=True).train_step()
    assert len(calls) == 2


def test_a_packed_critic_takes_r1_on_the_packed_view():
    D = nets.Critic((8,), pack=2)
    loss = create_loss(from_dict(Toy2dConfig, {}).loss)
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    total, real_logits, _ = nets.critic_objective(loss, D, real, fake, r1_weight=0.5)
    assert real_logits.shape == (8,)
    plain = loss.discriminator(D(real), D(fake))
    torch.testing.assert_close(total, plain + 0.25 * r1_penalty(D, real.reshape(8, 4)))

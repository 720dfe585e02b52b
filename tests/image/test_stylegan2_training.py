"""StyleGAN2-lite in the image task: lazy R1 and path length on their intervals, exact resume, sampling in W,
style-mixing grids, projection and the commands' bad inputs."""
import dataclasses
import json

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.engine.loop import Trainer
from ganforge.image.task import ImageTask

from helpers import cli_error, tiny_config, untrained_run

STYLE = dict(model={"name": "stylegan2", "width": 4, "latent_dim": 8, "mapping_layers": 2},
             loss={"r1_weight": 0.05, "r1_every": 2, "path_length_every": 3},
             train={"batch_size": 4, "lr_g": 0.002, "lr_d": 0.002, "beta1": 0.0, "beta2": 0.99,
                    "ema_half_life_images": 40, "ema_rampup": 0.5, "log_every": 1})


def style_config(steps):
    """16 px (3 synthesis blocks): the cheapest StyleGAN2 the task trains."""
    return tiny_config(model={**STYLE["model"], "image_size": 16}, loss=STYLE["loss"],
                       train={**STYLE["train"], "steps": steps, "checkpoint_every": 2, "sample_every": 100})


def recording(trainer, calls):
    """Wrap the task's updates so every loss evaluation is recorded as (update name, step)."""
    task, original = trainer.task, trainer.task.updates

    def updates(step, phase, index):
        return [dataclasses.replace(u, loss=lambda i, u=u: (calls.append((u.name, step)), u.loss(i))[1])
                for u in original(step, phase, index)]

    task.updates = updates
    return trainer


def weights(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


def test_lazy_r1_and_path_length_run_on_their_intervals_and_resume_is_exact(tmp_path):
    calls = []
    whole = recording(Trainer(ImageTask(style_config(4)), tmp_path / "whole", quiet=True), calls)
    whole.fit()
    assert [s for name, s in calls if name == "r1"] == [0, 2]
    assert [s for name, s in calls if name == "pl"] == [0, 3]
    assert [s for name, s in calls if name == "g"] == list(range(4))
    stats = [json.loads(line) for line in (tmp_path / "whole" / "stats.jsonl").read_text().splitlines()]
    assert [("loss/r1" in row, "loss/pl" in row) for row in stats] == [(True, True), (False, False), (True, False),
                                                                        (False, True)]

    Trainer(ImageTask(style_config(2)), tmp_path / "split", quiet=True).fit()
    Trainer(ImageTask(style_config(4)), tmp_path / "split", quiet=True).fit(resume=True)
    a, meta = weights(tmp_path / "whole")
    b, _ = weights(tmp_path / "split")
    assert meta["step"] == 4 and a.keys() == b.keys()
    assert {"generator.mapping_net.w_avg", "generator.pl_mean", "ema.mapping_net.w_avg"} <= a.keys()
    assert float(a["generator.pl_mean"]) > 0 and float(a["generator.mapping_net.w_avg"].abs().sum()) > 0
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.fixture(scope="module")
def style_run(tmp_path_factory):
    return untrained_run(tmp_path_factory.mktemp("sg") / "run", **{k: v for k, v in STYLE.items() if k != "train"})


def test_truncation_in_w_mixing_grid_and_sweep(style_run):
    from ganforge.family import load
    from ganforge.image.explore import style_mix_grid, truncation_sweep

    g = load(style_run)
    assert g.truncation_space == "w"
    with torch.no_grad():
        g.generator.mapping_net.w_avg.normal_()                      # an untrained run's average is 0: move it
    a, b = g.sample(3, seed=1, truncation=0.0), g.sample(3, seed=2, truncation=0.0)
    assert all(torch.equal(a[0], img) for img in torch.cat([a, b]))
    assert not torch.equal(g.sample(3, seed=1)[0], g.sample(3, seed=2)[0])
    grid = style_mix_grid(g, [1, 2, 3], [4, 5], crossover=4)
    assert grid.shape == (12, 1, 28, 28) and grid.dtype == torch.uint8
    assert torch.equal(grid[1], g.sample(1, seed=4)[0]) and torch.equal(grid[3], g.sample(1, seed=1)[0])
    assert torch.equal(style_mix_grid(g, [1], [4], crossover=g.generator.num_ws)[3], grid[3])   # all of A's styles
    assert torch.equal(style_mix_grid(g, [1], [4], crossover=0)[3], grid[1])                    # all of B's
    sweep = truncation_sweep(g, rows=2, seed=0)
    assert sweep.shape == (18, 1, 28, 28) and torch.equal(sweep[0], g.sample(2, seed=0, truncation=1.0)[0])


def test_project_reduces_the_reconstruction_error(style_run):
    from ganforge.family import load
    from ganforge.image.project import project

    g = load(style_run)
    target = g.sample(1, seed=7)[0]
    result = project(g, target, steps=12, lr=0.2, progress=False)
    assert result.w.shape == (g.generator.num_ws, 8) and result.image.shape == (1, 28, 28)
    assert result.error < 0.7 * result.initial_error
    assert result.loss == "pixels + MNIST classifier features"


def test_project_and_mix_commands_and_their_bad_inputs(style_run, tmp_path, capsys):
    from ganforge.cli.main import main

    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 36, 3), dtype=np.uint8)).save(tmp_path / "t.png")
    out = tmp_path / "p.png"
    assert main(["project", str(style_run), str(tmp_path / "t.png"), "--steps", "2", "--out", str(out),
                 "--no-provenance", "--pixels-only"]) == 0
    captured = capsys.readouterr()
    assert "note: t.png: converted RGB to grayscale; resized 36x40 to 28x28" in captured.err
    assert np.load(tmp_path / "p.npy").shape == (8, 8) and Image.open(out).size == (32, 32)
    report = json.loads((tmp_path / "p.json").read_text())
    assert len(report["mse_per_step"]) == 2 and report["loss"] == "pixels"

    assert main(["sample", str(style_run), "--mix", "0-2", "5,6", "--out", str(tmp_path / "mix.png"),
                 "--no-provenance"]) == 0
    assert "style-mixing grid" in capsys.readouterr().out

    (tmp_path / "notes.png").write_text("not an image")
    assert "cannot read image" in cli_error(capsys, ["project", str(style_run), str(tmp_path / "notes.png")])
    dcgan = untrained_run(tmp_path / "dcgan")
    assert "needs a model with a mapping network" in cli_error(capsys, ["project", str(dcgan), str(tmp_path / "t.png")])
    assert "needs a model with a mapping network" in cli_error(capsys, ["sample", str(dcgan), "--mix", "1", "2"])
    assert "is not a seed" in cli_error(capsys, ["sample", str(style_run), "--mix", "1", "x"])
    assert "psi must be >= 0 (got nan)" in cli_error(capsys, ["sample", str(style_run), "--truncation", "nan"])
    assert "drop --prompt" in cli_error(capsys, ["sample", str(style_run), "--prompt", "a thin 7"])
    assert "--lr a number > 0" in cli_error(capsys, ["project", str(style_run), str(tmp_path / "t.png"), "--lr", "nan"])
    if not torch.cuda.is_available():
        err = cli_error(capsys, ["project", str(style_run), str(tmp_path / "t.png"), "--device", "cuda"])
        assert "no CUDA GPU" in err
    assert "unknown device 'foo'" in cli_error(capsys, ["sample", str(style_run), "--device", "foo"])

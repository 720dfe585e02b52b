"""Mode-collapse warning during training: a run with far too high learning rates triggers it, a healthy
run does not; the eval hook writes metrics.jsonl, TensorBoard scalars and the best checkpoint."""
import json

import numpy as np
import pytest

from ganforge.config import from_dict
from ganforge.image.config import RunConfig
from ganforge.image.data import load_split
from ganforge.metrics.collapse import CollapseDetector
from ganforge.metrics.training_hook import EvalHook
from ganforge.image.task import ImageTrainer


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    images = load_split("embedded").images[-1000:]
    path = tmp_path_factory.mktemp("ref") / "ref.npz"
    np.savez(path, images=images[:, 0].numpy())
    return path


def train(run_dir, reference, lr_g, lr_d, steps=150, model="dcgan"):
    cfg = from_dict(RunConfig, {
        "model": {"name": model, "width": 8, "latent_dim": 32, "dropout": 0.0},
        "data": {"name": "embedded", "limit": 2000},
        "train": {"steps": steps, "batch_size": 32, "lr_g": lr_g, "lr_d": lr_d, "ema_decay": 0.0, "log_every": 50,
                  "sample_every": 1000, "checkpoint_every": 1000, "threads": 1}})
    trainer = ImageTrainer(cfg, run_dir, quiet=True)   # the hook samples the trainer's task
    hook = EvalHook(run_dir, every=steps, sampler=lambda: trainer.task.fixed_samples(500, 0), metrics="fid",
                    ref=str(reference), quiet=True, save_best=trainer.save_best,
                    reference_samples=np.load(reference)["images"][:, None])
    trainer.hooks.append(hook)
    trainer.fit()
    hook.close()
    return hook


def test_collapsing_run_warns_and_healthy_run_does_not(metrics_cache, reference, tmp_path, capsys):
    healthy = train(tmp_path / "healthy", reference, lr_g=2e-4, lr_d=2e-4)
    assert healthy.events == []
    rows = [json.loads(line) for line in (tmp_path / "healthy" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [150]
    assert all(not r["collapse"]["collapsed"] and r["card"]["num_samples"] == 500 for r in rows)
    best = tmp_path / "healthy" / "checkpoints" / "best.safetensors"
    assert best.is_file()
    assert list((tmp_path / "healthy" / "tb").glob("*.eval"))

    # the textbook collapse: a generator learning far too fast (lr 0.01) against a discriminator that cannot
    # keep up (frozen) moves every sample to the one image the discriminator likes best
    collapsed = train(tmp_path / "collapsed", reference, lr_g=0.01, lr_d=0.0, steps=100, model="mlp")
    assert collapsed.events, "the collapse warning did not fire"
    assert "possible mode collapse" in capsys.readouterr().err


def test_detector_ratios_on_real_and_copied_features():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(400, 8))
    probs = np.eye(10)[rng.integers(0, 10, 400)]
    det = CollapseDetector(real, probs)
    ok = det.check(rng.normal(size=(400, 8)), np.eye(10)[rng.integers(0, 10, 400)])
    assert not ok.collapsed and 0.9 < ok.diversity_ratio < 1.1 and ok.entropy_ratio > 0.95
    copies = det.check(np.repeat(real[:2], 200, 0) + 1e-3 * rng.normal(size=(400, 8)), np.eye(10)[np.zeros(400, int)])
    assert copies.collapsed and copies.entropy_ratio < 0.01 and "mode collapse" in copies.message

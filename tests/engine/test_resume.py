"""A run stopped at step k and resumed equals an uninterrupted run, bit for bit (CPU)."""
import pytest
import torch

from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.image.task import ImageTrainer

from helpers import tiny_config


def final_tensors(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


@pytest.mark.parametrize("model,loss,precision", [("dcgan", "nonsaturating", "fp32"), ("dcgan", "nonsaturating", "bf16"),
                                                  ("mlp", "wgan-gp", "fp32"), ("mlp", "wgan-gp", "bf16"),
                                                  ("upconv-dcgan", "hinge", "bf16")])
def test_resume_is_exact(tmp_path, model, loss, precision):
    sections = dict(model={"name": model, "num_classes": 10}, loss={"name": loss, "r1_weight": 0.1},
                    train={"steps": 6, "d_steps": 2, "precision": precision})
    whole = ImageTrainer(tiny_config(**sections), tmp_path / "whole")
    whole.fit()

    first = ImageTrainer(tiny_config(**{**sections, "train": {**sections["train"], "steps": 3}}), tmp_path / "split")
    first.fit()
    assert first.step == 3
    second = ImageTrainer(tiny_config(**sections), tmp_path / "split")
    second.fit(resume=True)
    assert second.step == 6

    a, meta_a = final_tensors(tmp_path / "whole")
    b, meta_b = final_tensors(tmp_path / "split")
    assert meta_a["step"] == meta_b["step"] == 6
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_resume_continues_where_it_stopped_not_from_scratch(tmp_path):
    ImageTrainer(tiny_config(train={"steps": 3}), tmp_path / "r").fit()
    resumed = ImageTrainer(tiny_config(train={"steps": 6}), tmp_path / "r")
    resumed.fit(resume=True)
    steps = [int(p.stem.split("_")[1]) for p in checkpoint_files(tmp_path / "r" / "checkpoints")]
    assert steps == [3, 6]


def test_learning_rate_decays_linearly_over_the_last_steps_and_resumes_exactly(tmp_path):
    import os
    import signal

    sections = dict(train={"steps": 6, "lr_decay_steps": 4, "lr_g": 1e-3, "lr_d": 2e-3})
    seen = []
    whole = ImageTrainer(tiny_config(**sections), tmp_path / "whole")
    opts = whole.state.optimizers
    whole.hooks.append(lambda step, ended: seen.append(opts["optim_g"].param_groups[0]["lr"]))
    whole.hooks.append(lambda step, ended: seen.append(opts["optim_d"].param_groups[0]["lr"]))
    whole.fit()
    factors = [1, 1, 1, 3 / 4, 2 / 4, 1 / 4]     # steps 0..5: constant, then linear over the last 4
    # a flat list: pytest >= 9 refuses approx() of nested structures
    assert seen == pytest.approx([lr * f for f in factors for lr in (1e-3, 2e-3)])

    # stopped at step 3 by a signal (same config, so the schedule is the same), then resumed
    first = ImageTrainer(tiny_config(**sections), tmp_path / "split")
    first.hooks.append(lambda step, ended: os.kill(os.getpid(), signal.SIGINT) if step == 3 else None)
    first.fit()
    assert first.step == 3 and first.stop_reason
    second = ImageTrainer(tiny_config(**sections), tmp_path / "split")
    second.fit(resume=True)
    a, _ = final_tensors(tmp_path / "whole")
    b, _ = final_tensors(tmp_path / "split")
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_learning_rate_decay_longer_than_the_run_is_a_config_error(tmp_path):
    from ganforge.errors import ConfigError

    with pytest.raises(ConfigError, match="lr_decay_steps=10 is more than the run's 6 steps"):
        ImageTrainer(tiny_config(train={"steps": 6, "lr_decay_steps": 10}), tmp_path / "r")


def test_a_rate_given_at_resume_is_the_rate_the_optimizer_uses_and_is_printed(tmp_path):
    from helpers import run_cli

    common = ["--set", "model.width=8", "--set", "model.latent_dim=16", "--set", "data.limit=256",
              "--set", "train.batch_size=16", "--set", "train.checkpoint_every=2", "--out", str(tmp_path)]
    first = run_cli(["train", "dcgan", "--steps", "2", "--name", "r", *common], cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = run_cli(["train", "--resume", str(tmp_path / "r"), "--steps", "4", "--set", "train.lr_g=1e-5",
                   "--set", "train.beta1=0.3"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # dcgan's recommended lr 3e-4 -> the rate given at resume
    assert "optim_g lr 0.0003 -> 1e-05" in out.stderr and "optim_g betas (0.5, 0.999) -> (0.3, 0.999)" in out.stderr
    assert "optim_d lr" not in out.stderr                    # unchanged rates are not reported
    _, meta = final_tensors(tmp_path / "r")
    assert meta["optim_g"]["param_groups"][0]["lr"] == 1e-5
    assert meta["optim_d"]["param_groups"][0]["lr"] == 3e-4                # dcgan's recommended rate, kept
    assert "lr_g: 1.0e-05" in (tmp_path / "r" / "config.yaml").read_text()


def test_resuming_with_the_runs_own_config_changes_nothing(tmp_path):
    ImageTrainer(tiny_config(train={"lr_decay_steps": 4, "steps": 6}), tmp_path / "r").fit(stop_at=3)
    resumed = ImageTrainer(tiny_config(train={"lr_decay_steps": 4, "steps": 6}), tmp_path / "r")
    assert resumed.resume() and resumed.step == 3
    assert resumed.resume_changes == []

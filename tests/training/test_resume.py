"""A run stopped at step k and resumed equals an uninterrupted run, bit for bit (CPU)."""
import pytest
import torch

from ganforge.training.checkpoint import checkpoint_files, load_checkpoint
from ganforge.training.image_trainer import ImageTrainer

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

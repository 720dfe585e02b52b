"""ADA and DiffAugment in training: every image model, conditional and PacGAN, exact resume with p restored, the CLI."""
import json

import pytest
import torch

from ganforge.cli.main import main
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.image.task import ImageTrainer
from helpers import cli_error, tiny_config


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models train fastest on one thread (two threads of a busy machine spin against each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def final_tensors(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


@pytest.mark.parametrize("sections", [
    dict(model={"num_classes": 10, "conditioning": "concat"}, loss={"r1_weight": 0.1},
         augment={"kind": "ada", "p": 0.5, "ada_kimg": 0.5, "ada_interval": 2}),
    dict(model={"name": "mlp", "pack": 2}, loss={"name": "wgan-gp"}, augment={"kind": "diffaugment"}),
])
def test_resume_with_augmentation_is_exact_and_restores_p(tmp_path, sections):
    sections = {**sections, "train": {"steps": 4, "sample_every": 100, "checkpoint_every": 100}}
    ImageTrainer(tiny_config(**sections), tmp_path / "whole").fit()
    first = ImageTrainer(tiny_config(**{**sections, "train": {**sections["train"], "steps": 2}}), tmp_path / "split")
    first.fit()
    second = ImageTrainer(tiny_config(**sections), tmp_path / "split")
    second.resume()
    if sections["augment"]["kind"] == "ada":
        saved, _ = load_checkpoint(checkpoint_files(tmp_path / "split" / "checkpoints")[-1])
        assert 0.5 != second.task.augment.p.item() == saved["augment.ada.p"].item()   # p moved and came back
    second.fit(resume=True)
    a, _ = final_tensors(tmp_path / "whole")
    b, _ = final_tensors(tmp_path / "split")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_a_30_step_dcgan_run_with_ada_logs_p_and_r_t(tmp_path, capsys):
    code = main(["train", "dcgan", "--augment", "ada", "--steps", "30", "--batch-size", "8", "--out", str(tmp_path),
                 "--name", "ada", "--quiet", "--set", "model.width=4", "--set", "model.latent_dim=8",
                 "--set", "data.limit=64", "--set", "train.log_every=5", "--set", "train.sample_every=100",
                 "--set", "augment.ada_kimg=0.25"])
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in (tmp_path / "ada" / "stats.jsonl").read_text().splitlines()]
    p = [r["augment/p"] for r in rows]
    assert len(p) == 6 and all(0 <= v <= 1 for v in p) and len(set(p)) > 1
    assert all(-1 <= r["augment/rt"] <= 1 for r in rows)
    tensors, _ = final_tensors(tmp_path / "ada")
    assert abs(tensors["augment.ada.p"].item() - p[-1]) <= 8 * 4 / 250   # the last row: a mean over 5 steps


def test_an_unknown_policy_is_a_one_line_error(tmp_path, capsys):
    err = cli_error(capsys, ["train", "dcgan", "--augment", "diffaugment", "--steps", "1", "--out", str(tmp_path),
                             "--set", "augment.policy=translation,blur"])
    assert "unknown augmentation 'blur'" in err and "cutout" in err and "translation" in err


def test_ada_switched_on_when_a_run_without_it_resumes_starts_from_its_p(tmp_path):
    ImageTrainer(tiny_config(train={"steps": 2, "sample_every": 100}), tmp_path / "r").fit()
    resumed = ImageTrainer(tiny_config(train={"steps": 4, "sample_every": 100}, augment={"kind": "ada", "p": 0.25, "ada_interval": 8}),
                           tmp_path / "r")
    resumed.fit(resume=True)
    assert resumed.step == 4 and resumed.task.augment.p.item() == 0.25
    tensors, _ = final_tensors(tmp_path / "r")
    assert tensors["augment.ada.p"].item() == 0.25 and tensors["augment.ada.count"].item() == 2 * 16

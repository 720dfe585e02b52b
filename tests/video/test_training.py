"""Training MoCoGAN and TGAN: exact resume, the run folder's schema, conditional models, bad data in one line."""
from __future__ import annotations

import json

import pytest
import torch

import ganforge

from ganforge.cli.main import main
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.engine.loop import Trainer
from ganforge.video.task import VideoTask
from helpers import cli_error
from video_helpers import TINY_FLAGS, tiny


def final_tensors(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


@pytest.mark.parametrize("model", ["mocogan", "tgan"])
def test_a_stopped_and_resumed_run_equals_an_uninterrupted_one(tmp_path, clip_folder, model):
    cfg = tiny(model, clip_folder)
    Trainer(VideoTask(cfg), tmp_path / "whole", quiet=True).fit()
    first = Trainer(VideoTask(cfg), tmp_path / "split", quiet=True)
    first.fit(stop_at=2)
    second = Trainer(VideoTask(cfg), tmp_path / "split", quiet=True)
    second.fit(resume=True)
    assert second.step == 4 and second.resumed_from.name == "step_0000002.safetensors"
    a, meta = final_tensors(tmp_path / "whole")
    b, _ = final_tensors(tmp_path / "split")
    assert a.keys() == b.keys() and meta["step"] == 4
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # the discriminators of each model, the EMA generator, and the run folder's schema
    heads = {k.split(".")[1] for k in a if k.startswith("discriminator.")}
    assert heads == ({"image", "video"} if model == "mocogan" else {"video"})
    assert any(k.startswith("ema.") for k in a)
    info = json.loads((tmp_path / "split" / "run.json").read_text())
    assert info["family"] == "video" and info["model"] == model and info["data_dir"] == str(clip_folder.resolve())
    assert meta["model_config"]["channels"] == 1 and meta["family"] == "video"
    samples = sorted(p.name for p in (tmp_path / "split" / "samples").iterdir())
    assert samples == ["step_0000002.gif", "step_0000004.gif"]


def test_a_conditional_model_needs_labelled_clips_and_samples_the_digits_asked_for(tmp_path, clip_folder,
                                                                                   moving_mnist, capsys):
    err = cli_error(capsys, ["train", "mocogan", "--data", str(clip_folder), "--out", str(tmp_path / "runs"),
                             "--conditional", *TINY_FLAGS])
    assert "needs clips with digit labels" in err and "moving-mnist" in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    runs = tmp_path / "runs"
    assert main(["train", "mocogan", "--data", str(moving_mnist), "--out", str(runs), "--name", "c", "--conditional",
                 "--set", "train.sample_format=mp4", *TINY_FLAGS]) == 0
    assert (runs / "c" / "samples" / "step_0000002.mp4").stat().st_size > 0
    g = ganforge.load(runs / "c")
    assert g.config.conditional and g.config.digits == 1 and g.config.channels == 1
    threes, labels = g.sample(3, labels=3, seed=1, return_labels=True)
    assert labels.tolist() == [[3]] * 3 and threes.shape == (3, 4, 1, 16, 16)
    assert not torch.equal(threes, g.sample(3, labels=7, seed=1))    # the label reaches the generator
    err = cli_error(capsys, ["sample", str(runs / "c"), "--labels", "3,7", "--out", str(tmp_path / "x.gif")])
    assert "1 digit(s): give 1 label(s) per clip" in err
    assert main(["sample", str(runs / "c"), "--labels", "3", "--n", "2", "--out", str(tmp_path / "x.gif")]) == 0


@pytest.mark.parametrize("make,message", [
    (lambda d: None, "no clips"),
    (lambda d: (d / "broken.mp4").write_bytes(b"not a video at all"), "cannot read clip"),
    (lambda d: d.joinpath("x.txt").write_text("hi") and None, "no clips"),
])
def test_bad_clip_folders_are_one_line_errors_and_leave_no_run(tmp_path, capsys, make, message):
    data = tmp_path / "data"
    data.mkdir()
    make(data)
    err = cli_error(capsys, ["train", "mocogan", "--data", str(data), "--out", str(tmp_path / "runs"), *TINY_FLAGS])
    assert message in err and ("remove" in err or "put short clips" in err)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_clip_with_frames_of_different_sizes_is_named_with_the_fix(tmp_path, capsys):
    from PIL import Image

    data = tmp_path / "data"
    data.mkdir()
    Image.new("L", (16, 16)).save(data / "odd.tif", save_all=True, append_images=[Image.new("L", (8, 12))] * 4)
    err = cli_error(capsys, ["train", "tgan", "--data", str(data), "--out", str(tmp_path / "runs"), *TINY_FLAGS])
    assert "odd.tif has frames of different sizes (16x16 at frame 0, 8x12 at frame 1)" in err and "scale=16:16" in err

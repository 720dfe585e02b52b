"""`ganforge train pix2pix|cyclegan`, `ganforge translate`, `ganforge.load(RUN).translate` and the one-line errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganforge
from ganforge.cli.main import main
from ganforge.errors import GanforgeError
from ganforge.translation.data.folders import load_translation_data

from helpers import cli_error
from translation_helpers import write_side_by_side, write_unpaired

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "runs-0.1.0"
TINY = ["--set", "model.image_size=16", "--set", "model.width=4", "--set", "model.blocks=1", "--set",
        "train.threads=1", "--batch-size", "4", "--quiet"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A pix2pix run on paired outlines -> rectangles (with a test split) and a CycleGAN run whose B is colour."""
    root = tmp_path_factory.mktemp("translation-runs")
    write_side_by_side(root / "paired", n=12)
    write_side_by_side(root / "paired", n=4, split="test", seed=3)
    write_unpaired(root / "unpaired", n_a=8, n_b=8, rgb_b=True)
    assert main(["train", "pix2pix", "--data", str(root / "paired"), "--steps", "4", "--out", str(root), "--name",
                 "p2p", *TINY]) == 0
    assert main(["train", "cyclegan", "--data", str(root / "unpaired"), "--steps", "4", "--out", str(root), "--name",
                 "cyc", *TINY]) == 0
    return root


def test_runs_follow_the_run_folder_schema_and_load(runs):
    info = json.loads((runs / "p2p" / "run.json").read_text())
    assert info["family"] == "translation" and info["model"] == "pix2pix" and info["directions"] == ["AtoB"]
    assert (runs / "p2p" / "samples" / "step_0000004.png").is_file()
    assert (runs / "cyc" / "checkpoints" / "step_0000004.safetensors").is_file()
    t = ganforge.load(runs / "cyc")
    assert t.directions == ["AtoB", "BtoA"] and t.channels("AtoB") == (1, 3) and t.step == 4
    a = torch.rand(3, 1, 16, 16) * 2 - 1
    b, back = t.cycle(a, "AtoB")
    assert b.shape == (3, 3, 16, 16) and back.shape == (3, 1, 16, 16) and b.abs().max() <= 1
    # any input size is resized to the model's; the same input gives the same output (eval mode: no dropout)
    p = ganforge.load(runs / "p2p")
    out = p.translate(torch.rand(2, 1, 40, 40) * 2 - 1)
    assert out.shape == (2, 1, 16, 16) and torch.equal(p.translate(torch.zeros(1, 1, 16, 16)),
                                                       p.translate(torch.zeros(1, 1, 16, 16)))
    assert "cyclegan" in ganforge.list_models() and "pix2pix" in ganforge.list_models()


def test_translate_command_writes_an_image_or_a_folder(runs, tmp_path, capsys):
    assert main(["translate", str(runs / "p2p"), str(runs / "paired" / "test"), "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["000.png", "001.png", "002.png", "003.png"]
    assert Image.open(tmp_path / "o" / "000.png").size == (16, 16)
    one = runs / "unpaired" / "trainB" / "b000.png"
    assert main(["translate", str(runs / "cyc"), str(one), "--direction", "BtoA", "--compare",
                 "--out", str(tmp_path / "one.png")]) == 0
    assert Image.open(tmp_path / "one.png").size == (48, 16)   # B | B->A | B->A->B
    assert "translated 1 image(s) BtoA" in capsys.readouterr().out


def test_eval_says_what_it_scores(runs, capsys):
    assert main(["eval", str(runs / "p2p")]) == 0
    out = capsys.readouterr().out
    assert "on 4 test pairs AtoB: L1" in out and "PSNR" in out and "has no labels" in out
    assert main(["eval", str(runs / "cyc")]) == 0
    assert "round-trip L1 A->B->A" in capsys.readouterr().out


def test_eval_on_a_built_data_set_adds_the_learned_metrics_and_their_card(tmp_path, capsys):
    """A pix2pix run on a built edges2digits set: `ganforge eval` adds the classifier accuracy next to its ceiling,
    FID/KID against the target test split and paired L1, with the card (needs MNIST through GANFORGE_DATA)."""
    import os

    from ganforge.translation.data.builders import build

    if not (Path(os.environ.get("GANFORGE_DATA") or "/nonexistent") / "mnist").is_dir():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")
    build("edges2digits", tmp_path / "e2d", n=24, size=28, progress=False)
    assert main(["train", "pix2pix", "--data", str(tmp_path / "e2d"), "--steps", "2", "--out", str(tmp_path),
                 "--name", "p", *TINY[:2], "--set", "model.image_size=28", *TINY[4:]]) == 0
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "p"), "--out", str(tmp_path / "score.json")]) == 0
    out = capsys.readouterr().out
    assert "fcn_accuracy" in out and "fcn_ceiling" in out and "translated_fid" in out and "judge:" in out
    learned = json.loads((tmp_path / "score.json").read_text())["learned"]
    assert learned["card"]["judge"] == "mnist-classifier" and learned["card"]["num_samples"] == 24
    assert 0 <= learned["values"]["fcn_accuracy"] <= 1 and learned["values"]["fcn_ceiling"] > 0.8


def test_models_lists_the_family(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "pix2pix          translation" in out and "cyclegan         translation" in out


# ---------------------------------------------------------------------- bad input: one line with the fix
def test_a_translation_run_given_to_sample_points_to_translate(runs, capsys):
    assert "use `ganforge translate" in cli_error(capsys, ["sample", str(runs / "p2p")])
    with pytest.raises(GanforgeError, match="ganforge translate"):
        ganforge.load(runs / "p2p").sample(4)


def test_an_image_run_given_to_translate_points_to_sample(capsys):
    run = next(p for p in FIXTURES.iterdir() if p.name.startswith("image"))
    assert "`ganforge sample`" in cli_error(capsys, ["translate", str(run), "x.png", "--out", "y.png"])


def test_a_grayscale_model_refuses_a_colour_image_unless_converted(runs, tmp_path, capsys):
    rgb = tmp_path / "colour.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(rgb)
    err = cli_error(capsys, ["translate", str(runs / "p2p"), str(rgb), "--out", str(tmp_path / "o.png")])
    assert "colour image" in err and "--convert" in err
    assert main(["translate", str(runs / "p2p"), str(rgb), "--convert", "--out", str(tmp_path / "o.png")]) == 0
    gray_as_rgb = tmp_path / "gray.png"   # an RGB file without colour is a grayscale image
    Image.fromarray(np.full((20, 20, 3), 128, np.uint8)).save(gray_as_rgb)
    assert main(["translate", str(runs / "p2p"), str(gray_as_rgb), "--out", str(tmp_path / "g.png")]) == 0
    with pytest.raises(GanforgeError, match="convert=True"):
        ganforge.load(runs / "p2p").translate(torch.zeros(1, 3, 16, 16))
    with pytest.raises(GanforgeError, match=r"x / 127.5 - 1"):
        ganforge.load(runs / "p2p").translate(torch.full((1, 1, 16, 16), 200.0))


def test_pix2pix_translates_the_direction_it_learned(runs, tmp_path, capsys):
    src = runs / "paired" / "test" / "000.png"
    err = cli_error(capsys, ["translate", str(runs / "p2p"), str(src), "--direction", "BtoA", "--out", "o.png"])
    assert "learned AtoB only" in err and "--direction AtoB" in err
    assert "2 inputs; give a folder" in cli_error(capsys, ["translate", str(runs / "p2p"), str(src), str(src),
                                                           "--out", str(tmp_path / "x.png")])


def test_bad_data_folders_are_one_line_errors(tmp_path, capsys):
    def train_error(model, data):
        return cli_error(capsys, ["train", model, "--data", str(data), "--steps", "1", "--out", str(tmp_path / "r"),
                                  *TINY])

    # a paired image that is not twice as wide as high
    (tmp_path / "bad" / "train").mkdir(parents=True)
    Image.fromarray(np.zeros((16, 20), np.uint8)).save(tmp_path / "bad" / "train" / "x.png")
    assert "twice as wide as high (like 32x16)" in train_error("pix2pix", tmp_path / "bad")
    # A/ and B/ whose names do not match
    for side, name in (("A", "one.png"), ("B", "two.png")):
        (tmp_path / "ab" / side).mkdir(parents=True)
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(tmp_path / "ab" / side / name)
    err = train_error("pix2pix", tmp_path / "ab")
    assert "one.png has no partner named one.*" in err and "train cyclegan" in err
    # an empty domain, a missing one, no layout at all, no folder
    (tmp_path / "empty" / "trainA").mkdir(parents=True)
    (tmp_path / "empty" / "trainB").mkdir(parents=True)
    assert "no images" in train_error("cyclegan", tmp_path / "empty")
    shutil.rmtree(tmp_path / "empty" / "trainB")
    assert "no trainB/" in train_error("cyclegan", tmp_path / "empty")
    (tmp_path / "nothing").mkdir()
    assert "has no train data" in train_error("cyclegan", tmp_path / "nothing")
    assert "does not exist" in train_error("pix2pix", tmp_path / "missing")
    assert "needs a data folder: pass --data DIR" in cli_error(capsys, ["train", "pix2pix", "--out", str(tmp_path)])
    assert "not a pix2pix objective" in cli_error(capsys, ["train", "pix2pix", "--loss", "hinge", "--data", "x"])
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())   # no empty run folders left


def test_images_of_other_sizes_are_resized_and_colour_decides_the_channels(tmp_path):
    write_unpaired(tmp_path, n_a=3, n_b=3, rgb_b=True)
    Image.fromarray(np.zeros((40, 30), np.uint8)).save(tmp_path / "trainA" / "big.png")
    (tmp_path / "trainA" / "labels.json").write_text("{}")   # ignored
    data = load_translation_data(tmp_path, "train", 16, 0, 0, paired=False)
    assert data.a.shape == (4, 1, 16, 16) and data.b.shape == (3, 3, 16, 16)
    assert load_translation_data(tmp_path, "train", 16, 3, 1, paired=False).a.shape[1] == 3

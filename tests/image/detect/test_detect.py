"""The detector of generated images: it learns real digits against a run's samples, survives a save/load, and
`ganforge detect train` / `ganforge detect FILE|DIR` work with one-line errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.cli.main import main
from ganforge.image.detect.data import augment, jpeg, real_images, resize_back
from ganforge.image.detect.net import load_detector, save_detector
from ganforge.image.detect.train import average_precision, score, train_detector

from helpers import cli_error, untrained_run


@pytest.fixture(autouse=True)
def one_thread():
    """The tiny detector trains fastest on one thread (two threads of a busy machine: ten times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return untrained_run(tmp_path_factory.mktemp("detect") / "dcgan-1")


def test_augmentations_keep_shape_and_change_pixels():
    images = real_images("embedded", 8)
    assert images.shape == (8, 1, 28, 28) and images.dtype == torch.uint8
    for changed in (jpeg(images, 30), resize_back(images, 0.5), augment(images, 1.0, seed=0)):
        assert changed.shape == images.shape and changed.dtype == torch.uint8
        assert (changed.int() - images.int()).abs().sum() > 0
    assert torch.equal(augment(images, 0.0, seed=0), images) and torch.equal(augment(images, 1.0, 3),
                                                                             augment(images, 1.0, 3))


def test_detector_separates_real_digits_from_samples_and_reloads_the_same(run, tmp_path):
    import ganforge

    real = real_images("embedded", 300)
    fake = ganforge.load(run).sample(300, seed=0)
    net, meta = train_detector(real[:200], {"dcgan-1": fake[:200]}, steps=40, batch=16, width=4, progress=False)
    p_real, p_fake = score(net, real[200:], meta), score(net, fake[200:], meta)
    assert average_precision(p_real, p_fake) > 0.9
    assert average_precision(np.array([0.1, 0.2]), np.array([0.3, 0.9])) == 1.0
    save_detector(net, tmp_path / "det", meta)
    again, card = load_detector(tmp_path / "det.json")
    assert card["fake_sources"] == {"dcgan-1": 200} and np.allclose(score(again, fake[200:], card), p_fake)


def test_detect_commands_train_score_and_refuse_bad_input(run, tmp_path, capsys):
    assert main(["detect", "train", "--real", "embedded", "--fake", str(run), "--n", "64", "--steps", "5",
                 "--batch-size", "8", "--width", "4", "--out", str(tmp_path / "det")]) == 0
    assert (tmp_path / "det.safetensors").is_file() and "trained a detector" in capsys.readouterr().out
    assert main(["sample", str(run), "--n", "3", "--out", str(tmp_path / "imgs"), "--no-provenance"]) == 0
    capsys.readouterr()
    assert main(["detect", str(tmp_path / "imgs"), "--model", str(tmp_path / "det"), "--out",
                 str(tmp_path / "scores.json")]) == 0
    assert "of 3 image(s) scored as generated" in capsys.readouterr().out
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert len(scores) == 3 and all(0 <= s <= 1 for s in scores.values())
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "colour.jpg")   # any size, any channels
    assert main(["detect", str(tmp_path / "colour.jpg"), "--model", str(tmp_path / "det")]) == 0
    (tmp_path / "notes.txt").write_text("x")
    assert "not an image" in cli_error(capsys, ["detect", str(tmp_path / "notes.txt"), "--model",
                                                str(tmp_path / "det")])
    assert "not found" in cli_error(capsys, ["detect", str(tmp_path / "imgs"), "--model", str(tmp_path / "nope")])
    assert "--real DATA" in cli_error(capsys, ["detect", "train", "--fake", str(run)])
    assert "not a folder and not a data set" in cli_error(capsys, ["detect", "train", "--real", "imagenet", "--fake",
                                                                   str(run), "--out", str(tmp_path / "d")])
    (tmp_path / "det.json").write_text("{}")
    assert "not a ganforge detector card" in cli_error(capsys, ["detect", str(tmp_path / "imgs"), "--model",
                                                                str(tmp_path / "det")])

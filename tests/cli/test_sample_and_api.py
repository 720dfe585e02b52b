"""Sampling and exploring a trained run from the CLI and from Python."""
import numpy as np
import pytest
import torch
from PIL import Image

import ganforge
from ganforge.cli.main import main
from ganforge.image.pipeline import slerp


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    assert main(["train", "dcgan", "--conditional", "--out", str(out), "--name", "c", "--steps", "4",
                 "--set", "model.width=4", "--set", "data.limit=64", "--set", "train.batch_size=8", "--quiet"]) == 0
    return out / "c"


def test_python_api_samples_are_seeded_and_labelled(conditional_run):
    g = ganforge.load(conditional_run)
    a = g.sample(16, labels=7, seed=0)
    assert a.shape == (16, 1, 28, 28) and a.dtype == torch.uint8
    assert torch.equal(a, g.sample(16, labels=7, seed=0))
    assert not torch.equal(a, g.sample(16, labels=7, seed=1))
    assert not torch.equal(a, g.sample(16, labels=2, seed=0))
    images, labels = g.sample(10, labels=list(range(10)), return_labels=True)
    assert labels.tolist() == list(range(10))


def test_truncation_keeps_latents_inside_the_threshold():
    from ganforge.image.pipeline import truncated_normal

    z = truncated_normal(1000, 16, 0.7, torch.Generator().manual_seed(0))
    assert z.abs().max() <= 0.7 and z.std() > 0.3


def test_slerp_keeps_endpoints_and_norm_scale():
    a, b = torch.randn(64), torch.randn(64)
    path = slerp(a, b, torch.linspace(0, 1, 5))
    torch.testing.assert_close(path[0], a)
    torch.testing.assert_close(path[-1], b)
    assert (path.norm(dim=1) > 0.5 * min(a.norm(), b.norm())).all()


def test_sample_writes_grid_folder_and_npz(conditional_run, tmp_path, capsys):
    assert main(["sample", str(conditional_run), "--n", "12", "--label", "3", "--out", str(tmp_path / "g.png")]) == 0
    assert Image.open(tmp_path / "g.png").size[0] > 28
    assert main(["sample", str(conditional_run), "--n", "5", "--out", str(tmp_path / "folder")]) == 0
    assert len(list((tmp_path / "folder").glob("*.png"))) == 5
    assert main(["sample", str(conditional_run), "--n", "6", "--label", "4", "--out", str(tmp_path / "s.npz")]) == 0
    with np.load(tmp_path / "s.npz", allow_pickle=False) as f:
        assert f["images"].shape == (6, 28, 28) and f["images"].dtype == np.uint8
        assert f["labels"].tolist() == [4] * 6


def test_interpolate_writes_gif_and_strip(conditional_run, tmp_path):
    assert main(["interpolate", str(conditional_run), "--steps", "6", "--out", str(tmp_path / "w.gif")]) == 0
    gif = Image.open(tmp_path / "w.gif")
    assert gif.n_frames == 6
    assert main(["interpolate", str(conditional_run), "--steps", "6", "--out", str(tmp_path / "s.png")]) == 0


def test_registry_api():
    assert {"dcgan", "mlp"} <= set(ganforge.list_models())
    model = ganforge.create_model("dcgan", image_size=64, channels=3, num_classes=5)
    assert model.generator(torch.randn(2, 100), torch.tensor([0, 4])).shape == (2, 3, 64, 64)

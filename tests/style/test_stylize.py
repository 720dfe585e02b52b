"""Style transfer: losses fall, feed-forward nets save and load, VGG-19 from safetensors, one-line errors."""
import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from ganforge.errors import DataError
from ganforge.style.images import load_image
from ganforge.style.nets import VGG19, RandomLossNet, load_vgg19
from ganforge.style.run import stylize, train
from ganforge.style.transfer import StyleObjective, gram, optimize
from helpers import cli_error


def test_gram_and_random_net_are_deterministic():
    f = torch.arange(12.0).view(1, 3, 2, 2)
    flat = f.view(3, 4).numpy()
    assert np.allclose(gram(f)[0].numpy(), flat @ flat.T / 12)
    a, b = RandomLossNet(seed=3), RandomLossNet(seed=3)
    assert a.sha256 == b.sha256 != RandomLossNet(seed=4).sha256
    assert [t.shape[-1] for t in a(torch.rand(1, 3, 32, 32))] == [32, 16, 8, 4]


def test_optimisation_lowers_the_style_loss_and_records_it_over_time():
    content, style = load_image("skimage:astronaut", 32), load_image("skimage:brick", 32)
    objective = StyleObjective(RandomLossNet(), style, 1.0, 0.05)
    image, history = optimize(objective, content, steps=8, lr=0.05, log_every=4, progress=False)
    assert [r["step"] for r in history.rows] == [0, 4, 8] and history.rows[0]["content_loss"] == 0
    assert history.last["style_loss"] < 0.5 * history.rows[0]["style_loss"]
    assert image.shape == content.shape and 0 <= image.min() and image.max() <= 1
    assert all(b["seconds"] >= a["seconds"] for a, b in zip(history.rows, history.rows[1:]))


def test_cli_stylizes_trains_and_runs_the_feedforward_net(tmp_path, capsys):
    from ganforge.cli.main import main

    out = tmp_path / "out.png"
    assert main(["stylize", "skimage:coffee", "skimage:gravel", "--out", str(out), "--steps", "3", "--size", "32"]) == 0
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["method"] == "optimize" and len(record["history"]) >= 2 and Image.open(out).size == (48, 32)
    assert main(["stylize", "train", "skimage:gravel", "--out", str(tmp_path / "m"), "--steps", "2", "--size", "32"]) == 0
    meta = json.loads((tmp_path / "m.json").read_text())
    assert meta["format"] == "ganforge-style-net/1" and len(meta["history"]) == 1
    fast = tmp_path / "fast.png"
    assert main(["stylize", "skimage:coffee", "skimage:gravel", "--out", str(fast), "--method", "feedforward",
                 "--model", str(tmp_path / "m"), "--size", "32"]) == 0
    assert json.loads(fast.with_suffix(".json").read_text())["method"] == "feedforward"
    capsys.readouterr()
    assert "trained for style skimage:gravel" in cli_error(capsys, [
        "stylize", "skimage:coffee", "skimage:brick", "--out", str(fast), "--method", "feedforward", "--model",
        str(tmp_path / "m"), "--size", "32"])


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    out = str(tmp_path / "o.png")
    assert "not a readable image" in cli_error(capsys, ["stylize", str(bad), "skimage:brick", "--out", out])
    assert "did you mean skimage:brick" in cli_error(capsys, ["stylize", "skimage:astronaut", "skimage:brik",
                                                             "--out", out])
    assert "does not exist" in cli_error(capsys, ["stylize", str(tmp_path / "none.png"), "skimage:brick", "--out", out])
    assert "CONTENT STYLE" in cli_error(capsys, ["stylize", "skimage:astronaut", "--out", out])
    assert "must end in .png" in cli_error(capsys, ["stylize", "skimage:astronaut", "skimage:brick", "--out", "x.jpg"])
    assert "needs --model" in cli_error(capsys, ["stylize", "skimage:astronaut", "skimage:brick", "--out", out,
                                                 "--method", "feedforward", "--size", "16"])
    save_file({"features.0.weight": torch.zeros(64, 3, 3, 3)}, str(tmp_path / "vgg.safetensors"))
    assert "lacks tensor features.0.bias" in cli_error(capsys, ["stylize", "skimage:astronaut", "skimage:brick",
                                                               "--out", out, "--vgg19", str(tmp_path / "vgg.safetensors")])
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 20)
    assert "not a readable safetensors" in cli_error(capsys, ["stylize", "skimage:astronaut", "skimage:brick",
                                                             "--out", out, "--vgg19", str(tmp_path / "junk.safetensors")])
    assert not (tmp_path / "o.png").exists()


def test_vgg19_loads_from_safetensors_and_refuses_wrong_shapes(tmp_path):
    torch.manual_seed(0)
    state = {f"features.{k}": v for k, v in VGG19().features.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)            # torchvision's head: ignored
    save_file(state, str(tmp_path / "vgg19.safetensors"))
    net = load_vgg19(tmp_path / "vgg19.safetensors")
    assert torch.equal(net.features[0].weight, state["features.0.weight"])
    assert len(net(torch.rand(1, 3, 32, 32))) == 6 and net.style_layers == (0, 1, 2, 3, 5)
    state["features.2.weight"] = torch.zeros(64, 3, 3, 3)
    save_file(state, str(tmp_path / "wrong.safetensors"))
    with pytest.raises(DataError, match=r"features.2.weight has shape \(64, 3, 3, 3\)"):
        load_vgg19(tmp_path / "wrong.safetensors")
    record = stylize("skimage:camera", "skimage:grass", tmp_path / "v.png", steps=1, size=16,
                     vgg19=str(tmp_path / "vgg19.safetensors"), progress=False)
    assert record["loss_net"] == "vgg19" and np.isfinite(record["style_loss"])


def test_a_model_file_of_another_kind_is_refused(tmp_path):
    save_file({"x": torch.zeros(1)}, str(tmp_path / "m.safetensors"))
    with pytest.raises(DataError, match="not a ganforge style network"):
        stylize("skimage:camera", "skimage:grass", tmp_path / "o.png", method="feedforward", model=str(tmp_path / "m"),
                size=16, progress=False)
    info = train("skimage:grass", tmp_path / "ok", steps=1, size=32, style_size=32, progress=False)
    assert info["path"].endswith("ok.safetensors")

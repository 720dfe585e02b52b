"""The offline translation data sets: layouts, labels, pairing, determinism, checksums and bad input."""
import json

import numpy as np
import pytest
from PIL import Image

from ganforge.datasets.idx import read_idx
from ganforge.errors import DataError
from ganforge.translation.data.builders import build, sklearn_digit, verify
from helpers import cli_error


def load(path):
    return np.asarray(Image.open(path))


@pytest.fixture(scope="module")
def mnist_train():
    import os
    from pathlib import Path

    root = os.environ.get("GANFORGE_DATA")
    path = Path(root or "/nonexistent") / "mnist" / "train-images-idx3-ubyte.gz"
    if not path.is_file():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")
    return read_idx(path).numpy(), read_idx(path.parent / "train-labels-idx1-ubyte.gz").numpy()


@pytest.mark.parametrize("name,make_a", [("edges2digits", "canny"), ("skeleton2digits", "skeleton")])
def test_paired_sets_pair_each_mnist_digit_with_its_edges_or_skeleton(tmp_path, mnist_train, name, make_a):
    from skimage.feature import canny
    from skimage.morphology import skeletonize

    images, labels = mnist_train
    info = build(name, tmp_path / name, n=5, size=28, progress=False)
    assert info["counts"] == {"train": 5, "test": 5} and info["kind"] == "paired"
    train = tmp_path / name / "train"
    names = json.loads((train / "labels.json").read_text())
    assert sorted(names) == [f"{k:05d}.png" for k in range(5)]
    for filename, label in names.items():
        pair = load(train / filename)
        assert pair.shape == (28, 56) and pair.dtype == np.uint8
        a, b = pair[:, :28], pair[:, 28:]
        matches = np.flatnonzero((images == b).all(axis=(1, 2)))
        assert len(matches) >= 1 and labels[matches[0]] == label      # B is an MNIST digit with its label
        want = canny(b / 255.0, sigma=1.0) if make_a == "canny" else skeletonize(b > 127)
        assert np.array_equal(a > 0, want) and set(np.unique(a)) <= {0, 255} and a.any()


def test_unpaired_sets_write_four_folders_of_the_right_kind(tmp_path, mnist_train):
    build("mnist2mnistm", tmp_path / "m", n=4, size=32, progress=False)
    build("mnist2sklearn", tmp_path / "s", n=4, size=28, progress=False)
    for folder in ("trainA", "trainB", "testA", "testB"):
        assert len(json.loads((tmp_path / "m" / folder / "labels.json").read_text())) == 4
    a, b = load(tmp_path / "m" / "trainA" / "00000.png"), load(tmp_path / "m" / "trainB" / "00000.png")
    assert a.shape == (32, 32) and b.shape == (32, 32, 3)
    assert b.reshape(-1, 3).std(axis=0).max() > 5                      # a photo behind the digit, not black
    s = load(tmp_path / "s" / "testB" / "00000.png")
    assert s.shape == (28, 28) and s[:4].max() == 0 and s[4:24, 4:24].max() > 200   # in MNIST's 20 px box
    labels = json.loads((tmp_path / "s" / "testB" / "labels.json").read_text())
    assert all(0 <= v <= 9 for v in labels.values())


def test_sklearn_digits_are_scaled_from_0_16_and_centred():
    digit = np.zeros((8, 8))
    digit[:, 3:5] = 16
    out = sklearn_digit(digit, 32)
    box = round(32 * 20 / 28)                                          # 23 px
    top = (32 - box) // 2
    assert out.shape == (32, 32) and out.max() == 255
    assert out[:top].max() == 0 and out[top + box:].max() == 0
    columns = out.sum(axis=0).astype(float)
    assert abs((columns * np.arange(32)).sum() / columns.sum() - (top + box / 2 - 0.5)) < 1.0   # stroke centred


def test_same_command_gives_same_bytes_and_tampering_is_found(tmp_path, mnist_train):
    build("edges2digits", tmp_path / "a", n=3, progress=False)
    build("edges2digits", tmp_path / "b", n=3, progress=False)
    build("edges2digits", tmp_path / "c", n=3, seed=1, progress=False)
    sums = [(tmp_path / d / "SHA256SUMS").read_bytes() for d in "abc"]
    assert sums[0] == sums[1] and sums[0] != sums[2]
    assert verify(tmp_path / "a") == len(sums[0].splitlines())
    png = tmp_path / "a" / "test" / "00001.png"
    png.write_bytes(png.read_bytes()[:-1] + b"\x00")
    with pytest.raises(DataError, match="does not match its checksum"):
        verify(tmp_path / "a")
    (tmp_path / "b" / "train" / "extra.png").write_bytes(b"x")
    with pytest.raises(DataError, match="not listed"):
        verify(tmp_path / "b")
    (tmp_path / "c" / "train" / "00000.png").unlink()
    with pytest.raises(DataError, match="missing"):
        verify(tmp_path / "c")


def test_cli_builds_verifies_and_refuses_to_overwrite(tmp_path, mnist_train, capsys):
    from ganforge.cli.main import main

    out = tmp_path / "set"
    assert main(["data", "build", "skeleton2digits", "--out", str(out), "--n", "2", "--size", "16"]) == 0
    assert "checksums verified" in capsys.readouterr().out
    assert main(["data", "verify", str(out)]) == 0
    assert "overwrite" in cli_error(capsys, ["data", "build", "edges2digits", "--out", str(out), "--n", "2"])
    assert main(["data", "build", "edges2digits", "--out", str(out), "--n", "2", "--overwrite"]) == 0
    assert json.loads((out / "dataset.json").read_text())["name"] == "edges2digits"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    assert "not a ganforge data set" in cli_error(capsys, ["data", "build", "edges2digits", "--out",
                                                           str(tmp_path / "mine"), "--overwrite"])
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    assert "holds 10000" in cli_error(capsys, ["data", "build", "mnist2mnistm", "--out", str(tmp_path / "x"),
                                               "--n", "5001"])


def test_no_mnist_is_one_line_naming_ganforge_data(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GANFORGE_DATA", raising=False)
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))
    err = cli_error(capsys, ["data", "build", "edges2digits", "--out", str(tmp_path / "o"), "--n", "2"])
    assert "GANFORGE_DATA" in err and not (tmp_path / "o").exists()
    assert "did you mean 'mnist2sklearn'" in cli_error(capsys, ["data", "build", "mnist2sklear", "--out", "o"])

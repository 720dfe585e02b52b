"""Moving MNIST built offline: the bouncing recipe, labels, determinism, checksums and bad options."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from ganforge.datasets.built import verify
from ganforge.errors import DataError
from ganforge.video.data.clips import load_clips
from ganforge.video.data.moving_mnist import CANVAS, DIGIT, build, trajectory
from helpers import cli_error


def test_trajectories_bounce_inside_the_canvas_at_a_constant_speed():
    rng = np.random.default_rng(0)
    for _ in range(50):
        path = trajectory(32, rng)
        assert path.min() >= 0 and path.max() <= CANVAS - DIGIT
        steps = np.abs(np.diff(path, axis=0))
        assert steps.max() <= 7        # at most 6 px a frame (rounded)
    # a digit started near an edge moving into it comes back: its velocity component flips
    flips = [np.any(np.diff(np.sign(np.diff(trajectory(32, rng), axis=0)), axis=0) != 0) for _ in range(50)]
    assert sum(flips) > 10


def test_the_build_is_deterministic_checksummed_and_keeps_the_digit_labels(tmp_path, moving_mnist, shared_data):
    from ganforge.datasets.idx import read_idx

    info = build(tmp_path / "again", n=24, frames=16, size=32, digits=1, progress=False)
    for rel in ("train/00000.png", "test/00023.png", "train/labels.json", "SHA256SUMS"):
        assert (tmp_path / "again" / rel).read_bytes() == (moving_mnist / rel).read_bytes(), rel
    assert info["counts"] == {"train": 24, "test": 24} and info["options"]["frames"] == 16
    assert set(info["sources"]) == {"mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz",
                                    "mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"}
    # a strip is 16 frames side by side; the labels say which digits were drawn
    strip = np.asarray(Image.open(moving_mnist / "train" / "00000.png"))
    assert strip.shape == (32, 16 * 32) and strip.dtype == np.uint8 and strip.max() > 200
    labels = json.loads((moving_mnist / "train" / "labels.json").read_text())
    mnist_labels = read_idx(shared_data / "mnist" / "train-labels-idx1-ubyte.gz").numpy()
    assert all(len(v) == 1 and 0 <= v[0] <= 9 for v in labels.values())
    assert len({v[0] for v in labels.values()}) > 3 and set(np.unique(mnist_labels)) >= {v[0] for v in labels.values()}
    data = load_clips(moving_mnist, "test", frames=8, size=16)
    assert data.clips.shape == (24, 8, 1, 16, 16) and data.labels.shape == (24, 1)
    # another seed gives other clips; a changed file is caught
    other = build(tmp_path / "seed1", n=2, frames=16, size=64, digits=2, seed=1, progress=False)
    assert np.asarray(Image.open(tmp_path / "seed1" / "train" / "00000.png")).shape == (64, 16 * 64)
    assert all(len(v) == 2 for v in json.loads((tmp_path / "seed1" / "test" / "labels.json").read_text()).values())
    assert other["options"]["digits"] == 2
    (tmp_path / "again" / "train" / "00003.png").write_bytes(b"changed")
    with pytest.raises(DataError, match="does not match its checksum"):
        verify(tmp_path / "again")
    with pytest.raises(DataError, match="does not match its checksum"):
        load_clips(tmp_path / "again", "train")


@pytest.mark.parametrize("argv,message", [
    (["--size", "48"], "size"),
    (["--frames", "20"], "frames"),
    (["--digits", "3"], "digits"),
])
def test_bad_options_are_one_line_errors(tmp_path, capsys, argv, message):
    err = cli_error(capsys, ["data", "build", "moving-mnist", "--out", str(tmp_path / "mm"), *argv])
    assert message in err and not (tmp_path / "mm").exists()


def test_video_options_of_an_image_builder_are_refused(tmp_path, capsys):
    err = cli_error(capsys, ["data", "build", "edges2digits", "--out", str(tmp_path / "e"), "--frames", "16"])
    assert "--frames is an option of moving-mnist" in err

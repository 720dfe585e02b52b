"""Fixtures of the video tests: a folder of GIF clips, and (with GANFORGE_DATA) a tiny Moving MNIST build."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from video_helpers import write_clip_folder  # noqa: E402


@pytest.fixture(scope="session")
def clip_folder(tmp_path_factory) -> Path:
    return write_clip_folder(tmp_path_factory.mktemp("clips") / "squares", n=8)


@pytest.fixture(scope="session")
def moving_mnist(tmp_path_factory) -> Path:
    """Moving MNIST, 24 clips a split of 16 frames at 32x32 (1 digit): built by the real builder from MNIST."""
    import os

    root = os.environ.get("GANFORGE_DATA")
    if not root or not (Path(root) / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")
    from ganforge.video.data.moving_mnist import build

    out = tmp_path_factory.mktemp("mm") / "moving-mnist"
    build(out, n=24, frames=16, size=32, digits=1, progress=False)
    return out

"""Shared fixtures."""
import os
from pathlib import Path

import pytest


@pytest.fixture
def shared_data() -> Path:
    root = os.environ.get("GANFORGE_DATA")
    if not root or not (Path(root) / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")
    return Path(root)

"""Fixtures of the text2image tests: a small captioned-digits build made by the real builder from MNIST."""
from __future__ import annotations

from pathlib import Path

import pytest

from t2i_helpers import need_mnist


@pytest.fixture(scope="session")
def captioned(tmp_path_factory) -> Path:
    """Captioned digits, 1000 train and 100 test items."""
    need_mnist()
    from ganforge.text2image.data.builder import build

    out = tmp_path_factory.mktemp("cd") / "captioned-digits"
    build(out, n=1000, progress=False)
    return out


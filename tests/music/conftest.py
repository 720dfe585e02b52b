"""Fixtures of the music tests: the JSB chorales folder (skipped where the offline data is absent)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def jsb_dir() -> Path:
    root = Path(os.environ.get("GANFORGE_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    if not (root / "jsb-chorales" / "Jsb16thSeparated.json").is_file():
        pytest.skip("the JSB chorales are not in $GANFORGE_DATA")
    return root

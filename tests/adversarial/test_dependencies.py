"""Dependency floors that keep known vulnerabilities out of fresh installs."""
from __future__ import annotations

import re
from pathlib import Path

from importlib.metadata import version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
FIXED = (0, 49, 1)   # Starlette's FileResponse Range-header O(n^2) denial of service (CVE-2025-62727) fixed here


def as_tuple(text: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def test_starlette_floor_excludes_the_range_header_denial_of_service():
    floor = re.search(r'"starlette>=([\d.]+)"', PYPROJECT.read_text())
    assert floor and as_tuple(floor.group(1)) >= FIXED, "raise the starlette floor in pyproject.toml"
    assert as_tuple(version("starlette")) >= FIXED

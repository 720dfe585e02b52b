"""Fixtures for the attack tests: the real studio (uvicorn on 127.0.0.1) over a copy of a tiny real run, a
second tiny HTTP server on another port (the attacker's origin; Chromium comes from tests/conftest.py). The helpers of
tests/web are reused (``studio_helpers`` is on the pytest pythonpath)."""
from __future__ import annotations

from pathlib import Path

import pytest
from attack_helpers import copy_runs
from studio_helpers import LiveServer, train_tiny_run


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One conditional image run ``tiny-cond``, really trained (20 steps of the MLP GAN); copied, never changed."""
    return train_tiny_run(tmp_path_factory.mktemp("adversarial-source"), "tiny-cond", steps=20)


@pytest.fixture(scope="module")
def runs(tiny_run, tmp_path_factory) -> Path:
    return copy_runs(tiny_run, tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def studio(runs):
    """The studio app served by uvicorn on 127.0.0.1 (``studio.app.state`` holds its labs, jobs and runs)."""
    server = LiveServer(runs)
    yield server
    server.stop()

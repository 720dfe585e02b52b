"""Shared fixtures (the one headless Chromium of the studio tests lives here: Playwright's sync API runs once
per process, so tests/web and tests/adversarial share it)."""
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def ganforge_home(tmp_path_factory):
    """The provenance signing key (made on first use) lives in a session folder, never in the user's config."""
    old = os.environ.get("GANFORGE_HOME")
    os.environ["GANFORGE_HOME"] = str(tmp_path_factory.mktemp("ganforge-home"))
    yield Path(os.environ["GANFORGE_HOME"])
    if old is None:
        os.environ.pop("GANFORGE_HOME", None)
    else:
        os.environ["GANFORGE_HOME"] = old


@pytest.fixture
def shared_data() -> Path:
    root = os.environ.get("GANFORGE_DATA")
    if not root or not (Path(root) / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")
    return Path(root)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """A headless Chromium (Playwright) for the studio's browser tests; skips without either."""
    from studio_helpers import chromium_context

    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A PostgreSQL 15 server of the session (tests/pg_helpers.py); skips with the reason when none can start."""
    from pg_helpers import postgres_server

    with postgres_server() as server:
        yield server

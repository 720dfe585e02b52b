"""Fixtures for the studio tests: a tiny real run, a live server on 127.0.0.1, a headless Chromium page."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from studio_helpers import (LiveServer, train_tiny_eval_run, train_tiny_run, train_tiny_t2i_run,
                            train_tiny_text_run, write_text_run)


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    """A runs folder holding one conditional run ``tiny-cond``: trained here for 20 steps, or a copy of
    ``$GANFORGE_E2E_RUN`` (a longer run, for screenshots that show digits)."""
    out = tmp_path_factory.mktemp("studio-runs")
    given = os.environ.get("GANFORGE_E2E_RUN")
    if given:
        shutil.copytree(given, out / "tiny-cond", ignore=shutil.ignore_patterns("tb"))
    else:
        train_tiny_run(out, "tiny-cond", steps=20)
    return out


@pytest.fixture(scope="session")
def eval_run(runs_dir, tmp_path_factory) -> Path:
    """``tiny-eval`` in the runs folder: a tiny DCGAN trained with ``--eval-every 4`` (FID in metrics.jsonl)."""
    return train_tiny_eval_run(runs_dir, "tiny-eval", tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def text_run(runs_dir) -> Path:
    """``tiny-text`` in the runs folder: a text run's files, written in the run-folder schema (not trained)."""
    return write_text_run(runs_dir, "tiny-text")


@pytest.fixture(scope="session")
def live_server(runs_dir):
    server = LiveServer(runs_dir)
    yield server
    server.stop()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    page.close()


@pytest.fixture(scope="session")
def trained_text_run(runs_dir) -> Path:
    """A text run trained by `ganforge train seqgan` (the other text fixture is written by hand, to pin its content)."""
    return train_tiny_text_run(runs_dir, "seqgan-real")


@pytest.fixture(scope="session")
def t2i_run(runs_dir, tmp_path_factory) -> Path:
    """``t2i-tiny`` in the runs folder: a tiny StackGAN trained 2 + 2 steps (skipped without the shared MNIST)."""
    return train_tiny_t2i_run(runs_dir, "t2i-tiny", tmp_path_factory.mktemp("t2i-data") / "captioned-digits")

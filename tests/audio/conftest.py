"""Fixtures of the audio tests: a tiny rendered notes set (2 instruments x 3 pitches) and a folder of sine clips."""
from __future__ import annotations

from pathlib import Path

import pytest

from audio_helpers import write_sines


@pytest.fixture(scope="session")
def sines(tmp_path_factory) -> Path:
    return write_sines(tmp_path_factory.mktemp("sines"))


@pytest.fixture(scope="session")
def tiny_notes(tmp_path_factory) -> Path:
    """notes built with 2 instruments x 3 pitches, 2 clips each per split (needs fluidsynth)."""
    from ganforge.audio.data.builders import build
    from ganforge.media.audio import fluidsynth_available

    if not fluidsynth_available():
        pytest.skip("fluidsynth is not installed (apt-get install fluidsynth): the notes set cannot be rendered")
    out = tmp_path_factory.mktemp("notes") / "notes"
    build("notes", out, n=2, instruments=("piano", "flute"), pitches=(60, 64, 67), progress=False)
    return out

"""Run folders written by ganforge 0.1.0 still sample and resume (tests/fixtures/runs-0.1.0, made with that version).

The fixture holds a tiny conditional DCGAN run; ``expected.json`` holds what 0.1.0 itself sampled
from it and the generator weights it reached when resumed to step 60.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from safetensors.torch import load_file

import ganforge
from helpers import run_cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "runs-0.1.0"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())


def generator_digest(run: Path) -> tuple:
    newest = sorted((run / "checkpoints").glob("step_*.safetensors"))[-1]
    tensors = load_file(str(newest))
    h = hashlib.sha256()
    for key in sorted(tensors):
        if key.startswith("generator."):
            h.update(key.encode())
            h.update(tensors[key].float().numpy().tobytes())
    return int(newest.stem.split("_")[1]), h.hexdigest()


@pytest.fixture
def runs(tmp_path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "runs")
    return tmp_path / "runs"


def test_a_0_1_0_image_run_samples_what_0_1_0_sampled(runs):
    images = ganforge.load(runs / "image-0.1.0").sample(8, seed=3)
    assert list(images.shape) == EXPECTED["image_shape"]
    assert hashlib.sha256(images.numpy().tobytes()).hexdigest() == EXPECTED["image_sample_sha256"]


def test_a_0_1_0_image_run_resumes_to_the_weights_0_1_0_reached(runs):
    out = run_cli(["train", "--resume", "image-0.1.0", "--steps", "60", "--quiet"], cwd=runs)
    assert out.returncode == 0, out.stderr
    step, digest = generator_digest(runs / "image-0.1.0")
    assert step == EXPECTED["resumed"]["image-0.1.0"]["step"] == 60
    assert digest == EXPECTED["resumed"]["image-0.1.0"]["generator_sha256"]
    info = json.loads((runs / "image-0.1.0" / "run.json").read_text())
    assert info["family"] == "image" and info["schema"] == 1 and info["created"].startswith("2026")

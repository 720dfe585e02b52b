"""A text run folder written by ganforge 0.1.0 still samples the same sentences and resumes to the same weights."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import ganforge
from ganforge.cli.main import main
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "runs-0.1.0"


def generator_sha256(tensors) -> str:
    h = hashlib.sha256()
    for key in sorted(k for k in tensors if k.startswith("generator.")):
        h.update(key.encode())
        h.update(tensors[key].float().numpy().tobytes())
    return h.hexdigest()


def test_text_run_of_0_1_0_samples_and_resumes_exactly(tmp_path):
    expected = json.loads((FIXTURES / "expected.json").read_text())
    run = tmp_path / "text-0.1.0"
    shutil.copytree(FIXTURES / "text-0.1.0", run)
    data = tmp_path / "tiny.txt"
    shutil.copy(FIXTURES / "tiny.txt", data)
    assert ganforge.load(run).sample(3, seed=3) == expected["text_samples"]
    assert main(["train", "--resume", str(run), "--steps", "6", "--quiet", "--set", f"data.path={data}"]) == 0
    tensors, meta = load_checkpoint(checkpoint_files(run / "checkpoints")[-1])
    want = expected["resumed"]["text-0.1.0"]
    assert meta["step"] == want["step"]
    assert generator_sha256(tensors) == want["generator_sha256"]

"""Attacks on checkpoints and run folders through the real CLI: crafted headers, edited configs, a full disk."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import ganforge
from ganforge.errors import CheckpointError
from hostile import GIB, SRC, assert_one_line_error, craft_checkpoint, run_limited, tiny_run

HUGE = [{"width": 10**6}, {"latent_dim": 10**9}, {"image_size": 2**20},
        {"width": 10**6, "latent_dim": 10**9, "image_size": 2**20}]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return tiny_run(tmp_path_factory.mktemp("runs"))


@pytest.mark.parametrize("config", HUGE, ids=lambda c: "+".join(c))
def test_sample_of_a_checkpoint_claiming_a_huge_model_fails_fast_in_little_memory(run, tmp_path, config):
    crafted = craft_checkpoint(run / "checkpoints" / "step_0000004.safetensors", tmp_path / "crafted.safetensors",
                               **config)
    start = time.monotonic()
    proc = run_limited(["sample", str(crafted), "--n", "4", "--out", str(tmp_path / "x.png")], tmp_path, memory=4 * GIB)
    assert_one_line_error(proc, "crafted.safetensors", "model config")
    assert time.monotonic() - start < 60
    assert not (tmp_path / "x.png").exists()


def test_the_api_refuses_a_crafted_checkpoint_before_building(run, tmp_path):
    crafted = craft_checkpoint(run / "checkpoints" / "step_0000004.safetensors", tmp_path / "c.safetensors",
                               latent_dim=10**9, width=10**6)
    with pytest.raises(CheckpointError, match="model config"):
        ganforge.load(crafted)
    assert ganforge.load(run).sample(2, seed=0).shape == (2, 1, 28, 28)   # the genuine one still loads


def test_resume_with_a_config_yaml_edited_to_a_huge_model_fails_fast(run, tmp_path):
    edited = tmp_path / "edited"
    shutil.copytree(run, edited)
    text = (edited / "config.yaml").read_text()
    assert "width: 8\n" in text
    (edited / "config.yaml").write_text(text.replace("width: 8\n", f"width: {10**6}\n"))
    proc = run_limited(["train", "--resume", str(edited), "--steps", "6", "--quiet"], tmp_path, memory=4 * GIB)
    assert_one_line_error(proc, "config.yaml", "another config")
    assert sorted(p.name for p in (edited / "checkpoints").iterdir()) == sorted(
        p.name for p in (run / "checkpoints").iterdir())


def test_a_full_disk_during_a_checkpoint_write_stops_in_one_line_and_keeps_the_last_good_one(run, tmp_path):
    full = tmp_path / "full"
    shutil.copytree(run, full)
    size = (full / "checkpoints" / "step_0000004.safetensors").stat().st_size
    proc = run_limited(["train", "--resume", str(full), "--steps", "8", "--quiet"], tmp_path, fsize=size // 2)
    assert_one_line_error(proc, "could not write checkpoint", "step_0000006", "resume")
    files = sorted(p.name for p in (full / "checkpoints").iterdir())
    assert files == ["step_0000002.safetensors", "step_0000004.safetensors"]   # no temporary file left behind
    assert ganforge.load(full).step == 4


def test_a_full_disk_under_the_statistics_is_one_line_too(tmp_path):
    proc = run_limited(["train", "dcgan", "--steps", "40", "--batch-size", "16", "--quiet", "--out", str(tmp_path),
                        "--set", "model.width=8", "--set", "model.latent_dim=16", "--set", "data.limit=256",
                        "--set", "train.log_every=1", "--set", "train.checkpoint_every=1000"], tmp_path, fsize=4000)
    assert_one_line_error(proc, "could not write", "disk is full")


def test_a_run_killed_during_a_checkpoint_write_resumes_and_leaves_no_temporary_file(run, tmp_path):
    killed = tmp_path / "killed"
    shutil.copytree(run, killed)
    ckpts = killed / "checkpoints"
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", "train", "--resume", str(killed), "--steps",
                             "400", "--quiet"], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if any(".safetensors.tmp" in n for n in os.listdir(ckpts)):
            break
        time.sleep(0.0005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc = run_limited(["train", "--resume", str(killed), "--steps", "8", "--quiet"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not [n for n in os.listdir(ckpts) if ".tmp" in n]
    assert ganforge.load(killed).step >= 8

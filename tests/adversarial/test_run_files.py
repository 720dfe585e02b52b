"""Run folders booby-trapped with symlinks leading out, FIFOs and /dev/zero: the real studio answers within a
second, never shows the target's content, and still serves the run's honest files."""
from __future__ import annotations

import os
import shutil
import time

import httpx
import pytest
from attack_helpers import copy_runs

SECRET = "TOPSECRET-not-in-any-run"
FIFO_RUN, LINK_RUN, ZERO_RUN, NOT_A_RUN = "fifo-run", "link-run", "zero-run", "fifo-config"


@pytest.fixture(scope="module")
def runs(tiny_run, tmp_path_factory):
    """tiny-cond, untouched, and three copies whose files are links out of the run, FIFOs or /dev/zero."""
    root = copy_runs(tiny_run, tmp_path_factory.mktemp("trapped-runs"))
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.yaml").write_text(f"password: {SECRET}\n")
    (outside / "secret.jsonl").write_text(f'{{"step": 1, "{SECRET}": 1.0}}\n')
    (outside / "run.json").write_text(f'{{"family": "image", "model": "{SECRET}"}}')
    (outside / "secret.png").write_bytes(b"\x89PNG" + SECRET.encode())
    for name in (FIFO_RUN, LINK_RUN, ZERO_RUN, NOT_A_RUN):
        shutil.copytree(root / "tiny-cond", root / name)
    later = "step_9999999.safetensors"  # a "newer" checkpoint than the real ones
    link = root / LINK_RUN
    for name, target in (("config.yaml", "secret.yaml"), ("stats.jsonl", "secret.jsonl"),
                         ("metrics.jsonl", "secret.jsonl"), ("run.json", "run.json")):
        (link / name).unlink(missing_ok=True)
        (link / name).symlink_to(outside / target)
    (link / "samples" / "step_0000010.png").unlink()
    (link / "samples" / "step_0000010.png").symlink_to(outside / "secret.png")
    (link / "checkpoints" / later).symlink_to(outside / "secret.png")
    fifo = root / FIFO_RUN
    for name in ("stats.jsonl", "metrics.jsonl", "samples/step_0000010.png"):
        (fifo / name).unlink(missing_ok=True)
        os.mkfifo(fifo / name)
    os.mkfifo(fifo / "checkpoints" / later)
    for name in ("config.yaml", "run.json"):  # without these two regular files a folder is no run
        (root / NOT_A_RUN / name).unlink()
        os.mkfifo(root / NOT_A_RUN / name)
    zero = root / ZERO_RUN
    for name in ("stats.jsonl", "metrics.jsonl", "samples/step_0000010.png"):
        (zero / name).unlink(missing_ok=True)
        (zero / name).symlink_to("/dev/zero")
    (zero / "checkpoints" / later).symlink_to("/dev/zero")
    return root


@pytest.fixture
def client(studio):
    with httpx.Client(base_url=studio.url, timeout=10) as c:
        yield c


def timed(client, method, path, **kwargs):
    started = time.monotonic()
    r = client.request(method, path, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, (path, elapsed)
    assert SECRET not in r.text, (path, r.text[:300])
    return r


@pytest.mark.parametrize("run", [LINK_RUN, FIFO_RUN, ZERO_RUN])
def test_trapped_run_files_answer_fast_and_leak_nothing(client, run):
    listing = timed(client, "GET", "/api/runs").json()["runs"]
    assert {"tiny-cond", run} <= {r["name"] for r in listing}
    detail = timed(client, "GET", f"/api/runs/{run}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["stats"] == [] and body["metrics"] == [] and (body["config"] == "") == (run == LINK_RUN)
    assert "step_0000010.png" not in [s["file"] for s in body["sample_files"]] or \
        timed(client, "GET", f"/api/runs/{run}/samples/step_0000010.png").status_code == 404
    assert timed(client, "GET", f"/api/runs/{run}/samples/step_0000010.png").status_code == 404
    bad = [c for c in body["checkpoints"] if not c["ok"]]
    assert bad and all("\n" not in c["error"] for c in bad)


def test_a_folder_whose_run_files_are_fifos_is_no_run(client):
    assert NOT_A_RUN not in [r["name"] for r in timed(client, "GET", "/api/runs").json()["runs"]]
    assert timed(client, "GET", f"/api/runs/{NOT_A_RUN}").status_code == 404
    assert timed(client, "POST", "/api/create", json={"run": NOT_A_RUN, "n": 1}).status_code == 404


def test_create_skips_checkpoints_that_are_not_regular_files_in_the_run(client, runs):
    for run in (LINK_RUN, ZERO_RUN, FIFO_RUN):
        r = timed(client, "POST", "/api/create", json={"run": run, "n": 1, "checkpoint": 9999999})
        job = r.json()
        while job.get("state") in ("queued", "running"):
            time.sleep(0.01)
            job = timed(client, "GET", f"/api/jobs/{job['id']}").json()
        # link-run's run.json leads out of the run: 400 (corrupt) before any checkpoint is looked at
        assert r.status_code in (400, 404) or job.get("state") == "error", (run, r.status_code, job)
    # without a step, the newest checkpoint that is a regular file of the run is used (not the FIFO or
    # /dev/zero named as a later step)
    for run in (ZERO_RUN, FIFO_RUN):
        job = timed(client, "POST", "/api/create", json={"run": run, "n": 1}).json()
        while job["state"] in ("queued", "running"):
            time.sleep(0.01)
            job = timed(client, "GET", f"/api/jobs/{job['id']}").json()
        assert job["state"] == "done", (run, job)


def test_the_honest_run_is_still_served(client):
    detail = timed(client, "GET", "/api/runs/tiny-cond").json()
    assert detail["config"] and detail["stats"] and detail["info"]["family"] == "image"
    r = timed(client, "GET", "/api/runs/tiny-cond/samples/step_0000010.png")
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")

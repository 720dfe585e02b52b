"""The studio drives training: the Train form checked field by field, the queue and its limit, steering through
the control channel, forks, and the Compare API's score table (cards must agree); then, in Chromium, a tiny DCGAN
started from the form, paused, its lr_g changed, resumed, stopped and forked, and three runs compared."""
from __future__ import annotations

import json
import time

import pytest
import torch
from starlette.testclient import TestClient

from ganforge.engine.run_folder import RunFolder
from ganforge.web.app import create_app
from studio_helpers import screenshot

CARD = {"num_samples": 64, "reference": "digits", "reference_sha256": "ab", "extractor": "mnist-classifier"}
TINY = {"train.steps": 100000, "model.width": 8, "train.batch_size": 8, "data.limit": 64, "train.threads": 1,
        "train.log_every": 2, "train.sample_every": 5, "train.checkpoint_every": 100000}


def wait_until(check, what, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def scored_run(root, name, fid, card):
    run = RunFolder(root / name)
    run.path.mkdir(parents=True)
    run.write_info("image", "dcgan", {"data": "embedded"})
    (run.path / "config.yaml").write_text("model:\n  name: dcgan\n")
    for step in (2, 4):
        run.append_stats(step, {"loss/d": 1.0 / step, "loss/g": 0.5 * step})
    run.append_metrics(4, {"fid": fid}, card=card)
    return run


@pytest.fixture
def client(tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with TestClient(create_app(tmp_path), base_url="http://127.0.0.1") as c:
        c.root = tmp_path
        yield c
        launcher = c.app.state.launcher
        for proc in launcher.procs.values():
            proc.kill()
            proc.wait()
    torch.set_num_threads(threads)


def test_the_form_is_checked_key_by_key_like_the_cli(client):
    r = client.post("/api/train", json={"model": "dcgan", "settings": {"train.lr_g": -1, "train.stepz": 3,
                                                                       "model.width": 8}})
    assert r.status_code == 400
    fields = r.json()["fields"]
    assert set(fields) == {"train.lr_g", "train.stepz"}
    assert "'train.lr_g' is -1.0; it must be >= 0.0" in fields["train.lr_g"]
    assert "unknown config key 'train.stepz'" in fields["train.stepz"]
    assert client.post("/api/train", json={"model": "dcgna", "settings": {}}).json()["fields"]["model"].startswith(
        "unknown model 'dcgna'")
    r = client.post("/api/train", content=b'{"model": "dcgan", "settings": {"train.lr_g": NaN}}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and "must be finite" in r.json()["error"]
    defaults = client.get("/api/train/defaults?model=dcgan").json()
    assert defaults["family"] == "image" and defaults["settings"]["train.lr_g"] == 3e-4   # dcgan's recommended
    assert defaults["settings"]["train.batch_size"] == 32
    assert defaults["settings"]["augment.kind"] == "none"     # the form's augment choice, sent as its config key
    assert defaults["choices"] == {"augment.kind": ["none", "ada", "diffaugment"]}
    assert {"stylegan2", "biggan"} <= set(client.get("/api/train/options").json()["families"]["image"])
    assert client.get("/api/train/defaults?model=stylegan2").json()["settings"]["model.mapping_layers"] > 0
    assert "augment.kind" not in client.get("/api/train/defaults?model=stackgan").json()["settings"]
    bad = client.post("/api/train", json={"model": "biggan", "settings": {"augment.kind": "adaa"}}).json()
    assert set(bad["fields"]) == {"augment.kind"} and "diffaugment" in bad["fields"]["augment.kind"]
    assert client.get("/api/train/jobs").json() == {"jobs": []}   # nothing was started


def test_a_second_run_queues_the_queue_is_limited_and_a_run_is_steered_and_stopped(client):
    first = client.post("/api/train", json={"model": "mlp", "settings": TINY})
    assert first.status_code == 202 and first.json()["state"] == "running"
    name = first.json()["name"]
    queued = [client.post("/api/train", json={"model": "mlp", "settings": TINY}).json() for _ in range(4)]
    assert [j["state"] for j in queued] == ["queued"] * 4
    full = client.post("/api/train", json={"model": "mlp", "settings": TINY})
    assert full.status_code == 429 and "4 runs are queued already" in full.json()["error"]
    for job in queued:
        assert client.post(f"/api/train/jobs/{job['id']}/cancel", json={}).json()["state"] == "cancelled"

    run = RunFolder(client.root / name)
    wait_until(lambda: run.status().get("training"), "the run to start")
    r = client.post(f"/api/runs/{name}/control", json={"action": "pause"})
    assert r.status_code == 200 and r.json()["event"]["event"] == "paused"
    bad = client.post(f"/api/runs/{name}/control", json={"action": "set", "values": {"train.batch_size": 4}})
    assert bad.status_code == 400 and "cannot change while the run trains" in bad.json()["error"]
    r = client.post(f"/api/runs/{name}/control", json={"action": "set", "values": {"train.lr_g": 1e-4}})
    assert r.json()["event"]["values"] == {"train.lr_g": 1e-4} and r.json()["status"]["settings"]["train.lr_g"] == 1e-4
    assert client.post(f"/api/runs/{name}/control", json={"action": "stop"}).json()["event"]["event"] == "stop"
    wait_until(lambda: client.get("/api/train/jobs").json()["jobs"][0]["state"] == "done", "the run to end")
    r = client.post(f"/api/runs/{name}/control", json={"action": "pause"})
    assert r.status_code == 409 and "is not training" in r.json()["error"]
    events = client.get(f"/api/runs/{name}/events").json()
    assert [e["event"] for e in events["events"]] == ["started", "paused", "set", "stop", "stopped"]
    assert "error" in client.post("/api/runs/nope/control", json={"action": "pause"}).json()


def test_compare_lists_scores_with_cards_and_refuses_to_compare_different_cards(client):
    scored_run(client.root, "a", 30.0, CARD)
    scored_run(client.root, "b", 20.0, CARD)
    scored_run(client.root, "c", 10.0, {**CARD, "num_samples": 2000})
    data = client.get("/api/compare?runs=a,b").json()
    assert [r["name"] for r in data["runs"]] == ["a", "b"]
    (fid,) = data["scores"]
    assert fid["comparable"] and fid["scores"]["a"]["card"] == CARD and fid["scores"]["b"]["value"] == 20.0
    (fid,) = client.get("/api/compare?runs=a,b,c").json()["scores"]
    assert not fid["comparable"] and "num_samples" in fid["why"] and fid["scores"]["c"]["value"] == 10.0
    assert client.get("/api/compare?runs=a,zz").status_code == 404


def test_train_pause_change_resume_stop_fork_and_compare_in_chromium(live_server, page, eval_run):
    page.goto(live_server.url + "/train")
    page.wait_for_selector("body[data-ready]")
    page.select_option("#model", "dcgan")
    page.wait_for_selector("#f-train_steps")
    for key, value in TINY.items():
        if page.locator(f"#f-{key.replace('.', '_')}").count():
            page.fill(f"#f-{key.replace('.', '_')}", str(value))
    page.fill("#more", "data.limit=64\ntrain.lr_g=nope")
    page.click("#start")
    page.wait_for_function("() => document.querySelector('#err-train_lr_g').textContent.includes('must be float')")  # at its field
    page.fill("#more", "data.limit=64")
    page.click("#start")
    page.wait_for_function("() => document.querySelector('#steer-status').dataset.state === 'running'",
                           timeout=90_000)
    name = page.evaluate("() => window.studioTrain.run")
    page.click("#pause")
    page.wait_for_function("() => document.querySelector('#steer-status').dataset.state === 'paused'")
    page.fill("#s-train_lr_g", "0.0001")
    page.click("#apply")
    page.wait_for_function("() => window.studioTrain.events.some((e) => e.event === 'set')")
    page.click("#resume")
    # the marker sits on the curve: losses logged after the change's step
    page.wait_for_function("""() => { const s = window.studioTrain, m = s.markers || [];
        return m.length === 1 && m[0].label === 'lr_g=0.0001' && s.stats.some((r) => r.step > m[0].x); }""",
                           timeout=60_000)
    assert "train.lr_g 0.0003 → 0.0001 (studio)" in page.inner_text("#events")   # from dcgan's recommended 3e-4
    screenshot(page, "train")
    page.click("#stop")
    page.wait_for_function("() => document.querySelector('#steer-status').dataset.state === 'idle'", timeout=60_000)
    run = RunFolder(live_server.app.state.runs.root / name)
    assert run.status()["state"] == "stopped" and run.status()["settings"]["train.lr_g"] == 1e-4
    stop_step = run.status()["step"]
    page.wait_for_function("() => document.querySelectorAll('#fork-step option').length > 0")
    page.fill("#fork-steps", str(stop_step + 2))
    page.fill("#fork-settings", "train.lr_d=5e-5")
    page.click("#fork")
    child = page.wait_for_function("""() => { const j = [...document.querySelectorAll('#jobs li')]
        .find((li) => li.textContent.includes('fork of') && li.dataset.state === 'done'); return j && j.dataset.name; }""",
                                   timeout=90_000).json_value()
    info = json.loads((live_server.app.state.runs.root / child / "run.json").read_text())
    assert info["parent"]["name"] == name and info["parent"]["step"] == stop_step

    page.goto(live_server.url + f"/compare#{name},{child},{eval_run.name}")
    page.wait_for_function("() => window.studioCompare.charts.length > 0")
    charts = page.evaluate("() => window.studioCompare.charts")
    loss_d = next(c for c in charts if c["title"] == "loss/d")
    assert sorted(s["name"] for s in loss_d["series"]) == sorted([name, child, eval_run.name])
    assert all(s["points"] > 0 for s in loss_d["series"])
    assert page.locator("#scores tr[data-metric='fid'] pre").count() >= 1
    assert "reference" in page.inner_text("#scores")
    assert page.locator("#compare-samples img").count() == 3
    assert page.js_errors == []
    screenshot(page, "compare")

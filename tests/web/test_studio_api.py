"""The studio's HTTP API with Starlette's test client: pages, Lab sessions, runs, Create jobs, errors."""
from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("httpx", reason="the studio API tests need httpx: pip install -e '.[test]'")
from starlette.testclient import TestClient  # noqa: E402

from ganforge.media.images import make_grid  # noqa: E402
from ganforge.image.pipeline import LoadedGenerator  # noqa: E402
from ganforge.web.app import create_app  # noqa: E402
from studio_helpers import TEXT_SAMPLES  # noqa: E402


@pytest.fixture(scope="module")
def client(runs_dir):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with TestClient(create_app(runs_dir), base_url="http://127.0.0.1") as c:
        yield c
    torch.set_num_threads(threads)


def wait_job(client, job, timeout=60.0):
    deadline = time.monotonic() + timeout
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job


def create(client, **request):
    r = client.post("/api/create", json={"run": "tiny-cond", **request})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json())
    return job, client.get(f"/api/jobs/{job['id']}/result")


# ---------------------------------------------------------------------- pages
def test_pages_are_served_with_same_origin_policy(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/lab"
    for path in ("/lab", "/runs", "/create"):
        r = client.get(path)
        assert r.status_code == 200 and "<!doctype html>" in r.text
        assert "http://" not in r.text and "https://" not in r.text  # nothing from a CDN
        assert "default-src 'self'" in r.headers["content-security-policy"]
    js = client.get("/static/lab.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_request_naming_a_foreign_host_is_refused(client):
    assert client.get("/api/options", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/api/options", headers={"host": "localhost:8765"}).status_code == 200


# ---------------------------------------------------------------------- Lab
def test_lab_steps_count_and_sessions_are_separate(client):
    a = client.post("/api/lab", json={"seed": 1}).json()
    b = client.post("/api/lab", json={"dataset": "moons", "loss": "hinge"}).json()
    assert a["id"] != b["id"] and a["g_steps"] == a["d_steps"] == 0
    f = client.post(f"/api/lab/{a['id']}/control", json={"action": "step_d"}).json()
    assert (f["d_steps"], f["g_steps"]) == (1, 0)
    f = client.post(f"/api/lab/{a['id']}/control", json={"action": "step_g"}).json()
    assert (f["d_steps"], f["g_steps"]) == (1, 1) and f["history"][-1][0] == 1
    assert client.post(f"/api/lab/{b['id']}/control", json={"action": "play"}).json()["playing"] is True
    deadline = time.monotonic() + 60
    while client.get(f"/api/lab/{b['id']}").json()["g_steps"] <= 5:
        assert time.monotonic() < deadline, "the playing lab did not train"
        time.sleep(0.1)
    b_now = client.post(f"/api/lab/{b['id']}/control", json={"action": "pause"}).json()
    assert b_now["g_steps"] > 5 and b_now["d_steps"] == b_now["g_steps"]
    assert client.get(f"/api/lab/{a['id']}").json()["g_steps"] == 1  # the other tab's lab did not move
    assert client.get(f"/api/lab/{b['id']}").json()["g_steps"] == b_now["g_steps"]  # paused means paused
    reset = client.post(f"/api/lab/{b['id']}/control", json={"action": "reset"}).json()
    assert reset["g_steps"] == 0 and reset["history"] == [] and reset["config"]["loss"] == "hinge"


def test_lab_frame_shapes_and_divergence(client):
    f = client.post("/api/lab", json={"dataset": "grid", "g_hidden": [16], "d_hidden": [16, 8]}).json()
    size = f["surface"]["size"]
    assert len(f["surface"]["values"]) == size * size and all(0 <= v <= 255 for v in f["surface"]["values"])
    assert len(f["manifold"]["points"]) == f["manifold"]["size"] ** 2
    assert len(f["real"]) == len(f["fake"]) == 512 and len(f["arrows"]) == 128
    assert f["modes"]["total"] == 25 and f["modes"]["covered"] <= 2 and 0.5 < f["js"] <= 1.0  # untrained: G
    # maps everything near the origin, i.e. onto at most the centre mode
    real = np.array(f["real"])  # grid modes sit on integer coordinates
    assert np.abs(real - real.round()).max() < 0.35


def test_lab_uses_the_registry_loss_and_its_hooks(client):
    f = client.post("/api/lab", json={"loss": "wgan"}).json()
    client.post(f"/api/lab/{f['id']}/control", json={"action": "step_d"})
    session = client.app.state.labs.get(f["id"])
    assert max(p.abs().max().item() for p in session.D.parameters()) <= 0.01 + 1e-7  # WGAN clipping ran
    assert type(session.loss).__name__ == "WassersteinLoss"


def test_lab_arrows_point_where_the_generator_loss_falls(client):
    f = client.post("/api/lab", json={"seed": 3}).json()
    for _ in range(20):
        f = client.post(f"/api/lab/{f['id']}/control", json={"action": "step_d"}).json()
    session = client.app.state.labs.get(f["id"])
    points, arrows = torch.tensor(f["fake"][:128]), torch.tensor(f["arrows"])
    eps = 1e-3 / arrows.norm(dim=1).max()
    with torch.no_grad():
        before = session.loss.generator(session.D(points))
        after = session.loss.generator(session.D(points + eps * arrows))
    assert after < before


def test_lab_slow_motion_is_slow(client):
    f = client.post("/api/lab", json={}).json()
    client.post(f"/api/lab/{f['id']}/control", json={"action": "slow", "on": True})
    client.post(f"/api/lab/{f['id']}/control", json={"action": "play"})
    time.sleep(1.0)
    g = client.post(f"/api/lab/{f['id']}/control", json={"action": "pause"}).json()
    assert 1 <= g["g_steps"] <= 6 and g["slow"] is True


def test_lab_drawn_points(client):
    r = client.post("/api/lab", json={"dataset": "drawn", "points": [[0, 0]]})
    assert r.status_code == 400 and "at least 3 points" in r.json()["error"]
    pts = [[1.0, 1.0], [-1.0, 0.5], [0.5, -2.0]]
    f = client.post("/api/lab", json={"dataset": "drawn", "points": pts}).json()
    d = torch.cdist(torch.tensor(f["real"]), torch.tensor(pts)).min(1).values
    assert d.max() < 0.3 and f["config"]["points"] == pts


def test_lab_errors_are_4xx_with_a_message(client):
    cases = [({"loss": "wasserstein"}, "unknown loss"), ({"lr_g": "fast"}, "lr_g"), ({"g_hidden": [0]}, "layer"),
             ({"d_steps": 0}, "d_steps"), ({"colour": 1}, "valid keys")]
    for body, words in cases:
        r = client.post("/api/lab", json=body)
        assert r.status_code == 400 and words in r.json()["error"], (body, r.text)
    f = client.post("/api/lab", json={}).json()
    r = client.post(f"/api/lab/{f['id']}/control", json={"action": "jump"})
    assert r.status_code == 400 and "unknown Lab action" in r.json()["error"]
    r = client.get("/api/lab/no-such-session")
    assert r.status_code == 404 and "expired" in r.json()["error"]


# ---------------------------------------------------------------------- runs
def test_runs_list_and_detail_match_the_files(client, runs_dir):
    runs = client.get("/api/runs").json()["runs"]
    run = next(r for r in runs if r["name"] == "tiny-cond")
    assert run["model"] == "mlp" and run["step"] == 20 and run["samples"] == 2
    d = client.get("/api/runs/tiny-cond").json()
    lines = (runs_dir / "tiny-cond" / "stats.jsonl").read_text().splitlines()
    assert [row["step"] for row in d["stats"]] == [json.loads(line)["step"] for line in lines]
    assert d["config"] == (runs_dir / "tiny-cond" / "config.yaml").read_text()
    assert d["sample_steps"] == [10, 20] and d["checkpoints"][-1]["num_classes"] == 10
    png = client.get("/api/runs/tiny-cond/samples/step_0000010.png")
    assert png.content == (runs_dir / "tiny-cond" / "samples" / "step_0000010.png").read_bytes()


def test_runs_detail_is_incremental_and_survives_bad_lines(client, tmp_path):
    from ganforge.engine.run_folder import RunFolder

    run = tmp_path / "live-run"
    run.mkdir()
    RunFolder(run).write_info("image", "dcgan")
    (run / "config.yaml").write_text("model: {}\n")
    stats = run / "stats.jsonl"
    stats.write_text('{"step": 1, "loss/d": 1.0}\n{"step": 2, "loss/d": NaN}\nnot json\n{"step": 3, "loss/')
    with TestClient(create_app(tmp_path), base_url="http://127.0.0.1") as c:
        d = c.get("/api/runs/live-run").json()
        assert [r["step"] for r in d["stats"]] == [1, 2] and d["stats"][1]["loss/d"] is None
        assert d["stats_lines"] == 3 and d["live"] is True
        with open(stats, "a") as f:
            f.write('d": 0.5}\n{"step": 4, "loss/d": 0.25}\n')
        d = c.get(f"/api/runs/live-run?since_stats={d['stats_lines']}").json()
        assert [r["step"] for r in d["stats"]] == [3, 4] and d["stats_from"] == 3
        assert c.get("/api/runs/live-run?since_stats=abc").status_code == 400
        (run / "metrics.jsonl").write_text('{"step": 2, "time": 1.0, "nll_gen": 2.5}\n')  # a 0.1.0 text row
        d = c.get("/api/runs/live-run").json()
        assert [(r["step"], r["values"]) for r in d["metrics"]] == [(2, {"nll_gen": 2.5})]


def test_text_run_detail_samples_and_create(client, text_run):
    d = client.get("/api/runs/tiny-text").json()
    assert d["family"] == "text" and d["model"] == "seqgan" and d["step"] == 80
    assert d["stats"][0]["pretrain_g/nll"] == 2.75 and d["stats"][-1]["phase"] == "adversarial"
    assert [r["values"]["nll_gen"] for r in d["metrics"]] == [2.3, 2.1, 1.9, 1.7]
    assert d["sample_files"] == [{"step": s, "file": f"step_{s:07d}.txt", "kind": "text"} for s in TEXT_SAMPLES]
    r = client.get("/api/runs/tiny-text/samples/step_0000080.txt")
    assert r.headers["content-type"].startswith("text/plain") and r.text == TEXT_SAMPLES[80] + "\n"
    (text_run / "samples" / "step_0000090.bin").write_bytes(b"\0")  # a suffix the studio does not serve
    try:
        assert client.get("/api/runs/tiny-text/samples/step_0000090.bin").status_code == 404
        assert [s["step"] for s in client.get("/api/runs/tiny-text").json()["sample_files"]] == [40, 80]
    finally:
        (text_run / "samples" / "step_0000090.bin").unlink()
    r = client.post("/api/create", json={"run": "tiny-text"})
    assert r.status_code == 400 and "is a text run" in r.json()["error"]


# ---------------------------------------------------------------------- Create
def test_create_sample_is_ganforge_sampling(client, runs_dir):
    job, png = create(client, seed=5, label=3, n=16)
    assert png.headers["content-type"] == "image/png"
    image = np.array(Image.open(io.BytesIO(png.content)))
    g = LoadedGenerator.load(runs_dir / "tiny-cond")
    expected = make_grid(g.sample(16, labels=3, seed=5))[..., 0]
    assert np.array_equal(image[::2, ::2], expected)  # written at scale 2
    _, other = create(client, seed=5, label=4, n=16)
    assert other.content != png.content
    download = client.get(f"/api/jobs/{job['id']}/result?download=1")
    assert 'attachment; filename="tiny-cond-step20-seed5.png"' == download.headers["content-disposition"]


def test_create_locked_dimensions_and_walk(client):
    _, png = create(client, seed=1, label=2, n=4, locked="0-99")
    image = np.array(Image.open(io.BytesIO(png.content)))
    tiles = [image[2 * (2 + r * 30):2 * (2 + r * 30 + 28), 2 * (2 + c * 30):2 * (2 + c * 30 + 28)]
             for r in range(2) for c in range(2)]
    assert all(np.array_equal(t, tiles[0]) for t in tiles)  # every latent dimension locked: one image 4 times
    _, walk = create(client, action="walk", seed=1, seed_b=2, steps=5, label=1)
    frames = json.loads(walk.content)["frames"]
    assert len(frames) == 5 and all(f.startswith("data:image/png;base64,") for f in frames)
    _, gif = create(client, action="gif", seed=1, seed_b=2, steps=6)
    animation = Image.open(io.BytesIO(gif.content))
    assert animation.format == "GIF" and animation.n_frames == 6


def test_create_errors(client):
    job, _ = create(client, label=10)
    assert job["state"] == "error" and "classes 0..9" in job["error"]
    job, _ = create(client, locked="5-x")
    assert job["state"] == "error" and "locked dimensions" in job["error"]
    r = client.post("/api/create", json={"run": "no-such-run"})
    assert r.status_code == 404 and "no run named" in r.json()["error"]
    r = client.post("/api/create", json={"run": "tiny-cond", "n": 1000})
    assert r.status_code == 400 and "<= 64" in r.json()["error"]
    assert client.get("/api/jobs/nope").status_code == 404

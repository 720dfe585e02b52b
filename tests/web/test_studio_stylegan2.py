"""The Create page's style mixing and truncation in W for a stylegan2 run, through the studio's HTTP API."""
from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("httpx", reason="the studio API tests need httpx: pip install -e '.[test]'")
from starlette.testclient import TestClient  # noqa: E402

from ganforge.family import load  # noqa: E402
from ganforge.image.explore import style_mix_grid  # noqa: E402
from ganforge.media.images import make_grid  # noqa: E402
from ganforge.web.app import create_app  # noqa: E402
from helpers import untrained_run  # noqa: E402


def run_job(client, **request):
    r = client.post("/api/create", json={"run": "sg", **request})
    assert r.status_code == 202, r.text
    job = r.json()
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job, client.get(f"/api/jobs/{job['id']}/result")


def test_create_mixes_styles_and_truncates_in_w(tmp_path):
    run = untrained_run(tmp_path / "sg", model={"name": "stylegan2", "width": 4, "latent_dim": 8,
                                                "mapping_layers": 2})
    g = load(run)
    with TestClient(create_app(tmp_path, provenance=False), base_url="http://127.0.0.1") as client:
        job, png = run_job(client, action="mix", seed=3, seed_b=8, crossover=2)
        assert job["state"] == "done", job
        image = np.array(Image.open(io.BytesIO(png.content)))
        expected = make_grid(style_mix_grid(g, [3], [8], crossover=2), nrow=2)[..., 0]
        assert np.array_equal(image[::4, ::4], expected)          # written at scale 4
        _, sample = run_job(client, seed=1, n=4, truncation=0.5)
        image = np.array(Image.open(io.BytesIO(sample.content)))
        assert np.array_equal(image[::2, ::2], make_grid(g.sample(4, seed=1, truncation=0.5))[..., 0])
        job, _ = run_job(client, action="mix", crossover=40)
        assert job["state"] == "error" and "crossover 40 is outside 0..8" in job["error"]
        (newest,) = client.get("/api/runs/sg").json()["checkpoints"]
        assert newest["style_layers"] == g.generator.num_ws == 8   # the page bounds the crossover input by it
    dcgan = untrained_run(tmp_path / "dc")
    with TestClient(create_app(tmp_path, provenance=False), base_url="http://127.0.0.1") as client:
        job, _ = run_job(client, run=dcgan.name, action="mix")
        assert job["state"] == "error" and "needs a model with a mapping network" in job["error"]

"""Per-sample views of an evaluation: memorisation found by nearest neighbours, a noise image ranked worst,
the confident share; `ganforge eval RUN --extractor all --views` writes them and the studio serves them."""
import json

import numpy as np
import pytest
import torch
from starlette.testclient import TestClient

from ganforge.cli.main import main
from ganforge.image.data import load_split
from ganforge.image.metrics.views import confident_share, neighbour_rows, worst_samples
from ganforge.metrics.features import create_extractor

EXTRACTORS = ("mnist-classifier", "mnist-resnet", "mnist-autoencoder")


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    return load_split("embedded").images


def test_an_exact_copy_of_a_training_image_is_its_own_nearest_neighbour_at_distance_0(digits):
    extractor = create_extractor("mnist-classifier")
    train, samples = digits[:1000], digits[5000:5040].clone()
    samples[7] = train[123]                                         # a memorised training digit
    rows = neighbour_rows(extractor.extract(samples)[0], extractor.extract(train)[0], samples, train, n=4)
    assert rows["exact_copies"] == 1
    first = rows["rows"][0]                                         # the closest sample is shown first
    assert first["sample"] == 7 and first["neighbours"][0] == 123 and first["distances"][0] == 0.0
    assert all(r["distances"][0] > 0 for r in rows["rows"][1:])


@pytest.mark.parametrize("name", EXTRACTORS)
def test_a_noise_image_is_the_worst_sample_among_digits(digits, name):
    extractor = create_extractor(name)
    samples = digits[6000:6100].clone()
    samples[42] = torch.randint(0, 256, (1, 28, 28), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    order, scores = worst_samples(extractor.extract(samples)[0], extractor.extract(digits[:1500])[0], n=5)
    assert order[0] == 42 and scores[0] < scores[1]


def test_confident_share_counts_max_probability_above_the_threshold():
    probs = np.array([[0.95, 0.05], [0.5, 0.5], [0.1, 0.9], [0.02, 0.98]])
    assert confident_share(probs) == 0.5                             # 0.9 itself is not above 0.9


def test_eval_of_a_run_writes_views_that_the_studio_shows(digits, tmp_path, capsys, monkeypatch):
    from ganforge.web.app import create_app

    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))

    runs = tmp_path / "runs"
    assert main(["train", "mlp", "--steps", "3", "--batch-size", "16", "--set", "model.width=8", "--set",
                 "data.limit=256", "--set", "train.threads=1", "--quiet", "--out", str(runs), "--name", "r"]) == 0
    ref, train, real = tmp_path / "ref.npz", tmp_path / "train.npz", tmp_path / "real.npz"
    np.savez(ref, images=digits[:400].numpy())
    np.savez(train, images=digits[1000:1600].numpy())
    np.savez(real, images=digits[2000:2100].numpy())
    saved = tmp_path / "score.json"
    args = ["--ref", str(ref), "--n", "100", "--metrics", "fid,kid,pr", "--extractor", "all", "--kid-subset-size",
            "50", "--kid-subsets", "3", "--threads", "1"]
    assert main(["eval", str(real), *args, "--out", str(saved)]) == 0       # real digits: the baseline
    assert main(["eval", str(runs / "r"), *args, "--compare", str(saved), "--views",
                 "--neighbours-in", str(train)]) == 0
    out = capsys.readouterr().out
    assert "3 extractors (one row each)" in out and "trained on mnist (60000 images" in out
    for name in EXTRACTORS:
        assert f"difference to {saved} under {name}" in out
    # a 3-step generator is worse than real digits under every extractor: they agree
    assert "all 3 extractors rank this and baseline the same way" in out and "disagreement" not in out
    assert set(json.loads(saved.read_text())["extractors"]) == set(EXTRACTORS)
    views_dir = runs / "r" / "eval" / "views"
    views = json.loads((views_dir / "views.json").read_text())
    assert set(views["confident"]) == set(EXTRACTORS) and views["neighbours"]["extractor"] == "mnist-classifier"
    assert len(views["neighbours"]["rows"]) == 16 and len(views["worst"]["mnist-resnet"]["samples"]) == 16

    with TestClient(create_app(runs), base_url="http://127.0.0.1") as client:
        got = client.get("/api/runs/r/views").json()
        assert got["worst"]["mnist-autoencoder"]["url"] == "/api/runs/r/views/worst-mnist-autoencoder.png"
        png = client.get(got["neighbours"]["url"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content == (views_dir / "neighbours-mnist-classifier.png").read_bytes()
        assert client.get("/api/runs/r/views/views.json").status_code == 404       # only the grids' pattern
        assert client.get("/api/runs/r/views/worst-..%2Frun.json").status_code == 404
        page = client.get("/runs").text + client.get("/static/runs.js").text
        assert "eval-views" in page and "/views" in page
        (views_dir / "views.json").unlink()
        assert client.get("/api/runs/r/views").status_code == 404


def test_views_and_extractor_mistakes_are_one_line_errors(digits, tmp_path, capsys):
    from helpers import cli_error

    fake = tmp_path / "fake.npz"
    np.savez(fake, images=digits[:20].numpy())
    assert "--views DIR" in cli_error(capsys, ["eval", str(fake), "--ref", "embedded", "--views"])
    assert "pass a single --extractor" in cli_error(
        capsys, ["eval", str(fake), "--ref", "embedded", "--extractor", "all", "--weights", str(fake)])
    assert "pass --data mnist" in cli_error(
        capsys, ["features", "train", "--extractor", "mnist-resnet", "--data", "fashion-mnist"])

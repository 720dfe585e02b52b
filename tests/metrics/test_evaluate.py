"""ganforge.metrics.evaluate and `ganforge eval`: scores with a protocol card, caching, and every bad input
of issue 3 as a one-line error."""
import json

import numpy as np
import pytest
import torch

from ganforge.cli.main import main
from helpers import cli_error
from ganforge.image.data import load_split
from ganforge.errors import GanforgeError
from ganforge.metrics import Evaluator, ProtocolCard, ReferenceStats, check_comparable, evaluate
from ganforge.metrics.fid import feature_statistics, frechet_distance
from ganforge.metrics.protocol import stats_cache_path


@pytest.fixture(scope="module")
def digits():
    return load_split("embedded").images          # uint8 [10000, 1, 28, 28]


def write_npz(path, images):
    np.savez(path, images=images.permute(0, 2, 3, 1).numpy())
    return path


def test_evaluate_npz_against_embedded_with_card_and_cache(metrics_cache, digits, tmp_path):
    fake = write_npz(tmp_path / "fake.npz", digits[:300])
    score = evaluate(fake, ref="embedded", metrics="fid,kid,is,pr,dc", num_samples=300,
                     options={"kid_subset_size": 100, "kid_subsets": 5})
    card = score.card
    assert card.num_samples == 300 and card.reference == "embedded" and card.reference_count == 10000
    assert card.extractor == "mnist-classifier" and card.extractor_sha256 == metrics_cache["sha256"]
    assert len(card.reference_sha256) == 64 and card.seed == 0 and card.ganforge_version
    assert set(score.values) >= {"fid", "kid", "kid_std", "is", "is_std", "precision", "recall", "density",
                                 "coverage"}
    # the FID is the Fréchet distance between the two feature sets' statistics
    ev = Evaluator("embedded")
    feats, _ = ev.extractor.extract(digits[:300])
    assert score.values["fid"] == pytest.approx(frechet_distance(*feature_statistics(feats), ev.stats.mean,
                                                                 ev.stats.cov), rel=1e-6)
    assert stats_cache_path(card).is_file()
    text = str(score)
    for needle in ("FID", "KID", "IS", "precision", "recall", "samples:", "reference:", "extractor:", "resize:"):
        assert needle in text


def test_real_images_score_better_than_noise(metrics_cache, digits):
    ev = Evaluator("embedded")
    real = ev.score(digits[-500:], "fid,pr", source="real")
    noise = ev.score(torch.randint(0, 256, (500, 1, 28, 28), dtype=torch.uint8), "fid,pr", source="noise")
    assert real.values["fid"] < noise.values["fid"] / 10
    assert real.values["precision"] > 0.8 > noise.values["precision"]



def test_bad_inputs_are_one_line_errors(metrics_cache, digits, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no images" in cli_error(capsys, ["eval", str(empty), "--ref", "embedded"])
    big = write_npz(tmp_path / "big.npz", torch.zeros(50, 1, 32, 32, dtype=torch.uint8))
    assert "32x32 images with 1 channel(s) but reference" in cli_error(capsys, ["eval", str(big), "--ref", "embedded"])
    rgb = write_npz(tmp_path / "rgb.npz", digits[:50].expand(-1, 3, -1, -1))
    assert "with 3 channel(s) but reference" in cli_error(capsys, ["eval", str(rgb), "--ref", "embedded"])
    few = write_npz(tmp_path / "few.npz", digits[:50])
    assert "KID subset size 1000 exceeds the sample count" in cli_error(
        capsys, ["eval", str(few), "--ref", "embedded", "--metrics", "kid"])
    assert "needs at least 10 samples" in cli_error(
        capsys, ["eval", str(few), "--ref", "embedded", "--metrics", "is", "--n", "5"])
    assert "unknown metric 'fd'" in cli_error(capsys, ["eval", str(few), "--ref", "embedded", "--metrics", "fd"])


def test_reference_statistics_of_another_protocol_are_refused(metrics_cache, digits, tmp_path, capsys):
    from ganforge.image.metrics.classifier import train_classifier

    stats_file = tmp_path / "ref.npz"
    fake = write_npz(tmp_path / "fake.npz", digits[:200])
    assert main(["eval", str(fake), "--ref", "embedded", "--metrics", "fid", "--save-ref", str(stats_file)]) == 0
    capsys.readouterr()
    assert main(["eval", str(fake), "--ref", str(stats_file), "--metrics", "fid"]) == 0   # same protocol: fine
    other = train_classifier("embedded", str(tmp_path / "other.safetensors"), epochs=1, limit=1000, seed=1, quiet=True)
    err = cli_error(capsys, ["eval", str(fake), "--ref", str(stats_file), "--metrics", "fid", "--weights",
                             other["path"]])
    assert "another protocol" in err and "extractor_sha256" in err
    stats = ReferenceStats.load(stats_file)
    assert stats.card["reference"] == "embedded" and stats.features.shape[0] == 10000


def test_scores_with_different_cards_are_never_compared(metrics_cache, digits, tmp_path, capsys):
    ev = Evaluator("embedded")
    a = ev.score(digits[:200], "fid", seed=0, source="a")
    b = ev.score(digits[200:400], "fid", seed=0, source="b")
    assert set(a.compare(b)) == {"fid"}
    c = ev.score(digits[:300], "fid", seed=0, source="c")
    with pytest.raises(GanforgeError, match="num_samples is 200 vs 300"):
        a.compare(c)
    saved = tmp_path / "a.json"
    saved.write_text(json.dumps(a.to_dict()))
    fake = write_npz(tmp_path / "fake.npz", digits[:300])
    assert "different protocols: num_samples" in cli_error(
        capsys, ["eval", str(fake), "--ref", "embedded", "--metrics", "fid", "--n", "300", "--compare", str(saved)])
    with pytest.raises(GanforgeError):
        check_comparable(a.card, ProtocolCard(**{**a.card.to_dict(), "resize": "bicubic"}))


def test_eval_of_a_trained_run_prints_scores_card_and_floor(metrics_cache, tmp_path, capsys):
    assert main(["train", "mlp", "--steps", "20", "--batch-size", "32", "--set", "model.width=8",
                 "--set", "data.limit=512", "--quiet", "--out", str(tmp_path), "--name", "run"]) == 0
    out_json = tmp_path / "score.json"
    code = main(["eval", str(tmp_path / "run"), "--ref", "embedded", "--n", "300", "--metrics", "fid,kid,is,pr",
                 "--kid-subset-size", "100", "--kid-subsets", "5", "--floor", "embedded", "--out", str(out_json)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "(step 20)" in out and "FID" in out and "KID" in out and "IS" in out and "precision" in out
    assert "floor: real embedded" in out and "weights sha256" in out
    saved = json.loads(out_json.read_text())
    assert saved["card"]["num_samples"] == 300 and saved["values"]["fid"] > saved["floor"]["values"]["fid"]


def test_run_samples_are_seeded(metrics_cache, tmp_path):
    assert main(["train", "mlp", "--steps", "5", "--batch-size", "32", "--set", "model.width=8",
                 "--set", "data.limit=256", "--quiet", "--out", str(tmp_path), "--name", "r"]) == 0
    one = evaluate(tmp_path / "r", ref="embedded", metrics="fid", num_samples=100, seed=3)
    two = evaluate(tmp_path / "r", ref="embedded", metrics="fid", num_samples=100, seed=3)
    three = evaluate(tmp_path / "r", ref="embedded", metrics="fid", num_samples=100, seed=4)
    assert one.values["fid"] == two.values["fid"] != three.values["fid"]

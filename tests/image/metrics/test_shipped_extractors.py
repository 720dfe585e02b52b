"""The second and third opinions ship in the package: their hashes, cards and the docs that quote them; training
them is seeded (one command each, reproducible on one machine)."""
import re
from pathlib import Path

import pytest
import torch

from ganforge.cli.main import main
from ganforge.image.data import load_split
from ganforge.files import file_digest
from ganforge.image.metrics.classifier import SHIPPED, SHIPPED_SHA256
from ganforge.image.metrics.resnet_classifier import augment_digits
from ganforge.metrics.features import create_extractor

DOCS = Path(__file__).resolve().parents[3] / "docs" / "evaluation.md"
FIGURE = {"mnist-classifier": ("test_accuracy", 0.98), "mnist-resnet": ("test_accuracy", 0.98),
          "mnist-autoencoder": ("linear_probe_accuracy", 0.85)}


@pytest.mark.parametrize("name", sorted(FIGURE))
def test_each_extractor_loads_from_the_shipped_weights_with_its_recorded_hash_and_card(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path))        # an empty cache: only the package's files
    path = SHIPPED / f"{name}.safetensors"
    assert path.is_file() and path.stat().st_size < 2 * 2**20
    assert file_digest(path, "sha256") == SHIPPED_SHA256[name]
    extractor = create_extractor(name)
    card = extractor.card()
    assert card["sha256"] == SHIPPED_SHA256[name] and Path(card["weights"]) == path
    assert card["data"] == "mnist" and card["train_images"] == 60000 and card["test_images"] == 10000
    figure, least = FIGURE[name]
    assert card[figure] > least
    assert card["train"] == ("ganforge features train --data mnist" if name == "mnist-classifier" else
                             f"ganforge features train --extractor {name} --data mnist")
    if name == "mnist-autoencoder":
        assert 0 < card["test_reconstruction_mse"] < 0.05 and "without labels" in card["objective"]
    assert re.search(rf"`{name}` sha256\s+`{SHIPPED_SHA256[name]}`", DOCS.read_text()), f"docs must quote {name}"
    features, probs = extractor.extract((torch.rand(3, 1, 28, 28) * 255).to(torch.uint8))
    assert features.shape[0] == 3 and probs.shape == (3, 10) and abs(probs.sum(1) - 1).max() < 1e-6


def test_autoencoder_training_is_one_seeded_command(tmp_path, capsys):
    torch.set_num_threads(1)
    args = ["features", "train", "--extractor", "mnist-autoencoder", "--data", "embedded", "--limit", "256",
            "--epochs", "1", "--threads", "1"]
    assert main(args + ["--out", str(tmp_path / "a.safetensors")]) == 0
    assert main(args + ["--out", str(tmp_path / "b.safetensors")]) == 0
    assert file_digest(tmp_path / "a.safetensors", "sha256") == file_digest(tmp_path / "b.safetensors", "sha256")
    out = capsys.readouterr().out
    assert "trained mnist-autoencoder on embedded" in out and "linear probe accuracy" in out
    assert create_extractor("mnist-autoencoder", weights=str(tmp_path / "a.safetensors")).card()["steps"] == 2


def test_resnet_training_is_seeded_and_its_augmentation_too(tmp_path, capsys):
    torch.set_num_threads(1)
    digits = load_split("embedded").images[:64]
    one, two = (augment_digits(digits, torch.Generator().manual_seed(5)) for _ in range(2))
    assert torch.equal(one, two) and not torch.equal(one, augment_digits(digits, torch.Generator().manual_seed(6)))
    assert one.min() >= -1 and one.max() <= 1 and not torch.equal(one, digits.float() / 127.5 - 1)
    assert main(["features", "train", "--extractor", "mnist-resnet", "--data", "embedded", "--limit", "256",
                 "--epochs", "1", "--threads", "1", "--out", str(tmp_path / "r.safetensors")]) == 0
    assert "trained mnist-resnet on embedded" in capsys.readouterr().out
    card = create_extractor("mnist-resnet", weights=str(tmp_path / "r.safetensors")).card()
    assert card["steps"] == 2 and card["data"] == "embedded" and 0 <= card["test_accuracy"] <= 1


def test_features_card_prints_every_mnist_extractor(capsys):
    assert main(["features", "card"]) == 0
    out = capsys.readouterr().out
    for name in FIGURE:
        assert f"{name}\n  weights:" in out and SHIPPED_SHA256[name] in out

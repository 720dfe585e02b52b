"""The domain classifier ships inside the package, so every machine's protocol card names the same extractor."""
from __future__ import annotations

import re
from pathlib import Path

import torch

from ganforge.files import file_digest
from ganforge.image.metrics.classifier import SHIPPED_SHA256, default_weights, load_classifier
from ganforge.metrics.features import create_extractor

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_shipped_weights_have_the_hash_the_docs_quote():
    path = default_weights("mnist")
    assert path.parent.name == "weights" and path.is_file()       # the package's copy, not a cache
    digest = file_digest(path, "sha256")
    assert digest == SHIPPED_SHA256["mnist-classifier"]
    docs = (DOCS / "benchmarks.md").read_text()
    assert re.search(rf"`mnist-classifier` sha256\s+`{digest}`", docs), "docs/benchmarks.md must quote the shipped hash"


def test_evaluation_works_right_after_install_with_the_shipped_extractor(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path))        # an empty cache: nothing trained here
    extractor = create_extractor("mnist-classifier")
    assert extractor.describe()["extractor_sha256"] == SHIPPED_SHA256["mnist-classifier"]
    _, meta = load_classifier(default_weights("mnist"))
    assert meta["test_accuracy"] > 0.98
    images = (torch.rand(4, 1, 28, 28) * 255).to(torch.uint8)
    features, probs = extractor.extract(images)
    assert features.shape == (4, 128) and abs(probs.sum(1) - 1).max() < 1e-5

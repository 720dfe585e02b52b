"""Shared fixtures: a private cache folder (reference statistics), with the mnist-classifier weights the package ships."""
import os

import pytest
import torch


@pytest.fixture(scope="session")
def metrics_cache(tmp_path_factory):
    """GANFORGE_CACHE -> a temp folder; the extractor is the shipped mnist-classifier (no training needed)."""
    from ganforge.files import file_digest
    from ganforge.image.metrics.classifier import default_weights, load_classifier

    old = os.environ.get("GANFORGE_CACHE")
    cache = tmp_path_factory.mktemp("cache")
    os.environ["GANFORGE_CACHE"] = str(cache)
    torch.set_num_threads(1)
    path = default_weights("mnist")
    info = {"path": str(path), "sha256": file_digest(path, "sha256"), **load_classifier(path)[1]}
    yield {"cache": cache, **info}
    if old is None:
        os.environ.pop("GANFORGE_CACHE", None)
    else:
        os.environ["GANFORGE_CACHE"] = old

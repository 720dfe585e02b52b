"""Shared fixtures: a private cache folder holding a small domain classifier trained on the embedded digits."""
import os

import pytest
import torch


@pytest.fixture(scope="session")
def metrics_cache(tmp_path_factory):
    """GANFORGE_CACHE -> a temp folder with mnist-classifier weights (4,000 digits, 3 epochs: seconds)."""
    from ganforge.image.metrics.classifier import default_weights, train_classifier

    old = os.environ.get("GANFORGE_CACHE")
    cache = tmp_path_factory.mktemp("cache")
    os.environ["GANFORGE_CACHE"] = str(cache)
    torch.set_num_threads(1)
    info = train_classifier("embedded", str(default_weights("mnist")), epochs=3, limit=4000, seed=0, quiet=True)
    yield {"cache": cache, **info}
    if old is None:
        os.environ.pop("GANFORGE_CACHE", None)
    else:
        os.environ["GANFORGE_CACHE"] = old

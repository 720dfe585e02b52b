"""The truncation curve of an image generator: fidelity against diversity as the latent is truncated harder.

    from ganforge.metrics.evaluate import Evaluator
    rows = truncation_curve(ganforge.load(RUN), Evaluator("mnist:test"), n=2000)
    # [{"psi": None, "fid": ..., "is": ..., "precision": ..., "recall": ..., "class_accuracy": ...}, ...]

Each point samples ``n`` images with the pipeline's truncated normal (``truncation=psi``: every latent
component with ``|z| > psi`` is redrawn, BigGAN's truncation trick; ``None``: plain normal) from the
same seed, and scores them with the metrics core (FID, IS, precision/recall by default) and, for a
class-conditional run under a domain classifier, the accuracy of the classifier on the classes the
samples were asked for. Lower psi should raise precision, IS and class accuracy (fidelity) and lower
recall (diversity). Nothing here is a new metric: it loops the existing ones over psi.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import torch
from tqdm import tqdm

from ganforge.metrics.classifier_training import classifier_accuracy

DEFAULT_PSIS = (None, 1.0, 0.8, 0.6, 0.4, 0.2)   # None: no truncation


def class_accuracy(evaluator, images: torch.Tensor, labels: Optional[torch.Tensor]) -> Optional[float]:
    """Top-1 accuracy of the evaluator's domain classifier on conditional samples against the labels they were
    generated for (resized as the evaluator resizes them); None for unconditional samples or another extractor."""
    extractor = evaluator.extractor
    if labels is None or not extractor.name.endswith("-classifier"):
        return None
    samples, _ = evaluator.prepare(images)
    return classifier_accuracy(extractor.network, samples.to(extractor.device), labels.to(extractor.device),
                               extractor.prepare)


def truncation_curve(generator, evaluator, psis: Sequence[Optional[float]] = DEFAULT_PSIS, n: int = 2000,
                     seed: int = 0, metrics: str = "fid,is,pr", progress: bool = True,
                     options: Optional[Dict[str, Any]] = None) -> List[Dict[str, float]]:
    """One row per psi: ``psi`` and the metrics' values, plus ``class_accuracy`` for a conditional generator.

    ``generator`` is an image pipeline (``ganforge.load(RUN)``: ``.sample(n, seed=, truncation=, return_labels=)``),
    ``evaluator`` a :class:`ganforge.metrics.evaluate.Evaluator` holding the reference, ``options`` the metrics'
    options (e.g. ``{"kid_subset_size": 100}``)."""
    rows = []
    for psi in tqdm(psis, desc="truncation curve", disable=not progress, leave=False):
        images, labels = generator.sample(n, seed=seed, truncation=psi, return_labels=True)
        score = evaluator.score(images, metrics, seed=seed, source=f"psi={psi}", options=options)
        row = {"psi": psi, **score.values}
        accuracy = class_accuracy(evaluator, images, labels)
        if accuracy is not None:
            row["class_accuracy"] = accuracy
        rows.append(row)
    return rows

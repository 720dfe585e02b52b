"""Evaluation: FID, KID, IS, precision/recall, density/coverage with a protocol card; mode coverage.

    from ganforge.metrics import evaluate
    score = evaluate("runs/dcgan-...", ref="mnist:test", metrics="fid,kid,is,pr")

Metrics live in :data:`METRICS`, feature extractors in :data:`EXTRACTORS`; adding one is one
class with one decorator in a module imported here.
"""
from ganforge.metrics import fid, inception_score, precision_recall  # noqa: F401  (register the metrics)
from ganforge.metrics.evaluate import DEFAULT_METRICS, Evaluator, Score, evaluate
from ganforge.metrics.features import EXTRACTORS, create_extractor
from ganforge.metrics.protocol import ProtocolCard, ReferenceStats, check_comparable
from ganforge.metrics.registry import METRICS, register_metric

__all__ = ["DEFAULT_METRICS", "EXTRACTORS", "Evaluator", "METRICS", "ProtocolCard", "ReferenceStats", "Score",
           "check_comparable", "create_extractor", "evaluate", "register_metric"]

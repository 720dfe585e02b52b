"""The evaluation core: metrics of any modality with a protocol card; FID, KID, IS, precision/recall, density/coverage.

    from ganforge.metrics import evaluate
    score = evaluate("runs/dcgan-...", ref="mnist:test", metrics="fid,kid,is,pr")

Metrics live in :data:`METRICS` (feature metrics registered here, raw-sample metrics such as BLEU
by their family), feature extractors in :data:`EXTRACTORS` and sample sources in
:data:`~ganforge.metrics.sources.SOURCES`, all filled by the families on first look-up; adding
one is one class with one decorator. This package imports no family package.
"""
from ganforge.metrics import fid, inception_score, precision_recall  # noqa: F401  (register the metrics)
from ganforge.metrics.evaluate import DEFAULT_METRICS, Evaluator, Score, evaluate
from ganforge.metrics.features import EXTRACTORS, create_extractor
from ganforge.metrics.protocol import ProtocolCard, ReferenceStats, check_comparable
from ganforge.metrics.registry import METRICS, compute_metrics, parse_metric_names, register_metric

__all__ = ["DEFAULT_METRICS", "EXTRACTORS", "Evaluator", "METRICS", "ProtocolCard", "ReferenceStats", "Score",
           "check_comparable", "compute_metrics", "create_extractor", "evaluate", "parse_metric_names",
           "register_metric"]

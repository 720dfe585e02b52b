"""What the video family adds to the metrics core: frame FID/KID, digit consistency, ACD, motion statistics.

Importing this package registers the metrics (:mod:`.scores`); the family module imports it.
"""
from ganforge.video.metrics import scores  # noqa: F401  (registers the video metrics)
from ganforge.video.metrics.scores import DEFAULT_METRICS, VideoCard, evaluate_clips

__all__ = ["DEFAULT_METRICS", "VideoCard", "evaluate_clips"]

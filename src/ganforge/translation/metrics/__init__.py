"""What the translation family adds to the metrics core: FCN-score analogue, FID/KID, L1, cycle L1, CyCADA table.

Importing this package registers the metrics (:mod:`.scores`); the family module imports it.
"""
from ganforge.translation.metrics import scores  # noqa: F401  (registers the translation metrics)
from ganforge.translation.metrics.scores import TranslationCard, evaluate_translation

__all__ = ["TranslationCard", "evaluate_translation"]

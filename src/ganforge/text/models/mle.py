"""The MLE baseline: the same LSTM generator trained only by maximum likelihood (teacher forcing)."""
from __future__ import annotations

from ganforge.text.models.base import TEXT_MODELS, TextModel


@TEXT_MODELS.register("mle")
class MLE(TextModel):
    """LSTM language model trained by maximum likelihood only (the baseline every GAN must beat)."""

    adversarial = False
    defaults = {"train": {"d_pretrain_steps": 0, "steps": 0}}

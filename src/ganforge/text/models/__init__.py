"""Text models: the registry and every registered model (MLE, SeqGAN, RelGAN-style, TextGAN-style)."""
from . import mle, relgan, seqgan, textgan  # noqa: F401  (registration)
from .base import TEXT_MODELS, AdversarialContext, TextModel, create_text_model, model_defaults

__all__ = ["TEXT_MODELS", "AdversarialContext", "TextModel", "create_text_model", "model_defaults"]

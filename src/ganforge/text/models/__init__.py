"""Text models: the registry and every registered model (MLE, SeqGAN, LeakGAN, MaskGAN, RelGAN-style, TextGAN-style)."""
from ganforge.text.models import leakgan, maskgan, mle, relgan, seqgan, textgan  # noqa: F401  (registration)
from ganforge.text.models.base import TEXT_MODELS, AdversarialContext, TextModel, create_text_model, model_defaults

__all__ = ["TEXT_MODELS", "AdversarialContext", "TextModel", "create_text_model", "model_defaults"]

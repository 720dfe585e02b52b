"""Image GAN models, each registered by name: see ``list_models()``."""
from . import dcgan, mlp, upconv_dcgan  # noqa: F401  (registers the models)
from .base import GAN, Discriminator, Generator
from .registry import MODELS, create_model, list_models, register_model

__all__ = ["GAN", "Discriminator", "Generator", "MODELS", "create_model", "list_models", "register_model"]

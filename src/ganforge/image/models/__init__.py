"""Image GAN models, each registered by name: see ``list_models()``."""
from ganforge.image.models import biggan, dcgan, mlp, stylegan2, upconv_dcgan  # noqa: F401  (registers the models)
from ganforge.image.models.base import GAN, Discriminator, Generator
from ganforge.image.models.registry import MODELS, create_model, list_models, model_defaults, register_model

__all__ = ["GAN", "Discriminator", "Generator", "MODELS", "create_model", "list_models", "model_defaults",
           "register_model"]

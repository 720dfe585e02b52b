"""Translation models by name: ``pix2pix`` (U-Net + PatchGAN) and ``cyclegan`` (two ResNet generators, two PatchGANs).

A model is an ``nn.Module`` with ``generator`` and ``discriminator`` (either may be a ``ModuleDict`` of
one per direction or domain; pix2pix trained with the L1 objective alone has no discriminator),
``directions`` (those it translates) and ``translator(direction)``.
"""
from __future__ import annotations

from typing import List

from ganforge.registry import Registry
from ganforge.translation.config import ModelConfig

MODELS = Registry("translation model")
register_model = MODELS.register


def create_model(config: ModelConfig):
    """The model of a (channel-resolved) config: ``create_model(ModelConfig(name="cyclegan", channels_a=1, ...))``."""
    return MODELS.create(config.name, config)


def list_models() -> List[str]:
    return MODELS.names()


from ganforge.translation.models import cyclegan, pix2pix  # noqa: E402,F401  (they register themselves)

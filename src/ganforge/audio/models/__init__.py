"""Audio models by name: ``wavegan`` (1-D transposed convolutions on waveforms) and ``specgan`` (a 2-D DCGAN on spectrograms).

A model is an :class:`~ganforge.audio.models.base.AudioGAN`: ``generator`` (latent, label -> what
the discriminator judges), ``discriminator`` (that, label -> logits), ``real_inputs(waves)`` (clips
as the discriminator sees them) and ``generator.waveform(output)`` (clips in [-1, 1] to hear).
"""
from __future__ import annotations

from typing import List

from ganforge.audio.config import ModelConfig
from ganforge.registry import Registry

MODELS = Registry("audio model")
register_model = MODELS.register


def create_model(config: ModelConfig):
    return MODELS.create(config.name, config)


def list_models() -> List[str]:
    return MODELS.names()


from ganforge.audio.models import specgan, wavegan  # noqa: E402,F401  (they register themselves)

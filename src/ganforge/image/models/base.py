"""What every image GAN in the registry is: a generator, a discriminator and the config that built them.

``Generator.forward(z, labels=None)`` returns images in [-1, 1] shaped ``[B, C, H, W]``;
``Discriminator.forward(x, labels=None)`` returns one logit per image, shaped ``[B]``.
Class-conditional models take int64 labels; unconditional ones ignore them. The shared
conditioning pieces (label embedding for G, projection or concatenation for D) live here so that
every model family uses the same ones.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from ganforge.image.config import ModelConfig
from ganforge.errors import ConfigError


def spectral(layer: nn.Module, enabled: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if enabled else layer


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN initialisation: N(0, 0.02) weights, N(1, 0.02) norm scales, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class Generator(nn.Module):
    """Base generator: concatenates a learned label embedding to z when conditional."""

    label_dim = 32

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.latent_dim = cfg.latent_dim
        self.num_classes = cfg.num_classes
        self.image_shape = (cfg.channels, cfg.image_size, cfg.image_size)
        self.embed = nn.Embedding(cfg.num_classes, self.label_dim) if cfg.num_classes else None

    @property
    def input_dim(self) -> int:
        return self.latent_dim + (self.label_dim if self.embed is not None else 0)

    def condition(self, z: torch.Tensor, labels: Optional[torch.Tensor]) -> torch.Tensor:
        if self.embed is None:
            return z
        if labels is None:
            raise ValueError("this generator is class-conditional: pass labels")
        return torch.cat([z, self.embed(labels).to(z.dtype)], dim=1)


class Discriminator(nn.Module):
    """Base discriminator: a feature body, then a linear logit plus an optional class projection.

    ``conditioning='concat'`` adds the one-hot label as extra input channels (or features);
    ``'projection'`` adds ``<embed(y), h>`` to the logit (Miyato & Koyama 2018).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.num_classes = cfg.num_classes
        self.concat = cfg.num_classes > 0 and cfg.conditioning == "concat"
        self.extra_channels = cfg.num_classes if self.concat else 0
        self.sn = cfg.spectral_norm
        if cfg.pack > 1 and cfg.num_classes:
            raise ConfigError("model.pack > 1 (PacGAN) needs an unconditional model: set model.num_classes=0 "
                              "or model.pack=1")
        self.pack = cfg.pack
        self.in_channels = cfg.channels * cfg.pack + self.extra_channels   # what the first layer sees

    def build_head(self, features: int) -> None:
        self.head = spectral(nn.Linear(features, 1), self.sn)
        project = self.num_classes > 0 and not self.concat
        self.projection = spectral(nn.Embedding(self.num_classes, features), self.sn) if project else None

    def body(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def with_label_channels(self, x: torch.Tensor, labels: Optional[torch.Tensor]) -> torch.Tensor:
        if not self.concat:
            return x
        if labels is None:
            raise ValueError("this discriminator is class-conditional: pass labels")
        onehot = nn.functional.one_hot(labels, self.num_classes).to(x.dtype)
        if x.dim() == 4:
            onehot = onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
        return torch.cat([x, onehot], dim=1)

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """Stack each run of ``pack`` consecutive samples along channels: ``[B, C, ...] -> [B/pack, pack*C, ...]``."""
        if self.pack == 1:
            return x
        if x.shape[0] % self.pack:
            raise ValueError(f"a packed discriminator (pack={self.pack}) needs a batch that is a multiple of "
                             f"{self.pack}, got {x.shape[0]}")
        return x.reshape(x.shape[0] // self.pack, self.pack * x.shape[1], *x.shape[2:])

    def forward(self, x: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.body(self.with_label_channels(self.packed(x), labels)).flatten(1)
        logit = self.head(h).squeeze(1)
        if self.projection is not None:
            if labels is None:
                raise ValueError("this discriminator is class-conditional: pass labels")
            logit = logit + (self.projection(labels).to(h.dtype) * h).sum(1)
        return logit


class GAN(nn.Module):
    """A generator and a discriminator built from one :class:`ModelConfig`."""

    def __init__(self, cfg: ModelConfig, generator: Generator, discriminator: Discriminator):
        super().__init__()
        self.config = cfg
        self.generator = generator
        self.discriminator = discriminator

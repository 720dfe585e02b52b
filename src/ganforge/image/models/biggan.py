"""BigGAN-lite (Brock et al. 2019): a class-conditional residual GAN for 28, 32 and 64 px images, CPU-sized.

G: z is split into ``blocks + 1`` chunks (the hierarchical latent): the first feeds a linear map to a
[c0, s, s] map (s = 7 for 28 px, else 4), each other chunk is concatenated with the shared class
embedding and conditions both batch norms of one residual up-block (:class:`GBlock`: gain and bias
are linear maps of [chunk, embedding]); then BN, ReLU, conv3x3 and tanh. 28 px is built natively
(7 -> 14 -> 28, two up-blocks), so MNIST needs no resize and the MNIST classifier scores it as it is;
32 px: 4 -> 8 -> 16 -> 32; 64 px: four up-blocks. Channels halve each block, from ``width * 2^blocks``
(at most ``8 * width``) down to ``width``.
D: residual down-blocks mirroring G (``width`` doubling to the same top), one last block without
pooling, ReLU, a sum over space, then a linear logit plus the class projection ``<embed(y), h>``
(Miyato & Koyama 2018).
Every conv, linear and embedding of both networks is spectrally normalised, but G's shared embedding
(as in BigGAN; ``model.spectral_norm`` is not read: BigGAN always uses it). ``model.attention=R`` adds a
SAGAN self-attention block at R px to both networks (off by default: on a CPU it costs more than it gives
at these sizes).
Unconditional (``num_classes=0``): plain batch norm and the whole z into the first linear.
The model declares its recommended training settings (:data:`DEFAULTS`: hinge loss, TTUR learning rates,
Adam betas (0, 0.999), 2 D steps a G step, orthogonal regularisation 1e-4), used where the user sets none.
"""
from __future__ import annotations

from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.errors import ConfigError
from ganforge.image.config import ModelConfig, RunConfig
from ganforge.image.models.base import GAN, Discriminator, Generator
from ganforge.image.models.biggan_layers import (DBlock, GBlock, SelfAttention, conv3, init_and_normalize,
                                                 orthogonal_penalty, raw_weight)
from ganforge.image.models.registry import register_model

PLANS = {28: (7, 2), 32: (4, 3), 64: (4, 4)}   # image size -> (start size, up-blocks)


def plan(cfg: ModelConfig):
    """(start size, blocks, G channels from the start to the last block) of a config, or a one-line ConfigError."""
    if cfg.image_size not in PLANS:
        raise ConfigError(f"biggan makes 28, 32 or 64 px images, not {cfg.image_size}; set model.image_size "
                          "(--image-size) to 28, 32 or 64")
    start, blocks = PLANS[cfg.image_size]
    channels = [cfg.width * min(8, 2 ** (blocks - i)) for i in range(blocks + 1)]
    sizes = [start * 2 ** (i + 1) for i in range(blocks)]              # G's block outputs; D's inputs mirror them
    attention_at = sizes[:-1] if cfg.image_size != 28 else sizes[:1]   # not at the full resolution (too costly)
    if cfg.attention and cfg.attention not in attention_at:
        raise ConfigError(f"biggan at {cfg.image_size} px takes self-attention at "
                          f"{' or '.join(map(str, attention_at))} px, not {cfg.attention}; set model.attention to "
                          "one of those, or 0 (off)")
    if cfg.num_classes and cfg.latent_dim < blocks + 1:
        raise ConfigError(f"biggan at {cfg.image_size} px splits z into {blocks + 1} chunks, so model.latent_dim "
                          f"must be at least {blocks + 1} (got {cfg.latent_dim})")
    return start, blocks, channels, sizes


class BigGANGenerator(Generator):
    """``forward(z, labels)``: z [B, latent_dim] (split into chunks inside), int64 labels when conditional."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)          # self.embed: the shared class embedding (label_dim), None if unconditional
        self.start, blocks, ch, sizes = plan(cfg)
        if self.embed is not None:
            self.chunks = [len(c) for c in torch.arange(cfg.latent_dim).tensor_split(blocks + 1)]
            cond_dims = [c + self.label_dim for c in self.chunks[1:]]
        else:
            self.chunks, cond_dims = [cfg.latent_dim], [0] * blocks
        self.linear = nn.Linear(self.chunks[0], ch[0] * self.start ** 2)
        self.blocks = nn.ModuleList(GBlock(ch[i], ch[i + 1], cond_dims[i]) for i in range(blocks))
        self.attention = nn.ModuleDict({str(i): SelfAttention(ch[i + 1])
                                        for i, size in enumerate(sizes) if size == cfg.attention})
        self.out_bn = nn.BatchNorm2d(ch[-1])
        self.out_conv = conv3(ch[-1], cfg.channels)
        self.top = ch[0]
        init_and_normalize(self, plain=self.embed)

    def split(self, z: torch.Tensor, labels: Optional[torch.Tensor]):
        """(chunk of the first linear, one conditioning vector or None per block)."""
        if self.embed is None:
            return z, [None] * len(self.blocks)
        if labels is None:
            raise ValueError("this generator is class-conditional: pass labels")
        parts = z.split(self.chunks, dim=1)
        shared = self.embed(labels).to(z.dtype)
        return parts[0], [torch.cat([part, shared], dim=1) for part in parts[1:]]

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        first, conds = self.split(z, labels)
        h = self.linear(first).view(-1, self.top, self.start, self.start)
        for i, (block, cond) in enumerate(zip(self.blocks, conds)):
            h = block(h, cond)
            if str(i) in self.attention:
                h = self.attention[str(i)](h)
        return torch.tanh(self.out_conv(F.relu(self.out_bn(h))))

    def regularized_weights(self) -> List[torch.Tensor]:
        """What orthogonal regularisation acts on (as BigGAN-PyTorch): every conv and linear weight of G, the first
        linear and the CBN gain/bias maps included; not the shared class embedding (nor the attention's gain)."""
        return [raw_weight(m) for m in self.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


class BigGANDiscriminator(Discriminator):
    """Residual down-blocks, ReLU, sum over space, then the base class's linear logit and class projection."""

    def __init__(self, cfg: ModelConfig):
        if cfg.num_classes and cfg.conditioning == "concat":
            raise ConfigError("biggan's discriminator is a projection discriminator; drop "
                              "model.conditioning=concat (or set it to projection)")
        super().__init__(cfg)
        self.sn = False                # the head and the projection are spectrally normalised with the rest below
        _, blocks, g_channels, sizes = plan(cfg)
        ch = g_channels[::-1]          # width, 2 width, ... the top
        layers: List[nn.Module] = []
        cin = self.in_channels
        for i in range(blocks):        # each halves the resolution: its input is G's block output sizes[-1 - i]
            if sizes[-1 - i] == cfg.attention:
                layers.append(SelfAttention(cin))
            layers.append(DBlock(cin, ch[i], down=True, preactivation=i > 0))
            cin = ch[i]
        layers.append(DBlock(cin, ch[blocks], down=False))
        self.net = nn.Sequential(*layers)
        self.build_head(ch[blocks])
        init_and_normalize(self)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.net(x)).sum(dim=(2, 3))


class BigGAN(GAN):
    """The networks plus the generator's extra loss term that the image task adds (``generator_regularizer``)."""

    def generator_regularizer(self, cfg: RunConfig) -> Optional[torch.Tensor]:
        """``train.ortho_weight`` times the orthogonal penalty of G's weights (None when the weight is 0)."""
        weight = cfg.train.ortho_weight
        if not weight:
            return None
        with torch.autocast(next(self.generator.parameters()).device.type, enabled=False):
            return weight * orthogonal_penalty(self.generator.regularized_weights())


# the paper's training settings, used where the user sets none (`ganforge train biggan` prints which)
DEFAULTS = {"loss": {"name": "hinge"},
            "train": {"lr_g": 5e-5, "lr_d": 2e-4, "beta1": 0.0, "beta2": 0.999, "d_steps": 2, "ortho_weight": 1e-4},
            "model": {"width": 32}}


@register_model("biggan")
def biggan(cfg: ModelConfig) -> GAN:
    """BigGAN-lite: hierarchical z, shared embedding, conditional BN, projection D, spectral norm (28/32/64 px)."""
    return BigGAN(cfg, BigGANGenerator(cfg), BigGANDiscriminator(cfg))


biggan.defaults = DEFAULTS

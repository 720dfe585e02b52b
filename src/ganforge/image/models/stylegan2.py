"""StyleGAN2-lite (Karras et al. 2020) in plain PyTorch: 8 to 256 px, 1 or 3 channels, class-conditional or not.

G: z (and a label embedding) -> mapping network (``model.mapping_layers`` FC layers, lr multiplier 0.01)
-> w, broadcast to one w per layer -> synthesis: a learned 4x4 constant, then per resolution two modulated
and demodulated 3x3 convolutions (the first after x2 upsampling) with per-pixel noise of learned strength,
and a toRGB layer whose outputs are upsampled and summed (the "skip" generator).
D: fromRGB, residual blocks down to 4x4, minibatch standard deviation, conv, FC, then the shared head of
:class:`~ganforge.image.models.base.Discriminator` (a linear logit plus the class projection when conditional).

Sizes that are not a power of two but a little under one (28 px MNIST digits) run at the next power of two:
G's 32 px output is center-cropped to 28, and D pads its 28 px input back to 32 with the background value -1.

The generator keeps ``w_avg`` (the moving average of w, updated in training mode) and ``pl_mean`` (the running
mean of the path length) as buffers, so both are in every checkpoint and a resumed run matches an
uninterrupted one. ``G(z, labels, truncation_psi=psi)`` pulls w toward ``w_avg``; ``G.mapping(z, labels)`` and
``G.synthesis(ws)`` are the two halves. In training mode G mixes styles (``loss.style_mixing``, 0.9) and draws
fresh noise, and its output is not clamped (D sees it raw, as in StyleGAN2); in eval mode the noise is a fixed
buffer and the output is clamped to [-1, 1]. Training adds the path-length regularisation as its own generator
update every ``loss.path_length_every`` steps (:meth:`StyleGAN2.extra_updates`).
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.engine.batches import step_generator
from ganforge.engine.task import Update
from ganforge.errors import ConfigError
from ganforge.image.config import ModelConfig
from ganforge.image.models.base import GAN, Discriminator, Generator
from ganforge.image.models.registry import register_model
from ganforge.image.models.style_layers import (EqualConv2d, EqualLinear, MappingNetwork, ResidualDown, StyleLayer,
                                                ToRGB, minibatch_stddev)


def internal_size(image_size: int) -> int:
    """The power of two the networks run at: ``image_size`` itself, or the next one when it is a little under it."""
    size = 1 << (image_size - 1).bit_length()
    if size < 8 or size > 256 or (size - image_size) % 2 or (size - image_size) * 4 >= size:
        raise ConfigError(f"stylegan2 makes 8 to 256 px images (a power of two, or a little under one: 28 px runs at "
                          f"32 and is cropped), got {image_size}; use --image-size 28, 32 or 64")
    return size


def style_count(image_size: int) -> int:
    """How many w the synthesis takes (two per resolution from 4 px up): style mixing's crossover is 0..this."""
    return 2 * (internal_size(image_size).bit_length() - 2)


def channels_at(width: int, top: int, resolution: int) -> int:
    """Channels at a resolution: ``width`` at the output resolution, doubling per halving, capped at 4 x width."""
    return min(width * top // resolution, 4 * width)


class StyleGenerator(Generator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        top = internal_size(cfg.image_size)
        self.crop = (top - cfg.image_size) // 2
        self.w_dim = cfg.latent_dim
        self.resolutions = [2 ** k for k in range(2, int(math.log2(top)) + 1)]
        self.num_ws = style_count(cfg.image_size)
        self.mixing_prob = 0.9
        embed_dim = self.label_dim if self.embed is not None else 0
        self.mapping_net = MappingNetwork(cfg.latent_dim, embed_dim, self.w_dim, self.num_ws, cfg.mapping_layers)
        ch = [channels_at(cfg.width, top, r) for r in self.resolutions]
        self.const = nn.Parameter(torch.randn(ch[0], 4, 4))
        blocks = [nn.ModuleList([StyleLayer(ch[0], ch[0], self.w_dim, 4)])]
        for i, r in enumerate(self.resolutions[1:], start=1):
            blocks.append(nn.ModuleList([StyleLayer(ch[i - 1], ch[i], self.w_dim, r, up=True),
                                         StyleLayer(ch[i], ch[i], self.w_dim, r)]))
        self.blocks = nn.ModuleList(blocks)
        self.torgbs = nn.ModuleList([ToRGB(c, cfg.channels, self.w_dim) for c in ch])
        self.register_buffer("pl_mean", torch.zeros(()))

    @property
    def w_avg(self) -> torch.Tensor:
        return self.mapping_net.w_avg

    def style_layers(self) -> List[StyleLayer]:
        return [layer for block in self.blocks for layer in block]

    def mapping(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None, psi: float = 1.0) -> torch.Tensor:
        """``[B, num_ws, w_dim]``: w of z (and the labels), truncated toward ``w_avg`` by ``psi`` (1 = none); in
        training mode ``w_avg`` follows the batch's mean w."""
        embedding = None
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass labels")
            embedding = self.embed(labels)
        return self.mapping_net(z, embedding, psi=psi, update_w_avg=self.training)

    def style_mix(self, ws: torch.Tensor, z: torch.Tensor, labels: Optional[torch.Tensor]) -> torch.Tensor:
        """Style-mixing regularisation: with probability ``mixing_prob`` the layers from a random cutoff on take
        the w of another z (one cutoff per batch, from the global RNG that the trainer seeds at each step)."""
        if self.mixing_prob <= 0:
            return ws
        cutoff = int(torch.randint(1, self.num_ws, ()))
        if float(torch.rand(())) >= self.mixing_prob:
            return ws
        embedding = self.embed(labels) if self.embed is not None else None
        other = self.mapping_net(torch.randn_like(z), embedding)
        return torch.cat([ws[:, :cutoff], other[:, cutoff:]], dim=1)

    def synthesis(self, ws: torch.Tensor, noise: Optional[Sequence[torch.Tensor]] = None) -> torch.Tensor:
        """Images from ``ws`` ``[B, num_ws, w_dim]`` (raw, not clamped); ``noise``: one map per style layer (default:
        fresh in training mode, the fixed buffers in eval mode)."""
        if ws.dim() != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(f"ws must be [batch, {self.num_ws}, {self.w_dim}], got {list(ws.shape)}")
        x = self.const[None].expand(ws.shape[0], -1, -1, -1).to(ws.dtype)
        img, k = None, 0
        for block, torgb in zip(self.blocks, self.torgbs):
            for layer in block:
                x = layer(x, ws[:, k], None if noise is None else noise[k])
                k += 1
            y = torgb(x, ws[:, k])
            img = y if img is None else F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False) + y
        if self.crop:
            img = img[:, :, self.crop:img.shape[2] - self.crop, self.crop:img.shape[3] - self.crop]
        return img

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None,
                truncation_psi: float = 1.0) -> torch.Tensor:
        ws = self.mapping(z, labels, psi=truncation_psi)
        if self.training:
            return self.synthesis(self.style_mix(ws, z, labels))
        return self.synthesis(ws).clamp(-1, 1)


class StyleDiscriminator(Discriminator):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        top = internal_size(cfg.image_size)
        self.pad = (top - cfg.image_size) // 2
        resolutions = [2 ** k for k in range(int(math.log2(top)), 2, -1)]     # top, ..., 8
        self.from_rgb = EqualConv2d(self.in_channels, channels_at(cfg.width, top, top), 1)
        self.blocks = nn.Sequential(*[ResidualDown(channels_at(cfg.width, top, r), channels_at(cfg.width, top, r // 2))
                                      for r in resolutions])
        ch = channels_at(cfg.width, top, 4)
        self.conv = EqualConv2d(ch + 1, ch, 3)
        self.fc = EqualLinear(ch * 16, ch, activate=True)
        self.build_head(ch)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad:
            x = F.pad(x, [self.pad] * 4, value=-1.0)
        x = self.blocks(self.from_rgb(x))
        return self.fc(self.conv(minibatch_stddev(x)).flatten(1))


class StyleGAN2(GAN):
    """A StyleGAN2-lite generator and discriminator, and the extra training update they bring (path length)."""

    generator: StyleGenerator

    def extra_updates(self, task, step: int) -> List[Update]:
        """What the image task adds to a step: the path-length regularisation of G every ``loss.path_length_every``
        steps (scaled by that interval, as lazy regularisation is). Also sets G's style-mixing probability from
        ``loss.style_mixing``, so it follows a change of the config mid-run."""
        loss = task.cfg.loss
        self.generator.mixing_prob = loss.style_mixing
        if loss.path_length_weight <= 0:
            return []
        return [Update("pl", "generator", "optim_g", lambda i: self.path_length_loss(task, step),
                       every=loss.path_length_every, frozen=("discriminator",))]

    def path_length_loss(self, task, step: int) -> torch.Tensor:
        """StyleGAN2's path-length penalty on a half batch: ``(|J_w^T y| - a)^2`` with y image-shaped noise scaled
        by 1/sqrt(H W) and ``a`` the running mean of the lengths (``G.pl_mean``, decay ``loss.path_length_decay``)."""
        t, loss, G = task.cfg.train, task.cfg.loss, self.generator
        per = t.batch_size // task.world
        n = max(1, per // loss.path_length_batch_shrink)
        lo = task.rank * per
        g = step_generator(t.seed, step, stream=3)
        z = torch.randn(t.batch_size, G.latent_dim, generator=g)[lo:lo + n].to(task.device)
        y = torch.randint(0, G.num_classes, (t.batch_size,), generator=g)[lo:lo + n].to(task.device) \
            if G.num_classes else None
        ws = G.style_mix(G.mapping(z, y), z, y)
        img = G.synthesis(ws)
        pl_noise = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
        (grads,) = torch.autograd.grad((img * pl_noise).sum(), ws, create_graph=True)
        lengths = grads.float().square().sum(2).mean(1).sqrt()
        mean = G.pl_mean.lerp(lengths.mean().detach(), loss.path_length_decay)
        G.pl_mean.copy_(mean)
        task.stats.report("loss/pl", (lengths - mean).square().mean())
        task.stats.report("pl_mean", mean)
        return (lengths - mean).square().mean() * loss.path_length_weight * loss.path_length_every


@register_model("stylegan2")
def stylegan2(cfg: ModelConfig) -> StyleGAN2:
    """StyleGAN2-lite: mapping network, modulated convs, noise, skip G, residual D (pure PyTorch)."""
    return StyleGAN2(cfg, StyleGenerator(cfg), StyleDiscriminator(cfg))


# what `ganforge train stylegan2` starts from (the user's --config, flags and --set win): StyleGAN2's Adam settings
# and lazy R1 (the CIFAR-10 config's gamma 0.01 every 16 steps), its EMA half-life with ramp-up, a lite width
stylegan2.defaults = {
    "model": {"width": 32, "latent_dim": 128, "mapping_layers": 4},
    "loss": {"name": "nonsaturating", "r1_weight": 0.01, "r1_every": 16},
    "train": {"lr_g": 0.0025, "lr_d": 0.0025, "beta1": 0.0, "beta2": 0.99, "ema_half_life_images": 10000,
              "ema_rampup": 0.05},
}

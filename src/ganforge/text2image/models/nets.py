"""StackGAN's networks, CPU-sized: text encoder, conditioning augmentation, stage I/II generators, the text-aware D.

- :class:`TextEncoder`: word embeddings and a GRU over the caption's tokens; the GRU state at the last
  word is the caption embedding. Every network that reads text has its own encoder: by default all of them
  hold the same weights, pre-trained contrastively in the run's ``text`` phase and frozen
  (``text2image/task.py``); with ``train.text_steps=0`` each is trained with its network's loss (the
  generators' by the generator losses, each discriminator's by its own).
- :class:`ConditioningAugmentation` (Zhang et al. 2017): a linear map of the embedding to ``mu`` and
  ``log sigma^2``; the code is ``mu + sigma * eps`` (reparameterised), regularised by
  KL(N(mu, sigma) || N(0, I)); switched off, the code is ``mu`` and the KL term 0.
- :class:`Stage1Generator`: [z; c] -> 4x4 -> upsampling blocks -> a ``stage1_size`` image.
- :class:`Stage2Generator`: the stage I image, encoded down to 16x16, joined with its own CA code
  (replicated spatially), two residual blocks, upsampled to 64x64: refines, does not start over.
- :class:`TextDiscriminator`: strided convolutions down to 4x4, the caption code replicated and
  concatenated there, a 1x1 and a 4x4 convolution to one logit: "a real image matching this caption".
"""
from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from ganforge.text2image.captions import VOCAB



def upsampling(ch: int, width: int, side: int, size: int):
    """Up-blocks doubling the side from ``side`` to ``size``, halving the channels down to ``width``: (blocks, channels)."""
    blocks = []
    while side < size:
        blocks.append(up(ch, max(width, ch // 2)))
        ch, side = max(width, ch // 2), side * 2
    return nn.Sequential(*blocks), ch

class TextEncoder(nn.Module):
    def __init__(self, embed_dim: int, text_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), embed_dim, padding_idx=0)
        self.gru = nn.GRU(embed_dim, text_dim, batch_first=True)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """int64 ``[B, L]`` (0 pads the end) -> ``[B, text_dim]``: the GRU output at each caption's last word."""
        out, _ = self.gru(self.embed(tokens))
        last = (tokens != 0).sum(1).clamp_min(1) - 1
        return out[torch.arange(len(tokens), device=tokens.device), last]


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) summed over the code, averaged over the batch."""
    return (0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)).sum(1).mean()


class ConditioningAugmentation(nn.Module):
    def __init__(self, text_dim: int, c_dim: int, enabled: bool = True):
        super().__init__()
        self.enabled = enabled
        self.fc = nn.Linear(text_dim, 2 * c_dim)

    def forward(self, embedding: torch.Tensor, eps: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(code ``[B, c_dim]``, KL term) of caption embeddings; ``eps`` is the standard normal noise."""
        mu, logvar = self.fc(embedding).chunk(2, dim=1)
        if not self.enabled:
            return mu, torch.zeros((), device=mu.device)
        logvar = logvar.clamp(-10.0, 10.0)
        return mu + torch.exp(0.5 * logvar) * eps, kl_divergence(mu, logvar)


def up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(True))


class Stage1Generator(nn.Module):
    def __init__(self, z_dim: int, c_dim: int, width: int, size: int):
        super().__init__()
        ch = width * 8
        self.ch = ch
        self.fc = nn.Sequential(nn.Linear(z_dim + c_dim, ch * 16, bias=False), nn.BatchNorm1d(ch * 16), nn.ReLU(True))
        self.blocks, ch = upsampling(ch, width, 4, size)
        self.to_image = nn.Sequential(nn.Conv2d(ch, 1, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([z, c], 1)).view(len(z), self.ch, 4, 4)
        return self.to_image(self.blocks(h))


class Residual(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True),
                                  nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.body(x))


class Stage2Generator(nn.Module):
    def __init__(self, c_dim: int, width: int, in_size: int, out_size: int = 64):
        super().__init__()
        ch = width * 2
        down = [nn.Conv2d(1, width, 3, padding=1), nn.ReLU(True)]
        side = in_size
        cin = width
        while side > 16:
            down += [nn.Conv2d(cin, ch, 4, 2, 1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True)]
            cin, side = ch, side // 2
        if cin != ch:
            down += [nn.Conv2d(cin, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True)]
        self.encode = nn.Sequential(*down)
        self.joint = nn.Sequential(nn.Conv2d(ch + c_dim, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch),
                                   nn.ReLU(True), Residual(ch), Residual(ch))
        self.blocks, ch = upsampling(ch, width, 16, out_size)
        self.to_image = nn.Sequential(nn.Conv2d(ch, 1, 3, padding=1), nn.Tanh())

    def forward(self, image: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.encode(image)
        code = c[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
        return self.to_image(self.blocks(self.joint(torch.cat([h, code], 1))))


class TextDiscriminator(nn.Module):
    def __init__(self, size: int, width: int, embed_dim: int, text_dim: int, c_dim: int):
        super().__init__()
        layers, ch, side, cin = [], width, size, 1
        while side > 4:
            layers += [nn.Conv2d(cin, ch, 4, 2, 1, bias=cin == 1)]
            if cin != 1:
                layers.append(nn.BatchNorm2d(ch))
            layers.append(nn.LeakyReLU(0.2, True))
            cin, ch, side = ch, ch * 2, side // 2
        self.features = nn.Sequential(*layers)
        self.text = TextEncoder(embed_dim, text_dim)
        self.code = nn.Sequential(nn.Linear(text_dim, c_dim), nn.LeakyReLU(0.2, True))
        self.judge = nn.Sequential(nn.Conv2d(cin + c_dim, cin, 1), nn.LeakyReLU(0.2, True), nn.Conv2d(cin, 1, 4))

    def forward(self, image: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        h = self.features(image)
        code = self.code(self.text(tokens))[:, :, None, None].expand(-1, -1, 4, 4)
        return self.judge(torch.cat([h, code], 1)).view(-1)

"""WaveGAN (Donahue et al. 2019): 1-D transposed convolutions (kernel 25, stride 4) and a critic with phase shuffle.

The generator maps the latent (and a one-hot label) to 16 x 16d features, then up-samples by 4 per
layer to the clip length (5 layers for 16384 samples) with ReLU and a tanh out. The critic mirrors
it with strided convolutions and LeakyReLU(0.2); phase shuffle shifts each layer's activations by
a random -n..n samples per clip (reflection padded), so it cannot rely on the phase artefacts of
transposed convolutions. Randomness draws from the global RNG, which the trainer seeds per step.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.audio.config import ModelConfig
from ganforge.audio.models import register_model
from ganforge.audio.models.base import AudioGAN, Critic, stages, with_label

START = 16


def phase_shuffle(x: torch.Tensor, n: int) -> torch.Tensor:
    """Shift each example of ``[B, C, L]`` by its own random k in -n..n, reflecting at the ends."""
    if n == 0:
        return x
    shift = torch.randint(-n, n + 1, (x.shape[0],)).to(x.device)
    padded = F.pad(x, (n, n), mode="reflect")
    index = torch.arange(x.shape[-1], device=x.device)[None] + (n - shift)[:, None]
    return padded.gather(2, index[:, None].expand(-1, x.shape[1], -1))


class PhaseShuffle(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return phase_shuffle(x, self.n) if self.training else x


class WaveGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, num_classes: int):
        super().__init__()
        self.num_classes, layers = num_classes, stages(cfg.length, START, 4)
        top = cfg.width * 2 ** (layers - 1)
        self.top = top
        self.project = nn.Linear(cfg.latent_dim + num_classes, START * top)
        pad = cfg.kernel // 2
        blocks, c = [], top
        for i in range(layers):
            out = 1 if i == layers - 1 else c // 2
            blocks.append(nn.ConvTranspose1d(c, out, cfg.kernel, stride=4, padding=pad, output_padding=4 - (cfg.kernel - 2 * pad)))
            blocks.append(nn.Tanh() if i == layers - 1 else nn.ReLU())
            c = out
        self.net = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = F.relu(self.project(with_label(z, labels, self.num_classes))).view(len(z), self.top, START)
        return self.net(h)

    def waveform(self, out: torch.Tensor) -> torch.Tensor:
        return out.squeeze(1).float()


def wave_critic(cfg: ModelConfig, num_classes: int) -> Critic:
    layers = stages(cfg.length, START, 4)
    body, c = [], 1
    for i in range(layers):
        out = cfg.width * 2 ** i
        body += [nn.Conv1d(c, out, cfg.kernel, stride=4, padding=cfg.kernel // 2), nn.LeakyReLU(0.2)]
        if i < layers - 1:
            body.append(PhaseShuffle(cfg.phase_shuffle))
        c = out
    return Critic(nn.Sequential(*body), START * c, num_classes)


class WaveGAN(AudioGAN):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.generator = WaveGenerator(cfg, self.num_classes)
        self.discriminator = wave_critic(cfg, self.num_classes)

    def real_inputs(self, waves: torch.Tensor) -> torch.Tensor:
        return waves[:, None]


@register_model("wavegan")
def wavegan(cfg: ModelConfig) -> WaveGAN:
    return WaveGAN(cfg)

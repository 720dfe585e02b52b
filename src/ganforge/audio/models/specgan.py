"""SpecGAN (Donahue et al. 2019): a DCGAN on normalised log-magnitude spectrograms, heard through Griffin-Lim.

The generator up-samples by 2 per layer (5x5 transposed convolutions) from a 4-high map to
``n_fft / 2`` bins x ``length / hop`` frames (128 x 128 for 16384 samples); the critic mirrors it.
The per-bin normalisation statistics of the training clips are buffers of the generator, so every
checkpoint of the run carries them and a loaded generator turns its images back into sound.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.audio import spectral
from ganforge.audio.config import ModelConfig
from ganforge.audio.models import register_model
from ganforge.audio.models.base import AudioGAN, Critic, stages, with_label
from ganforge.errors import ConfigError

KERNEL = 5


def shape_of(cfg: ModelConfig):
    """(bins, frames, layers): the spectrogram size and the up-samplings from a map 4 high or wide."""
    bins, frames = cfg.n_fft // 2, cfg.length // cfg.hop
    if frames < 4:
        raise ConfigError(f"model.hop={cfg.hop} leaves {frames} frames of a {cfg.length}-sample clip; use a smaller "
                          "model.hop")
    return bins, frames, stages(min(bins, frames), 4, 2)


class SpecGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, num_classes: int):
        super().__init__()
        self.cfg, self.num_classes = cfg, num_classes
        bins, frames, layers = shape_of(cfg)
        self.start = (bins >> layers, frames >> layers)
        self.top = cfg.width * 2 ** (layers - 1)
        self.project = nn.Linear(cfg.latent_dim + num_classes, self.top * self.start[0] * self.start[1])
        blocks, c = [], self.top
        for i in range(layers):
            out = 1 if i == layers - 1 else c // 2
            blocks.append(nn.ConvTranspose2d(c, out, KERNEL, stride=2, padding=2, output_padding=1))
            blocks.append(nn.Tanh() if i == layers - 1 else nn.ReLU())
            c = out
        self.net = nn.Sequential(*blocks)
        self.register_buffer("spec_mean", torch.zeros(bins))
        self.register_buffer("spec_std", torch.ones(bins))

    def forward(self, z: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = F.relu(self.project(with_label(z, labels, self.num_classes)))
        return self.net(h.view(len(z), self.top, *self.start))

    def waveform(self, out: torch.Tensor, seed: int = 0) -> torch.Tensor:
        magnitude = spectral.denormalise(out, self.spec_mean, self.spec_std)
        return spectral.griffin_lim(magnitude, self.cfg.n_fft, self.cfg.hop, self.cfg.length,
                                    self.cfg.griffin_lim_iters, seed=seed)


def spec_critic(cfg: ModelConfig, num_classes: int) -> Critic:
    bins, frames, layers = shape_of(cfg)
    body, c = [], 1
    for i in range(layers):
        out = cfg.width * 2 ** i
        body += [nn.Conv2d(c, out, KERNEL, stride=2, padding=2), nn.LeakyReLU(0.2)]
        c = out
    return Critic(nn.Sequential(*body), c * (bins >> layers) * (frames >> layers), num_classes)


class SpecGAN(AudioGAN):
    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.generator = SpecGenerator(cfg, self.num_classes)
        self.discriminator = spec_critic(cfg, self.num_classes)

    def fit_data(self, waves: torch.Tensor) -> None:
        mean, std = spectral.bin_statistics(self.log_magnitude(waves))
        self.generator.spec_mean.copy_(mean)
        self.generator.spec_std.copy_(std)

    def log_magnitude(self, waves: torch.Tensor) -> torch.Tensor:
        return torch.cat([spectral.log_magnitude(waves[s:s + 256], self.cfg.n_fft, self.cfg.hop)
                          for s in range(0, len(waves), 256)])

    def real_inputs(self, waves: torch.Tensor) -> torch.Tensor:
        g = self.generator
        return spectral.normalise(self.log_magnitude(waves), g.spec_mean, g.spec_std)


@register_model("specgan")
def specgan(cfg: ModelConfig) -> SpecGAN:
    return SpecGAN(cfg)

"""MuseGAN (Dong et al. 2018) on voices: a temporal generator makes per-bar latents, bar generators make the bars.

Latents (each ``latent_dim``): shared time-independent ``z``, shared temporal ``z_t`` (-> one vector per bar),
private ``z_i`` and private temporal ``z_i,t`` per track. The variants:

- ``jamming``: one generator per track, fed only its private latents (players who do not listen);
- ``composer``: one generator for all tracks, fed only the shared latents;
- ``hybrid``: one generator per track, fed the shared and its private latents.

One discriminator judges the phrase (all tracks, all bars): 1-D convolutions over time on the tracks'
one-hot pitches, then a linear layer. No normalisation, so WGAN-GP (the paper's loss) applies.
"""
from __future__ import annotations

import torch
from torch import nn

from ganforge.music.models.base import MUSIC_MODELS, BatchedLinear, Shape, straight_through


class TemporalNet(nn.Module):
    """``groups`` MLPs from a latent to one latent per bar: ``[N, groups, L] -> [N, groups, bars, L]``."""

    def __init__(self, groups: int, latent: int, width: int, bars: int):
        super().__init__()
        self.bars, self.latent = bars, latent
        self.a, self.b = BatchedLinear(groups, latent, width), BatchedLinear(groups, width, bars * latent)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.b(torch.relu(self.a(z)))
        return h.view(z.shape[0], z.shape[1], self.bars, self.latent)


class MuseGenerator(nn.Module):
    def __init__(self, variant: str, latent: int, width: int, shape: Shape):
        super().__init__()
        self.variant, self.shape, self.L = variant, shape, latent
        K, shared, private = shape.tracks, variant != "jamming", variant != "composer"
        self.latent_dim = latent * (2 * shared + 2 * K * private)
        self.temporal_shared = TemporalNet(1, latent, width, shape.bars) if shared else None
        self.temporal_private = TemporalNet(K, latent, width, shape.bars) if private else None
        groups = 1 if variant == "composer" else K
        d_in = latent * (2 * shared + 2 * private)
        out_tracks = K if variant == "composer" else 1
        self.bar1 = BatchedLinear(groups, d_in, width * 2)
        self.bar2 = BatchedLinear(groups, width * 2, out_tracks * shape.steps_per_bar * shape.vocab)

    def bar_inputs(self, z: torch.Tensor) -> torch.Tensor:
        """``[N, groups, bars, d_in]`` from the flat latent."""
        n, L, K, B = z.shape[0], self.L, self.shape.tracks, self.shape.bars
        parts, at = [], 0
        if self.temporal_shared is not None:
            fixed, temporal = z[:, :L], z[:, L:2 * L]
            at = 2 * L
            groups = 1 if self.variant == "composer" else K
            parts += [fixed[:, None, None].expand(n, groups, B, L),
                      self.temporal_shared(temporal[:, None]).expand(n, groups, B, L)]
        if self.temporal_private is not None:
            fixed = z[:, at:at + K * L].view(n, K, L)
            temporal = z[:, at + K * L:at + 2 * K * L].view(n, K, L)
            parts += [fixed[:, :, None].expand(n, K, B, L), self.temporal_private(temporal)]
        return torch.cat(parts, -1)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        s = self.shape
        x = self.bar_inputs(z)                                   # [N, G, B, d]
        n, g, b, d = x.shape
        x = x.permute(0, 2, 1, 3).reshape(n * b, g, d)
        h = self.bar2(torch.relu(self.bar1(x)))                  # [N*B, G, out]
        h = h.view(n, b, s.tracks, s.steps_per_bar, s.vocab)     # G x out_tracks == tracks
        return h.permute(0, 2, 1, 3, 4).reshape(n, s.tracks, s.steps, s.vocab)

    def forward(self, z: torch.Tensor, gumbel: torch.Tensor, tau: float = 1.0, temperature: float = 1.0):
        return straight_through(self.logits(z), gumbel, tau, temperature)


class PhraseCritic(nn.Module):
    """Judges ``[N, tracks, steps, vocab]`` phrases: convolutions over time, then a linear layer."""

    def __init__(self, width: int, shape: Shape):
        super().__init__()
        c = shape.tracks * shape.vocab
        self.conv = nn.Sequential(nn.Conv1d(c, width, 4, 2, 1), nn.LeakyReLU(0.2),
                                  nn.Conv1d(width, width, 4, 2, 1), nn.LeakyReLU(0.2))
        length = shape.steps
        for _ in range(2):
            length = (length + 2 - 4) // 2 + 1
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(width * length, width), nn.LeakyReLU(0.2),
                                  nn.Linear(width, 1))

    def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        n, k, t, v = x.shape
        return self.head(self.conv(x.permute(0, 1, 3, 2).reshape(n, k * v, t))).squeeze(1)


@MUSIC_MODELS.register("musegan")
def musegan(cfg, shape: Shape):
    return {"generator": MuseGenerator(cfg.variant, cfg.latent_dim, cfg.width, shape),
            "discriminator": PhraseCritic(cfg.width, shape)}

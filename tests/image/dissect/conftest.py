"""A generator built by hand so that its units are known: unit 0 draws a ring, 1 a vertical bar, 2 a horizontal bar."""
from pathlib import Path

import pytest
import torch
from torch import nn

from ganforge.image.config import ModelConfig
from ganforge.image.pipeline import LoadedGenerator


class ToyGenerator(nn.Module):
    """Layer ``act`` holds 4 units at 14x14: unit k is a fixed template, on (with strength 1 + |z_k|) when z_k > 0.

    Unit 0: a ring around (5, 7) (a loop once drawn), unit 1: a vertical bar at column 11, unit 2: a horizontal
    bar on row 1, unit 3: never on. A 2x2 transposed convolution of weight 1 doubles each cell into 28x28 pixels.
    """

    def __init__(self):
        super().__init__()
        yy, xx = torch.meshgrid(torch.arange(14.0), torch.arange(14.0), indexing="ij")
        r = ((yy - 7) ** 2 + (xx - 5) ** 2).sqrt()
        t = torch.zeros(4, 14, 14)
        t[0] = ((r >= 2.2) & (r <= 3.6)).float()
        t[1, 2:12, 11] = 1.0
        t[2, 1, 2:9] = 1.0
        self.register_buffer("templates", t)
        self.act = nn.ReLU()
        self.out = nn.ConvTranspose2d(4, 1, 2, 2)
        nn.init.ones_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, z, labels=None):
        gate = (z[:, :4] > 0).float() * (1 + z[:, :4].abs())
        h = self.act(self.templates[None] * gate[:, :, None, None])
        return torch.tanh(4 * self.out(h).clamp(max=1) - 2)


@pytest.fixture
def toy() -> LoadedGenerator:
    cfg = ModelConfig(name="dcgan", latent_dim=4, image_size=28, channels=1)
    return LoadedGenerator(ToyGenerator(), cfg, step=0, source=Path("toy"))

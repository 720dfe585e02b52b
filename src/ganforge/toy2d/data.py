"""The 2D toy world's data: a few parametrised distributions, and named presets of them.

Definitions (each returns a :class:`ToyData` that draws ``[n, 2]`` points from a ``torch.Generator``):

- :func:`ring` ``(modes, radius, std)``: Gaussians evenly spaced on a circle;
- :func:`grid` ``(side, spacing, std)``: Gaussians on a ``side`` x ``side`` grid centred on 0;
- :func:`spiral`, :func:`moons`, and :func:`drawn` (points the user drew in the studio's Lab).

Presets, registered by name in ``TOY_DATA`` (what ``ganforge train gan2d --data NAME`` and the Lab
take): the Lab's ``ring`` (8 modes, radius 2, std 0.05) and ``grid`` (5 x 5, spacing 1, std 0.05),
which fit its view square; the mixture benchmark's ``ring8`` (8 modes, radius 2, std 0.02) and
``grid25`` (5 x 5, spacing 2, std 0.05, as VEEGAN and PacGAN); ``spiral``, ``moons``, ``drawn``.
Data made of Gaussian modes knows its centres and std, for the metrics of :mod:`ganforge.toy2d.metrics`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch

from ganforge.errors import ConfigError
from ganforge.registry import Registry

VIEW = 3.0  # the Lab shows the square [-VIEW, VIEW]^2
DRAWN_NOISE = 0.05  # std of the jitter added around each drawn point


@dataclass
class ToyData:
    """A 2D distribution: ``sample(n, generator)`` points, and its mode centres and std when it has modes."""

    name: str
    sample: Callable[[int, torch.Generator], torch.Tensor]
    centers: Optional[torch.Tensor] = None   # [K, 2] float32
    std: float = 0.0

    @property
    def extent(self) -> float:
        """Half the side of a square that holds (nearly) all the points: for plots."""
        if self.centers is None:
            return VIEW
        return float(self.centers.abs().max()) + 4 * self.std + 0.5


def gaussian_modes(name: str, centers: torch.Tensor, std: float) -> ToyData:
    """Equal-weight Gaussians of standard deviation ``std`` around ``centers`` ``[K, 2]``."""
    centers = centers.to(torch.float32)

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        which = torch.randint(0, len(centers), (n,), generator=g)
        return centers[which] + std * torch.randn(n, 2, generator=g)

    return ToyData(name, sample, centers, std)


def ring(modes: int = 8, radius: float = 2.0, std: float = 0.05, name: str = "ring") -> ToyData:
    """``modes`` Gaussians evenly spaced on a circle of ``radius`` (the first on the positive x axis)."""
    angles = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    return gaussian_modes(name, radius * torch.stack([torch.cos(angles), torch.sin(angles)], 1), std)


def grid(side: int = 5, spacing: float = 1.0, std: float = 0.05, name: str = "grid") -> ToyData:
    """``side`` x ``side`` Gaussians ``spacing`` apart, centred on the origin (x outer, y inner)."""
    axis = spacing * (torch.arange(side, dtype=torch.float64) - (side - 1) / 2)
    return gaussian_modes(name, torch.cartesian_prod(axis, axis), std)


def spiral(turns: float = 1.75, radius: float = 2.5, noise: float = 0.05, name: str = "spiral") -> ToyData:
    """An Archimedean spiral of ``turns`` turns out to ``radius``, with Gaussian noise."""

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        t = torch.rand(n, generator=g).sqrt()  # uniform along the length, roughly
        angle = t * (2 * turns) * math.pi
        xy = radius * t[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
        return xy + noise * torch.randn(n, 2, generator=g)

    return ToyData(name, sample)


def moons(scale: float = 1.5, noise: float = 0.05, name: str = "moons") -> ToyData:
    """Two interleaved half circles (scikit-learn's make_moons scaled by ``scale``, centred), with noise."""

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        angle = torch.rand(n, generator=g) * math.pi
        upper = torch.rand(n, generator=g) < 0.5
        x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
        y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
        xy = scale * (torch.stack([x, y], 1) - torch.tensor([0.5, 0.25]))
        return xy + noise * torch.randn(n, 2, generator=g)

    return ToyData(name, sample)


def drawn(points: Sequence = (), noise: float = DRAWN_NOISE, name: str = "drawn") -> ToyData:
    """The points the user drew on the Lab's plot, each jittered by Gaussian noise."""
    if len(points) < 3:
        raise ConfigError("data set 'drawn' needs at least 3 points: click or drag on the plot to draw some, "
                          "or pick another data set")
    anchors = torch.tensor([list(p)[:2] for p in points], dtype=torch.float32)
    if anchors.shape[1] != 2 or not torch.isfinite(anchors).all() or anchors.abs().max() > VIEW:
        raise ConfigError(f"drawn points must be [x, y] pairs inside [-{VIEW}, {VIEW}]; redraw them")

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        which = torch.randint(0, len(anchors), (n,), generator=g)
        return anchors[which] + noise * torch.randn(n, 2, generator=g)

    return ToyData(name, sample)


# ---------------------------------------------------------------------- presets
TOY_DATA = Registry("2D data set")
PRESETS = {
    "ring": lambda points: ring(8, 2.0, 0.05, name="ring"),        # the Lab's: inside its view
    "grid": lambda points: grid(5, 1.0, 0.05, name="grid"),
    "ring8": lambda points: ring(8, 2.0, 0.02, name="ring8"),      # the benchmark's (docs/benchmarks.md)
    "grid25": lambda points: grid(5, 2.0, 0.05, name="grid25"),
    "spiral": lambda points: spiral(),
    "moons": lambda points: moons(),
    "drawn": lambda points: drawn(points),
}
for _name, _factory in PRESETS.items():
    TOY_DATA.register(_name)(_factory)


def make_toy_data(name: str, points: Sequence = ()) -> ToyData:
    """The preset ``name`` (``points``: the user's points for ``drawn``)."""
    return TOY_DATA.create(name, points)

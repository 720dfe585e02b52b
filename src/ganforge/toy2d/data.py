"""The 2D data sets of the studio's Lab: ring, grid, spiral, two moons and points the user draws.

Each data set is registered by name in ``TOY_DATA`` and draws ``n`` points ``[n, 2]`` from a
``torch.Generator``, so a Lab session seeded the same way sees the same data. Data sets made of
Gaussian modes (ring, grid) also say where their modes are, for the mode-coverage readout.
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
    """A 2D distribution: ``sample(n, generator)`` points, and its mode centres when it has modes."""

    sample: Callable[[int, torch.Generator], torch.Tensor]
    centers: Optional[torch.Tensor] = None
    mode_std: float = 0.0


TOY_DATA = Registry("2D data set")


def _gaussian_modes(centers: torch.Tensor, std: float) -> ToyData:
    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        which = torch.randint(0, len(centers), (n,), generator=g)
        return centers[which] + std * torch.randn(n, 2, generator=g)

    return ToyData(sample, centers, std)


@TOY_DATA.register("ring")
def ring(points: Sequence = ()) -> ToyData:
    """8 Gaussians (std 0.05) evenly spaced on a circle of radius 2 (the unrolled-GAN benchmark)."""
    angles = torch.arange(8) * (2 * math.pi / 8)
    return _gaussian_modes(2.0 * torch.stack([torch.cos(angles), torch.sin(angles)], 1), 0.05)


@TOY_DATA.register("grid")
def grid(points: Sequence = ()) -> ToyData:
    """25 Gaussians (std 0.05) on the 5 x 5 grid {-2, -1, 0, 1, 2}^2."""
    axis = torch.arange(-2, 3, dtype=torch.float32)
    return _gaussian_modes(torch.cartesian_prod(axis, axis), 0.05)


@TOY_DATA.register("spiral")
def spiral(points: Sequence = ()) -> ToyData:
    """An Archimedean spiral of 1.75 turns out to radius 2.5, with Gaussian noise 0.05."""

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        t = torch.rand(n, generator=g).sqrt()  # uniform along the length, roughly
        angle = t * 3.5 * math.pi
        xy = 2.5 * t[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
        return xy + 0.05 * torch.randn(n, 2, generator=g)

    return ToyData(sample)


@TOY_DATA.register("moons")
def moons(points: Sequence = ()) -> ToyData:
    """Two interleaved half circles (scikit-learn's make_moons scaled by 1.5, centred), noise 0.05."""

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        angle = torch.rand(n, generator=g) * math.pi
        upper = torch.rand(n, generator=g) < 0.5
        x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
        y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
        xy = 1.5 * (torch.stack([x, y], 1) - torch.tensor([0.5, 0.25]))
        return xy + 0.05 * torch.randn(n, 2, generator=g)

    return ToyData(sample)


@TOY_DATA.register("drawn")
def drawn(points: Sequence = ()) -> ToyData:
    """The points the user drew on the page, each jittered by Gaussian noise 0.05."""
    if len(points) < 3:
        raise ConfigError("data set 'drawn' needs at least 3 points: click or drag on the plot to draw some, "
                          "or pick another data set")
    anchors = torch.tensor([list(p)[:2] for p in points], dtype=torch.float32)
    if anchors.shape[1] != 2 or not torch.isfinite(anchors).all() or anchors.abs().max() > VIEW:
        raise ConfigError(f"drawn points must be [x, y] pairs inside [-{VIEW}, {VIEW}]; redraw them")

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        which = torch.randint(0, len(anchors), (n,), generator=g)
        return anchors[which] + DRAWN_NOISE * torch.randn(n, 2, generator=g)

    return ToyData(sample)


def make_toy_data(name: str, points: Sequence = ()) -> ToyData:
    return TOY_DATA.create(name, points)


def mode_coverage(fake: torch.Tensor, data: ToyData, radius: float = 0.3, share: float = 0.2) -> Optional[int]:
    """How many modes have at least ``share`` of their fair share of ``fake`` within ``radius`` (None: no modes)."""
    if data.centers is None:
        return None
    near = torch.cdist(fake, data.centers) < radius  # [n, modes]
    need = share * len(fake) / len(data.centers)
    return int((near.sum(0) >= need).sum())


def js_divergence(real: torch.Tensor, fake: torch.Tensor, bins: int = 30) -> float:
    """Jensen-Shannon divergence in bits (0 = same, 1 = disjoint) between 2D histograms over the view square.

    A coarse but honest estimate: both samples are binned on a ``bins`` x ``bins`` grid over
    [-VIEW, VIEW]^2 (points outside are clamped to the border bins).
    """

    def histogram(x: torch.Tensor) -> torch.Tensor:
        idx = ((x + VIEW) / (2 * VIEW) * bins).long().clamp(0, bins - 1)
        flat = idx[:, 0] * bins + idx[:, 1]
        return torch.bincount(flat, minlength=bins * bins).double() / len(x)

    p, q = histogram(real), histogram(fake)
    m = 0.5 * (p + q)

    def kl(a: torch.Tensor) -> torch.Tensor:
        mask = a > 0
        return (a[mask] * (a[mask] / m[mask]).log2()).sum()

    return float(0.5 * kl(p) + 0.5 * kl(q))

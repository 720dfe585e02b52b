"""Sampling a trained 2D toy generator, and scatter plots of 2D points.

    g = ganforge.load("runs/gan2d-...")       # newest checkpoint, EMA weights when present
    points = g.sample(1000, seed=0)           # float32 [1000, 2], in the data's units
    g.save(points, "points.png")              # a scatter plot over the data (or .npz: {"points"})
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from PIL import Image, ImageDraw

from ganforge.config import from_dict
from ganforge.engine.checkpoint import build_checked, load_module_state, unprefixed
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.files import atomic_write
from ganforge.toy2d.config import DataConfig, ModelConfig
from ganforge.toy2d.data import ToyData, make_toy_data
from ganforge.toy2d.nets import Generator

PLOT_SIZE = 480
REAL_COLOUR, FAKE_COLOUR = (170, 170, 170), (214, 39, 40)


def scatter_image(points: torch.Tensor, extent: float, real: Optional[torch.Tensor] = None,
                  size: int = PLOT_SIZE) -> np.ndarray:
    """An RGB uint8 ``[size, size, 3]`` scatter plot of ``points`` (red) over ``real`` (grey) in
    ``[-extent, extent]^2``, y up, with the axes drawn through the origin."""
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def pixel(xy: torch.Tensor) -> np.ndarray:
        p = (xy.detach().double().cpu().numpy() + extent) / (2 * extent) * (size - 1)
        return np.stack([p[:, 0], size - 1 - p[:, 1]], 1)

    centre = pixel(torch.zeros(1, 2))[0]
    draw.line([(0, centre[1]), (size, centre[1])], fill=(225, 225, 225))
    draw.line([(centre[0], 0), (centre[0], size)], fill=(225, 225, 225))
    for pts, colour in ((real, REAL_COLOUR), (points, FAKE_COLOUR)):
        if pts is None:
            continue
        for x, y in pixel(pts):
            if 0 <= x < size and 0 <= y < size:
                draw.rectangle([x - 1, y - 1, x + 1, y + 1], fill=colour)
    return np.asarray(img)


def save_scatter(image: np.ndarray, path: Union[str, Path]) -> Path:
    path = Path(path)
    atomic_write(path, lambda tmp: Image.fromarray(image).save(tmp, format="PNG"))
    return path


class Toy2dSampler:
    """A 2D generator restored from a checkpoint: ``sample(n, seed=...)`` gives ``[n, 2]`` points."""

    def __init__(self, generator: Generator, config: ModelConfig, data: DataConfig, step: int, source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.config, self.data_config, self.step, self.source = config, data, step, source
        self.device = next(generator.parameters()).device

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu", use_ema: bool = True) -> "Toy2dSampler":
        if meta.get("family") != "toy2d":
            raise CheckpointError(f"{path} holds a {meta.get('family')} model; use the command for that family")
        cfg = from_dict(ModelConfig, meta["model_config"])
        data = from_dict(DataConfig, meta.get("data_config") or {})
        prefix = "ema" if use_ema and meta.get("ema") else "generator"
        G = build_checked(lambda: Generator(cfg.latent_dim, (cfg.hidden,) * cfg.layers), tensors, {"": prefix}, path)
        load_module_state(G, unprefixed(prefix, tensors), "generator", path)
        return cls(G.to(device), cfg, data, int(meta["step"]), path)

    @property
    def data(self) -> ToyData:
        """The data set the generator was trained on."""
        return make_toy_data(self.data_config.name, self.data_config.points)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` points ``[n, 2]`` (float32, on the CPU) from latents seeded by ``seed``."""
        if n < 1:
            raise GanforgeError(f"number of samples must be >= 1 (got {n})")
        z = torch.randn(n, self.config.latent_dim, generator=torch.Generator().manual_seed(seed))
        out = [self.generator(z[s:s + 4096].to(self.device)).cpu() for s in range(0, n, 4096)]
        return torch.cat(out) * self.data_config.scale

    def save(self, samples: torch.Tensor, out: Union[str, Path], origin=None) -> Path:
        """Write points by the suffix of ``out``: ``.npz`` (array ``points``) or ``.png`` (scatter over the data),
        marked with the provenance ``origin`` (None: unmarked)."""
        from ganforge.provenance import mark_files

        path = self._write(samples, Path(out))
        mark_files([path], origin)
        return path

    def _write(self, samples: torch.Tensor, out: Path) -> Path:
        out = Path(out)
        suffix = out.suffix.lower()
        if suffix == ".npz":
            points = samples.detach().cpu().numpy().astype(np.float32)

            def write(tmp: Path) -> None:
                with open(tmp, "wb") as f:
                    np.savez(f, points=points)

            atomic_write(out, write)
            return out
        if suffix == ".png":
            data = self.data
            real = data.sample(len(samples), torch.Generator().manual_seed(1))
            return save_scatter(scatter_image(samples, data.extent, real), out)
        raise GanforgeError(f"cannot write 2D samples to {out}: use a .npz (points) or .png (scatter plot) file")

    def config_dict(self) -> dict:
        return dataclasses.asdict(self.config)

"""Sampling and exploring a trained image generator: seeded samples, truncation, class choice, latent walks.

    g = ganforge.load("runs/dcgan-...")       # newest checkpoint, EMA weights when present
    g.save(g.sample(64, seed=0), "grid.png")  # or .npz, .gif, a folder
    images = g.sample(16, labels=7, seed=0)   # uint8 [16, C, H, W]
    frames = g.interpolate(steps=16, seed=0)  # uint8 [16, C, H, W] along a great circle

Latents are standard normal. ``truncation`` trades diversity for fidelity, in the space the model has:

- models with a mapping network (stylegan2): truncation in W, ``psi``: w is pulled toward the tracked
  average ``w_avg`` (``w_avg + psi (w - w_avg)``; 1 = none, 0 = every sample is the average image, > 1
  exaggerates), the latents themselves are not changed (StyleGAN's truncation trick);
- the others (mlp, dcgan, upconv-dcgan): truncation in z, a threshold ``t``: every component with |z| > t
  is resampled (BigGAN's truncation trick).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional, Sequence, Union

import torch

from ganforge.config import from_dict
from ganforge.image.config import ModelConfig
from ganforge.image.data.images import to_uint8
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.image.models import create_model
from ganforge.engine.checkpoint import build_checked, load_checkpoint, load_module_state, unprefixed
from ganforge.engine.run_folder import find_checkpoint

Labels = Union[None, int, Sequence[int], torch.Tensor]


def truncated_normal(n: int, dim: int, truncation: Optional[float], generator: torch.Generator) -> torch.Tensor:
    z = torch.randn(n, dim, generator=generator)
    if truncation is None:
        return z
    if not 0 < truncation < float("inf"):
        raise GanforgeError(f"truncation must be > 0 (got {truncation}); try 0.7")
    for _ in range(1000):
        outside = z.abs() > truncation
        if not outside.any():
            break
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
    return z


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows a and b for each weight in t: ``[len(t), dim]``."""
    a_n, b_n = a / a.norm(), b / b.norm()
    omega = torch.arccos((a_n * b_n).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    t = t[:, None]
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


class LoadedGenerator:
    """A generator restored from a checkpoint, ready to sample."""

    def __init__(self, generator: torch.nn.Module, config: ModelConfig, step: int, source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.config, self.step, self.source = config, step, source
        self.device = next(generator.parameters()).device

    @classmethod
    def load(cls, target: Union[str, Path], device: str = "cpu", use_ema: bool = True) -> "LoadedGenerator":
        path = find_checkpoint(target)
        tensors, meta = load_checkpoint(path)
        return cls.from_checkpoint(path, tensors, meta, device, use_ema)

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu",
                        use_ema: bool = True) -> "LoadedGenerator":
        if meta.get("family") != "image":
            raise CheckpointError(f"{path} holds a {meta.get('family')} model; use the command for that family")
        cfg = from_dict(ModelConfig, meta["model_config"])
        prefix = "ema" if use_ema and meta.get("ema") else "generator"
        parts = {"generator": prefix}
        if any(k.startswith("discriminator.") for k in tensors):
            parts["discriminator"] = "discriminator"
        model = build_checked(lambda: create_model(config=cfg), tensors, parts, path)
        load_module_state(model.generator, unprefixed(prefix, tensors), "generator", path)
        return cls(model.generator.to(device), cfg, int(meta["step"]), path)

    def save(self, images: torch.Tensor, out: Union[str, Path], labels: Optional[torch.Tensor] = None,
             origin=None) -> Path:
        """Write images by the suffix of ``out`` (.png grid, .npz, .gif, no suffix = a folder of PNGs), marked with
        the provenance ``origin`` (``ganforge.provenance.origin_of(self, seed)``; None: unmarked)."""
        from ganforge.media.writers import save_samples

        return save_samples(images, out, "images", origin=origin, labels=labels)

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def has_mapping(self) -> bool:
        """Whether the generator has a mapping network z -> w (``mapping``, ``synthesis``, ``w_avg``)."""
        return callable(getattr(self.generator, "mapping", None)) and hasattr(self.generator, "w_avg")

    @property
    def truncation_space(self) -> str:
        """``"w"`` (psi toward w_avg) for models with a mapping network, ``"z"`` (resampling threshold) otherwise."""
        return "w" if self.has_mapping else "z"

    def latents(self, n: int, truncation: Optional[float], generator: torch.Generator) -> torch.Tensor:
        """``n`` latents from ``generator``: truncated in z for models without a mapping network, else as drawn
        (their truncation happens in W, in :meth:`generate`)."""
        if self.has_mapping:
            if truncation is not None and not 0 <= truncation < float("inf"):
                raise GanforgeError(f"truncation psi must be >= 0 (got {truncation}); try 0.7 (1 = none)")
            return torch.randn(n, self.config.latent_dim, generator=generator)
        return truncated_normal(n, self.config.latent_dim, truncation, generator)

    def _labels(self, n: int, labels: Labels, generator: torch.Generator) -> Optional[torch.Tensor]:
        k = self.num_classes
        if k == 0:
            if labels is not None:
                raise GanforgeError("this model is not class-conditional; drop --label")
            return None
        if labels is None:
            return torch.randint(0, k, (n,), generator=generator)
        y = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
        if y.numel() == 1:
            y = y.expand(n)
        if len(y) != n:
            raise GanforgeError(f"got {len(y)} labels for {n} samples; give one label or one per sample")
        if int(y.min()) < 0 or int(y.max()) >= k:
            raise GanforgeError(f"label {int(y.max()) if int(y.max()) >= k else int(y.min())} is out of range; "
                                f"this model has classes 0..{k - 1}")
        return y.clone()

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: Optional[torch.Tensor], batch_size: int = 256,
                 truncation: Optional[float] = None) -> torch.Tensor:
        """uint8 images of latents ``z``; ``truncation`` is applied here for models that truncate in W (psi)."""
        psi = {} if not self.has_mapping or truncation is None else {"truncation_psi": float(truncation)}
        out = []
        for start in range(0, len(z), batch_size):
            zz = z[start:start + batch_size].to(self.device)
            yy = labels[start:start + batch_size].to(self.device) if labels is not None else None
            out.append(to_uint8(self.generator(zz, yy, **psi)).cpu())
        return torch.cat(out)

    def sample(self, n: int, labels: Labels = None, seed: int = 0, truncation: Optional[float] = None,
               return_labels: bool = False):
        """``n`` images as uint8 ``[n, C, H, W]`` (and their labels when ``return_labels``)."""
        z, y = self.draw(n, labels, seed, truncation)
        images = self.generate(z, y, truncation=truncation)
        return (images, y) if return_labels else images

    def draw(self, n: int, labels: Labels = None, seed: int = 0, truncation: Optional[float] = None):
        """The latents ``[n, latent_dim]`` and labels (or None) that :meth:`sample` feeds the generator."""
        if n < 1:
            raise GanforgeError(f"number of samples must be >= 1 (got {n})")
        g = torch.Generator().manual_seed(seed)
        z = self.latents(n, truncation, g)
        return z, self._labels(n, labels, g)

    def interpolate(self, steps: int = 16, seed: int = 0, labels: Labels = None, truncation: Optional[float] = None,
                    locked: Sequence[int] = ()) -> torch.Tensor:
        """Images along a spherical path between two seeded latents; ``locked`` dimensions stay at the start value."""
        if steps < 2:
            raise GanforgeError(f"an interpolation needs at least 2 steps (got {steps})")
        g = torch.Generator().manual_seed(seed)
        ends = self.latents(2, truncation, g)
        z = slerp(ends[0], ends[1], torch.linspace(0, 1, steps))
        for dim in locked:
            z[:, dim] = ends[0, dim]
        y = self._labels(steps, labels, g)
        if y is not None and labels is None:
            y = y[:1].expand(steps).clone()
        return self.generate(z, y, truncation=truncation)

    def config_dict(self) -> dict:
        return dataclasses.asdict(self.config)

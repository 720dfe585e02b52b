"""Sampling and exploring a trained video generator: seeded clips, digit choice, content and motion walks.

    g = ganforge.load("runs/mocogan-...")                 # newest checkpoint, EMA weights when present
    clips = g.sample(8, seed=0)                            # uint8 [8, T, C, S, S]
    g.save(clips, "clips.gif")                             # or .mp4, strip .png, .npz
    threes = g.sample(4, labels=3)                         # conditional runs: "a video of a 3"
    pair = g.sample(4, labels=[3, 7])                      # two-digit runs: "a 3 and a 7"
    walk = g.interpolate(steps=8, space="content")        # the same motion, the digit changing: [8, T, C, S, S]
    walk = g.interpolate(steps=8, space="motion")         # the same digit, the motion changing

A walk is ``steps`` clips along a spherical path between two seeded codes of one latent (``content`` or
``motion`` for MoCoGAN, ``latent`` for TGAN), the other latents and the labels held fixed.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import torch

from ganforge.config import from_dict
from ganforge.engine.checkpoint import load_generator_model
from ganforge.errors import GanforgeError
from ganforge.media.reading import to_uint8
from ganforge.video.config import ModelConfig
from ganforge.video.models import create_model

Labels = Union[None, int, Sequence[int], torch.Tensor]
CHUNK = 64


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between codes ``a`` and ``b`` (any shape) for each weight in ``t``."""
    fa, fb = a.flatten(), b.flatten()
    omega = torch.arccos((fa / fa.norm() * fb / fb.norm()).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    w = t[:, None]
    out = (torch.sin((1 - w) * omega) * fa + torch.sin(w * omega) * fb) / torch.sin(omega)
    return out.view(len(t), *a.shape)


class VideoGenerator:
    """The generator of a video checkpoint, ready to sample clips."""

    def __init__(self, generator, config: ModelConfig, step: int, source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.config, self.step, self.source = config, step, source
        self.device = next(generator.parameters()).device

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu", use_ema: bool = True) -> "VideoGenerator":
        cfg = from_dict(ModelConfig, meta["model_config"])
        model = load_generator_model(path, tensors, meta, "video", lambda: create_model(cfg), use_ema)
        return cls(model.generator.to(device), cfg, int(meta["step"]), path)

    @property
    def spaces(self):
        return self.generator.spaces

    # ------------------------------------------------------------------ inputs
    def labels(self, n: int, labels: Labels, generator: torch.Generator) -> Optional[torch.Tensor]:
        """``[n, digits]`` labels: drawn when None, one label (or one per digit) for every clip, or one row each."""
        m = self.config
        if not m.conditional:
            if labels is not None:
                raise GanforgeError("this model is not class-conditional; drop --label/--labels (train one with "
                                    "--set model.conditional=true)")
            return None
        if labels is None:
            return torch.randint(0, m.num_classes, (n, m.digits), generator=generator)
        y = torch.as_tensor(labels, dtype=torch.int64)
        y = y.reshape(1, -1).expand(n, -1) if y.dim() <= 1 else y
        if y.shape != (n, m.digits):
            raise GanforgeError(f"this model makes clips of {m.digits} digit(s): give {m.digits} label(s) per clip "
                                f"(e.g. --labels {','.join(str(d) for d in range(3, 3 + m.digits))}), got shape "
                                f"{tuple(y.shape)} for {n} clips")
        if int(y.min()) < 0 or int(y.max()) >= m.num_classes:
            raise GanforgeError(f"label {int(y.max()) if int(y.max()) >= m.num_classes else int(y.min())} is out of "
                                f"range; this model has classes 0..{m.num_classes - 1}")
        return y.clone()

    @torch.no_grad()
    def generate(self, latents: Dict[str, torch.Tensor], labels: Optional[torch.Tensor]) -> torch.Tensor:
        """uint8 clips ``[N, T, C, S, S]`` of given latent codes (and labels), in chunks, on the CPU."""
        n = len(next(iter(latents.values())))
        out = []
        for s in range(0, n, CHUNK):
            z = {k: v[s:s + CHUNK].to(self.device) for k, v in latents.items()}
            y = None if labels is None else labels[s:s + CHUNK].to(self.device)
            out.append(to_uint8(self.generator(z, y)).cpu())
        return torch.cat(out)

    def draw(self, n: int, labels: Labels = None, seed: int = 0):
        """The latent codes and labels :meth:`sample` feeds the generator."""
        if n < 1:
            raise GanforgeError(f"number of clips must be >= 1 (got {n})")
        g = torch.Generator().manual_seed(seed)
        return self.generator.latents(n, g), self.labels(n, labels, g)

    def sample(self, n: int, labels: Labels = None, seed: int = 0, return_labels: bool = False):
        """``n`` clips as uint8 ``[n, T, C, S, S]`` (and their labels when ``return_labels``)."""
        z, y = self.draw(n, labels, seed)
        clips = self.generate(z, y)
        return (clips, y) if return_labels else clips

    def interpolate(self, steps: int = 8, space: Optional[str] = None, seed: int = 0, labels: Labels = None) -> torch.Tensor:
        """``steps`` clips walking latent ``space`` between two seeded codes, the rest held: ``[steps, T, C, S, S]``."""
        space = space or self.spaces[0]
        if space not in self.spaces:
            raise GanforgeError(f"a {self.config.name} run has no {space!r} latent space; use --space "
                                f"{' or '.join(self.spaces)}" + (" (TGAN does not separate content and motion; "
                                                                 "mocogan does)" if self.config.name == "tgan" else ""))
        if steps < 2:
            raise GanforgeError(f"an interpolation needs at least 2 steps (got {steps})")
        g = torch.Generator().manual_seed(seed)
        ends = self.generator.latents(2, g)
        y = self.labels(1, labels, g)
        z = {k: v[:1].expand(steps, *v.shape[1:]).clone() for k, v in ends.items()}
        z[space] = slerp(ends[space][0], ends[space][1], torch.linspace(0, 1, steps))
        return self.generate(z, None if y is None else y.expand(steps, -1))

    def save(self, clips: torch.Tensor, out: Union[str, Path], labels: Optional[torch.Tensor] = None,
             origin=None) -> Path:
        """Write clips by the suffix of ``out``: .gif / .mp4 (side by side), .png (a strip a clip), .npz; marked
        with the provenance ``origin`` (``ganforge.provenance.origin_of(self, seed)``; None: unmarked)."""
        from ganforge.media.writers import save_samples

        return save_samples(clips, out, "clips", origin=origin, labels=labels)

    def config_dict(self) -> dict:
        return dataclasses.asdict(self.config)

"""2D mode-coverage benchmarks: 8 Gaussians on a ring and 25 on a grid, with a small MLP GAN trainer.

- ``ring8``: 8 modes evenly spaced on a circle of radius 2, standard deviation 0.02;
- ``grid25``: 25 modes at {-4, -2, 0, 2, 4}^2, standard deviation 0.05 (as VEEGAN and PacGAN).
A sample is *high quality* when it lies within 3 standard deviations of its nearest mode; a mode
is *covered* when its high-quality samples reach 10 % of a fair share (N / K), see
:func:`mixture_quality`.
The trainer reuses the registered adversarial losses and the R1 penalty; it is seeded and runs
in a minute or two on a CPU.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ganforge.losses.config import LossConfig
from ganforge.errors import GanforgeError
from ganforge.losses import create_loss, r1_penalty
from ganforge.engine.runtime import EMA
from ganforge.image.metrics.stacked_mnist import histogram_coverage


@dataclass(frozen=True)
class Mixture:
    name: str
    centres: np.ndarray   # [K, 2]
    std: float

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        c = torch.as_tensor(self.centres, dtype=torch.float32)
        idx = torch.randint(0, len(c), (n,), generator=generator)
        return c[idx] + self.std * torch.randn(n, 2, generator=generator)


def ring8() -> Mixture:
    angles = np.arange(8) * 2 * math.pi / 8
    return Mixture("ring8", np.stack([2 * np.cos(angles), 2 * np.sin(angles)], 1), 0.02)


def grid25() -> Mixture:
    g = np.arange(-4, 5, 2, dtype=np.float64)
    return Mixture("grid25", np.array([(x, y) for x in g for y in g]), 0.05)


MIXTURES = {"ring8": ring8, "grid25": grid25}


def mixture(name: str) -> Mixture:
    if name not in MIXTURES:
        raise GanforgeError(f"unknown 2D mixture {name!r}; choose one of {', '.join(MIXTURES)}")
    return MIXTURES[name]()


def mixture_quality(samples: np.ndarray, mix: Mixture, min_share: float = 0.1) -> Dict[str, float]:
    """High-quality share (within 3 std of the nearest mode) and modes covered.

    A mode counts as covered when its high-quality samples reach ``min_share`` of a fair share
    (``N / K``): with 2,500 samples on 25 modes, at least 10 samples; stricter than "any sample".
    """
    x = np.asarray(samples, dtype=np.float64)
    d = np.linalg.norm(x[:, None, :] - mix.centres[None], axis=2)
    nearest, dist = d.argmin(1), d.min(1)
    good = dist <= 3 * mix.std
    counts = np.bincount(nearest[good], minlength=len(mix.centres))
    fair = len(x) / len(mix.centres)
    cov = histogram_coverage(counts, min_count=max(1, int(math.ceil(min_share * fair))))
    return {"modes": cov["modes"], "num_modes": len(mix.centres), "high_quality": float(good.mean()),
            "kl": cov["kl"], "mean_distance": float(dist.mean() / mix.std)}


def mlp(inp: int, hidden: int, layers: int, out: int) -> nn.Sequential:
    mods, prev = [], inp
    for _ in range(layers):
        mods += [nn.Linear(prev, hidden), nn.LeakyReLU(0.2)]
        prev = hidden
    return nn.Sequential(*mods, nn.Linear(prev, out))


class Critic(nn.Module):
    """MLP discriminator; ``pack`` samples are judged jointly (PacGAN) to penalise missing modes."""

    def __init__(self, hidden: int, layers: int, pack: int):
        super().__init__()
        self.pack = pack
        self.net = mlp(2 * pack, hidden, layers, 1)

    def forward(self, x: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.net(x.reshape(-1, 2 * self.pack)).squeeze(1)


@dataclass
class MixtureRun:
    """Defaults are the configuration of ``benchmarks/quality.py`` (see docs/benchmarks.md for what was tried)."""
    mixture: str = "grid25"
    steps: int = 50000
    batch_size: int = 256
    latent_dim: int = 16
    hidden: int = 256
    layers: int = 3
    pack: int = 2              # PacGAN-2: the discriminator judges pairs of samples
    loss: str = "nonsaturating"
    r1_weight: float = 0.01
    lr: float = 1e-3
    d_steps: int = 1
    ema_decay: float = 0.999
    seed: int = 0
    eval_samples: int = 2500
    normalize: bool = False    # True: train on data divided by the largest centre coordinate (slower to sharpen)
    beta2: float = 0.99


def train_mixture(run: MixtureRun, quiet: bool = False, progress: int = 0) -> Dict[str, float]:
    """Train an MLP GAN on a 2D mixture; returns the coverage of ``eval_samples`` EMA samples and wall time.

    ``progress`` > 0 probes 2,500 samples every that many steps (``trajectory`` in the result); the probes draw
    from their own random stream, so they do not change the run.
    """
    mix = mixture(run.mixture)
    torch.manual_seed(run.seed)
    G = mlp(run.latent_dim, run.hidden, run.layers, 2)
    D = Critic(run.hidden, run.layers, run.pack)
    loss = create_loss(LossConfig(name=run.loss))
    opt_g = torch.optim.Adam(G.parameters(), lr=run.lr, betas=(0.5, run.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=run.lr, betas=(0.5, run.beta2))
    ema = EMA(G, run.ema_decay) if run.ema_decay > 0 else None
    data_gen = torch.Generator().manual_seed(run.seed + 1)
    probe_gen = torch.Generator().manual_seed(run.seed + 3)
    history = []
    n = run.batch_size * run.pack
    scale = float(np.abs(mix.centres).max()) if run.normalize else 1.0
    t0 = time.monotonic()
    for step in tqdm(range(run.steps), desc=f"2D {run.mixture}", disable=True if quiet else None, unit="step"):
        for _ in range(run.d_steps):
            real = mix.sample(n, data_gen) / scale
            with torch.no_grad():
                fake = G(torch.randn(n, run.latent_dim))
            d_loss = loss.discriminator(D(real), D(fake))
            penalty = loss.penalty(D, real, fake, None)
            if penalty is not None:
                d_loss = d_loss + penalty
            if run.r1_weight > 0:
                d_loss = d_loss + 0.5 * run.r1_weight * r1_penalty(D, real.reshape(-1, 2 * run.pack))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            loss.after_discriminator_step(D)
        g_loss = loss.generator(D(G(torch.randn(n, run.latent_dim))))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        if ema is not None:
            ema.update(G, step)
        if progress and (step + 1) % progress == 0:
            with torch.no_grad():
                z = torch.randn(2500, run.latent_dim, generator=probe_gen)   # own stream: probes do not change training
                probe = (ema.module if ema is not None else G)(z).numpy() * scale
            history.append({"step": step + 1, **mixture_quality(probe, mix)})
            if not quiet:
                tqdm.write(f"step {step + 1}: {history[-1]['modes']} modes, "
                           f"{history[-1]['high_quality']:.1%} high quality")
    seconds = time.monotonic() - t0
    final = ema.module if ema is not None else G
    with torch.no_grad():
        z = torch.randn(run.eval_samples, run.latent_dim, generator=torch.Generator().manual_seed(run.seed + 2))
        samples = final(z).numpy() * scale
    return {**mixture_quality(samples, mix), "seconds": seconds, "trajectory": history}

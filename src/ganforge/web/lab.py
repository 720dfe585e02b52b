"""The studio's Lab: GAN Lab done in PyTorch on the server, one session per browser tab.

A :class:`LabSession` trains the 2D toy family's networks (:mod:`ganforge.toy2d.nets`: an MLP
generator from a 2D latent, an MLP critic) on one of its data sets (:mod:`ganforge.toy2d.data`)
with any loss of ``ganforge.losses.LOSSES``, one step at a time: its critic step is the family's
:func:`~ganforge.toy2d.nets.critic_objective` (the shared ``discriminator_objective``), as in
``ganforge train gan2d``. ``frame()`` is what the page draws: real and generated points, the
discriminator's surface on a grid, the generator's image of a latent grid, the gradient the generator's loss puts
on each generated point, loss curves, a Jensen-Shannon divergence estimate and mode coverage.

The sessions of all tabs live in :class:`ganforge.web.lab_sessions.LabSessions`, whose one worker
thread trains the playing ones in turn.
"""
from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from ganforge.config import from_dict, option
from ganforge.losses.config import LossConfig
from ganforge.errors import ConfigError, GanforgeError
from ganforge.losses import LOSSES, create_loss
from ganforge.toy2d.data import VIEW, make_toy_data
from ganforge.toy2d.metrics import js_divergence, mode_coverage
from ganforge.toy2d.nets import Critic, Generator, critic_objective
from ganforge.web.jsonio import dumps

LATENT_DIM = 2
SHOWN_POINTS = 512  # real and generated points drawn on the page
ARROWS = 128  # generated points that get a gradient arrow
SURFACE = 48  # the discriminator surface is sampled on SURFACE x SURFACE cells
LATENT_GRID = 13  # the generator's mapping of a LATENT_GRID x LATENT_GRID latent grid
DIVERGENCE_POINTS = 4096
HISTORY = 4000  # loss history kept (one entry per generator step); the page gets at most CURVE_POINTS
CURVE_POINTS = 300
SLOW_STEPS_PER_S = 4.0
FRAME_EVERY_S = 0.08  # a playing session's frame is refreshed at most this often
PROBABILITY_LOSSES = ("minimax", "nonsaturating")
DATASETS = ("ring", "grid", "spiral", "moons", "drawn")  # the toy2d presets that fit the Lab's view


@dataclass
class LabConfig:
    dataset: str = option("ring", help="ring, grid, spiral, moons or drawn")
    points: Tuple[Tuple[float, ...], ...] = option((), help="the user's points for dataset=drawn")
    loss: str = option("nonsaturating", help="a loss of ganforge.losses.LOSSES")
    lr_g: float = option(1e-3, min=1e-6, max=1.0)
    lr_d: float = option(1e-3, min=1e-6, max=1.0)
    d_steps: int = option(1, min=1, max=20, help="discriminator steps per generator step")
    g_hidden: Tuple[int, ...] = option((64, 64), help="hidden layer sizes of the generator")
    d_hidden: Tuple[int, ...] = option((64, 64), help="hidden layer sizes of the discriminator")
    batch_size: int = option(256, min=8, max=2048)
    seed: int = option(0, min=0, max=2**31 - 1)


def parse_config(data: Dict[str, Any]) -> LabConfig:
    cfg = from_dict(LabConfig, data)
    if cfg.dataset not in DATASETS:
        raise ConfigError(f"config key 'dataset' is {cfg.dataset!r}; choose one of {', '.join(DATASETS)}")
    if cfg.loss not in LOSSES:
        LOSSES.get(cfg.loss)
    for key in ("g_hidden", "d_hidden"):
        sizes = getattr(cfg, key)
        if not 1 <= len(sizes) <= 4 or not all(1 <= s <= 256 for s in sizes):
            raise ConfigError(f"config key {key!r} is {list(sizes)}; give 1 to 4 layer sizes between 1 and 256")
    if len(cfg.points) > 2000:
        raise ConfigError(f"{len(cfg.points)} drawn points is too many; draw at most 2000")
    return cfg


_init_lock = threading.Lock()  # weight init uses the global torch RNG: one reset at a time


def _decimate(rows: List[Tuple[float, ...]], limit: int) -> List[Tuple[float, ...]]:
    if len(rows) <= limit:
        return rows
    stride = len(rows) / limit
    return [rows[int(i * stride)] for i in range(limit - 1)] + [rows[-1]]


class LabSession:
    """One tab's toy GAN: its config, networks, optimizers, counters and history."""

    def __init__(self, session_id: str, cfg: LabConfig):
        self.id = session_id
        self.lock = threading.RLock()
        self.waiting = 0  # requests waiting for the lock: the worker thread steps aside for them
        self._count_lock = threading.Lock()
        self.playing = False
        self.slow = False
        self.error: Optional[str] = None  # why training stopped, shown by the page
        self.failures = 0  # unexpected errors in a row (the worker pauses the session after a few)
        self.last_seen = time.monotonic()
        self.version = 0  # bumped by every change the page can see
        self.controls = 0  # bumped by the user's changes (play, pause, slow, reset, config) only
        self._snapshot: Optional[Tuple[int, int, float, bytes]] = None  # (version, controls, time, frame JSON)
        self.frame_wanted = False
        self.reset(cfg)

    def reset(self, cfg: Optional[LabConfig] = None) -> None:
        with self.lock:
            cfg = cfg or self.cfg
            data = make_toy_data(cfg.dataset, cfg.points)
            with _init_lock, torch.random.fork_rng():
                torch.manual_seed(cfg.seed)
                self.G, self.D = Generator(LATENT_DIM, cfg.g_hidden), Critic(cfg.d_hidden)
            self.cfg, self.data = cfg, data
            self.loss = create_loss(LossConfig(name=cfg.loss))
            self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(0.5, 0.999))
            self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=(0.5, 0.999))
            self.gen = torch.Generator().manual_seed(cfg.seed)
            shown = torch.Generator().manual_seed(cfg.seed + 1)
            self.shown_real = data.sample(SHOWN_POINTS, shown)
            self.shown_z = torch.randn(SHOWN_POINTS, LATENT_DIM, generator=shown)
            self.g_steps = self.d_steps = 0
            self.pending_d = 0  # D steps done since the last G step (for the D-steps-per-G-step schedule)
            self.last_d_loss = self.last_g_loss = float("nan")
            self.history: List[Tuple[float, ...]] = []  # (g_step, loss_d, loss_g)
            self.divergence: List[Tuple[float, ...]] = []  # (g_step, js)
            self.last_tick = time.monotonic()
            self.error = None
            self.version += 1
            self.controls += 1

    def set_state(self, playing: Optional[bool] = None, slow: Optional[bool] = None) -> None:
        with self.lock:
            if playing is not None:
                self.playing = playing
                self.error = None if playing else self.error
            if slow is not None:
                self.slow = slow
            self.version += 1
            self.controls += 1

    def report(self, message: str, pause: bool = True) -> None:
        """Show ``message`` in the next frame (the worker's one way to tell the page about an error)."""
        with self.lock:
            self.error = message
            self.playing = self.playing and not pause
            self.version += 1
            self.controls += 1

    @contextlib.contextmanager
    def turn(self):
        """Hold the session for a request: the worker's training slice ends early so a poll never starves."""
        with self._count_lock:
            self.waiting += 1
        with self.lock:
            with self._count_lock:
                self.waiting -= 1
            yield

    def request(self, method: str, *args: Any) -> Any:
        """Run ``self.method(*args)`` for a web request, taking a fair turn at the lock."""
        with self.turn():
            return getattr(self, method)(*args)

    # ------------------------------------------------------------------ training
    def step_d(self) -> None:
        with self.lock:
            b = self.cfg.batch_size
            real = self.data.sample(b, self.gen)
            with torch.no_grad():
                fake = self.G(torch.randn(b, LATENT_DIM, generator=self.gen))
            eps = torch.rand(b, generator=self.gen)
            self.D.requires_grad_(True)
            loss = self.d_objective(real, fake, eps)
            self.opt_d.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_d.step()
            self.loss.after_discriminator_step(self.D)
            self.d_steps += 1
            self.version += 1
            self.pending_d += 1
            self.last_d_loss = float(loss.detach())
            self._check_finite(self.last_d_loss)

    def d_objective(self, real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """The critic's loss on these points: the toy family's objective (no R1 in the Lab)."""
        return critic_objective(self.loss, self.D, real, fake, eps=eps)[0]

    def step_g(self) -> None:
        with self.lock:
            self.D.requires_grad_(False)
            fake = self.G(torch.randn(self.cfg.batch_size, LATENT_DIM, generator=self.gen))
            loss = self.loss.generator(self.D(fake))
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
            self.D.requires_grad_(True)
            self.g_steps += 1
            self.version += 1
            self.pending_d = 0
            self.last_g_loss = float(loss.detach())
            self._check_finite(self.last_g_loss)
            self.history.append((self.g_steps, round(self.last_d_loss, 5), round(self.last_g_loss, 5)))
            del self.history[:-HISTORY]

    def iteration(self) -> None:
        """The D steps still due in this round, then one G step."""
        with self.lock:
            while self.pending_d < self.cfg.d_steps:
                self.step_d()
            self.step_g()

    def _check_finite(self, value: float) -> None:
        if value != value or value in (float("inf"), float("-inf")):
            self.playing = False
            self.version += 1
            self.controls += 1
            raise GanforgeError("a loss became NaN or infinite: lower the learning rates or pick another loss, "
                                "then press Reset")

    def advance(self, budget_s: float) -> None:
        """Train for about ``budget_s`` seconds (slow motion: a few steps per second)."""
        with self.lock:
            now = time.monotonic()
            if self.slow:
                if now - self.last_tick >= 1.0 / SLOW_STEPS_PER_S:
                    self.last_tick = now
                    self.iteration()
                return
            self.last_tick = now
            deadline = now + budget_s
            self.iteration()
            while time.monotonic() < deadline and self.playing and not self.waiting:
                self.iteration()

    # ------------------------------------------------------------------ what the page draws
    def frame_json(self, max_age_s: float = 0.5) -> bytes:
        """The newest frame as JSON for a poll: a playing session's worker thread keeps it fresh, so a poll
        only computes one itself when the session changed while paused (or the snapshot went stale)."""
        self.last_seen = time.monotonic()
        self.frame_wanted = True
        snap = self._snapshot
        if snap and (snap[0] == self.version or (self.playing and snap[1] == self.controls
                                                 and time.monotonic() - snap[2] < max_age_s)):
            return snap[3]
        with self.turn():
            return self.snapshot()

    def snapshot_time(self) -> float:
        return self._snapshot[2] if self._snapshot else 0.0

    def snapshot(self) -> bytes:
        with self.lock:
            snap = self._snapshot
            if snap is None or snap[0] != self.version:
                version, controls, data = self.version, self.controls, self.frame()
                data["error"] = self.error
                snap = self._snapshot = (version, controls, time.monotonic(), dumps(data))
            self.frame_wanted = False
            return snap[3]

    def frame(self) -> Dict[str, Any]:
        with self.lock:
            self.G.eval()
            with torch.no_grad():
                fake = self.G(self.shown_z)
                axis = torch.linspace(-VIEW, VIEW, SURFACE)
                cells = torch.cartesian_prod(axis, axis).flip(1)  # row-major: y outer, x inner
                surface = self._surface(self.D(cells))
                lat = torch.linspace(-2.0, 2.0, LATENT_GRID)
                manifold = self.G(torch.cartesian_prod(lat, lat))
                check = torch.Generator().manual_seed(12345)
                js_real = self.data.sample(DIVERGENCE_POINTS, check)
                js_fake = self.G(torch.randn(DIVERGENCE_POINTS, LATENT_DIM, generator=check))
            arrows = self._generator_gradient(fake[:ARROWS])
            js = js_divergence(js_real, js_fake)
            if not self.divergence or self.divergence[-1][0] != self.g_steps:
                self.divergence.append((self.g_steps, round(js, 5)))
                del self.divergence[:-HISTORY]
            covered = mode_coverage(js_fake, self.data)
            return {
                "id": self.id, "config": _config_dict(self.cfg), "playing": self.playing, "slow": self.slow,
                "g_steps": self.g_steps, "d_steps": self.d_steps, "loss_d": _finite(self.last_d_loss),
                "loss_g": _finite(self.last_g_loss), "view": VIEW,
                "real": _rounded(self.shown_real), "fake": _rounded(fake), "arrows": _rounded(arrows),
                "surface": {"size": SURFACE, "values": (surface * 255).round().to(torch.uint8).tolist(),
                            "kind": "D(x)" if self.cfg.loss in PROBABILITY_LOSSES else "critic (scaled)"},
                "manifold": {"size": LATENT_GRID, "points": _rounded(manifold)},
                "history": _decimate(self.history, CURVE_POINTS),
                "divergence": _decimate(self.divergence, CURVE_POINTS), "js": round(js, 4),
                "modes": None if covered is None else {"covered": covered, "total": len(self.data.centers)},
            }

    def _surface(self, logits: torch.Tensor) -> torch.Tensor:
        """The discriminator's output on the grid in [0, 1]: D(x) for probability losses, else min-max scaled."""
        if self.cfg.loss in PROBABILITY_LOSSES:
            return torch.sigmoid(logits)
        if self.cfg.loss == "lsgan":
            return logits.clamp(0, 1)
        lo, hi = logits.min(), logits.max()
        return (logits - lo) / (hi - lo).clamp_min(1e-8)

    def _generator_gradient(self, fake: torch.Tensor) -> torch.Tensor:
        """-d(generator loss)/d(point) for each point: where the generator's loss pushes it."""
        x = fake.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.loss.generator(self.D(x)) * len(x), x)
        return -grad


def _finite(value: float) -> Optional[float]:
    return None if value != value else round(value, 5)


def _rounded(t: torch.Tensor) -> List[List[float]]:
    return np.round(t.detach().double().numpy(), 4).tolist()


def _config_dict(cfg: LabConfig) -> Dict[str, Any]:
    import dataclasses

    d = dataclasses.asdict(cfg)
    d["points"] = [list(p) for p in cfg.points]
    d["g_hidden"], d["d_hidden"] = list(cfg.g_hidden), list(cfg.d_hidden)
    return d

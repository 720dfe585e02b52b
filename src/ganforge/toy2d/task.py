"""The 2D toy family's training task: ``d_steps`` critic updates, then one generator update, on 2D points.

The engine (:mod:`ganforge.engine.loop`) runs the loop; this module says what one step does.
Every random draw is a function of (seed, step): data points, latents and penalty weights come
from a per-step generator, so a resumed run reaches exactly the weights of an uninterrupted one.
The critic's update is :func:`ganforge.toy2d.nets.critic_objective` (the shared
``discriminator_objective``, R1 on the packed view), as in the studio's Lab.
"""
from __future__ import annotations

import math
import sys
from dataclasses import asdict
from typing import Dict, List, Optional

import torch

from ganforge.engine.batches import step_generator
from ganforge.engine.task import Phase, Task, Update
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import adversarial_state
from ganforge.engine.stats import Stats

from ganforge.losses import create_loss
from ganforge.toy2d.config import Toy2dConfig
from ganforge.toy2d.data import make_toy_data
from ganforge.toy2d.metrics import mixture_quality
from ganforge.toy2d.nets import Critic, Generator, critic_objective
from ganforge.toy2d.pipeline import scatter_image, save_scatter

PLOTTED = 1000   # points in each sample plot


class Toy2dTask(Task):
    family = "toy2d"
    # read from the config at each step, so they may change mid-run (`ganforge control RUN set ...`)
    live_keys = ("train.d_steps", "loss.r1_weight", "loss.gp_weight", "loss.clip_value")
    unit = "inputs"

    def __init__(self, cfg: Toy2dConfig):
        self.cfg = cfg
        t, m = cfg.train, cfg.model
        self.setup_runtime(processes=False)
        self.data = make_toy_data(cfg.data.name, cfg.data.points)
        torch.manual_seed(t.seed)
        hidden = (m.hidden,) * m.layers
        self.G = Generator(m.latent_dim, hidden).to(self.device)
        self.D = Critic(hidden, m.pack).to(self.device)
        self.loss = create_loss(cfg.loss)
        self.state = adversarial_state(self.G, self.D, t.lr_g, t.lr_d, (t.beta1, t.beta2), t.ema_decay)
        self.phases = [Phase("train", t.steps or None)]
        self.stats = Stats()
        fixed = step_generator(t.seed, 0, stream=99)
        self.fixed_z = torch.randn(PLOTTED, m.latent_dim, generator=fixed).to(self.device)
        self.fixed_real = self.data.sample(PLOTTED, fixed)
        self._shared: Dict[str, torch.Tensor] = {}

    # ------------------------------------------------------------------ one step
    def batch(self, index: int, stream: int):
        """Real points (in training units), latents and penalty weights of batch ``index``: batch_size x pack each."""
        t, m = self.cfg.train, self.cfg.model
        n = t.batch_size * m.pack
        g = step_generator(t.seed, index, stream)
        real = self.data.sample(n, g) / self.cfg.data.scale
        z = torch.randn(n, m.latent_dim, generator=g)
        eps = torch.rand(n, generator=g)
        return real.to(self.device), z.to(self.device), eps

    def d_objective(self, real: torch.Tensor, fake: torch.Tensor, eps: Optional[torch.Tensor] = None):
        """(loss, real logits, fake logits) of a critic update on these points."""
        return critic_objective(self.loss, self.D, real, fake, eps=eps, r1_weight=self.cfg.loss.r1_weight)

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        """``d_steps`` critic updates, then one generator update on the fakes of the last critic update."""
        t = self.cfg.train
        _, z_g, _ = self.batch(step, stream=2)
        shared = self._shared = {}

        def d_loss(i: int) -> torch.Tensor:
            real, z, eps = self.batch(step * t.d_steps + i, stream=1)
            if i == t.d_steps - 1:
                shared["fake_g"] = self.G(z_g)
                fake = shared["fake_g"].detach()
            else:
                with torch.no_grad():
                    fake = self.G(z)
            shared["d_loss"], _, _ = self.d_objective(real, fake, eps)
            return shared["d_loss"]

        def g_loss(i: int) -> torch.Tensor:
            shared["g_loss"] = self.loss.generator(self.D(shared["fake_g"]).float())
            return shared["g_loss"]

        return [Update("d", "discriminator", "optim_d", d_loss, repeat=t.d_steps,
                       after=lambda: self.loss.after_discriminator_step(self.D)),
                Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",))]

    def after_step(self, step: int) -> None:
        self.stats.report("loss/d", self._shared["d_loss"])
        self.stats.report("loss/g", self._shared["g_loss"])

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        return {"model": self.cfg.model.name, "model_config": asdict(self.cfg.model),
                "data_config": asdict(self.cfg.data)}

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        return {"data": self.cfg.data.name}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {"d": values["loss/d"], "g": values["loss/g"]}

    @torch.no_grad()
    def samples(self, z: torch.Tensor) -> torch.Tensor:
        """Points of the sampling generator (EMA when kept) for latents ``z``, in the data's units, on the CPU."""
        G = self.state.sampling_module()
        out = [G(z[s:s + 4096].to(self.device)).float().cpu() for s in range(0, len(z), 4096)]
        return torch.cat(out) * self.cfg.data.scale

    def fixed_samples(self, n: int, seed: int) -> torch.Tensor:
        """``n`` points from latents fixed by ``seed``: the same inputs at every evaluation."""
        g = step_generator(seed, 0, stream=77)
        return self.samples(torch.randn(n, self.cfg.model.latent_dim, generator=g))

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        image = scatter_image(self.samples(self.fixed_z), self.data.extent, self.fixed_real)
        save_scatter(image, run.sample_path(step, ".png"))
        if writer is not None:
            writer.add_image("samples", image, step, dataformats="HWC")


class QualityHook:
    """``eval_every``: the mode quality of ``eval_samples`` fixed EMA samples into metrics.jsonl (and ``rows``)."""

    def __init__(self, task: Toy2dTask, run: RunFolder, quiet: bool = True):
        self.task, self.run, self.quiet = task, run, quiet
        self.rows: List[dict] = []

    def __call__(self, step: int, ended: Optional[str]) -> None:
        t = self.task.cfg.train
        if self.task.data.centers is None or not (step % t.eval_every == 0 or ended):
            return
        values = mixture_quality(self.task.fixed_samples(t.eval_samples, t.seed).numpy(), self.task.data)
        self.run.append_metrics(step, {k: v for k, v in values.items() if math.isfinite(v)})  # no mode: KL inf
        self.rows.append({"step": step, **values})
        if not self.quiet:
            print(f"step {step}: {values['modes']}/{values['num_modes']} modes, "
                  f"{values['high_quality']:.1%} high quality", file=sys.stderr, flush=True)

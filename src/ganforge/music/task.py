"""The music family's training task: GAN steps (``d_steps`` critic updates, one generator update) or MLE steps.

The engine (:mod:`ganforge.engine.loop`) runs the loop; this module says what a step does. Every random
draw is a function of (seed, step): the phrases come from an epoch-shuffled :class:`BatchSampler`, the
latents and Gumbel noise from per-step generators, so a resumed run reaches exactly the weights of an
uninterrupted one. The critic's update is the shared ``discriminator_objective``; real phrases reach it
as one-hot voices, generated ones as straight-through Gumbel-softmax one-hots.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Dict, List

import torch
from torch.nn import functional as F

from ganforge.engine.batches import BatchSampler, step_generator
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.engine.task import Phase, Task, Update
from ganforge.losses import create_loss
from ganforge.losses.objectives import discriminator_objective
from ganforge.media.images import save_png
from ganforge.media.midi import roll_image
from ganforge.media.writers import save_samples
from ganforge.music.config import MusicConfig
from ganforge.music.data import MusicData, load_music
from ganforge.music.models import Shape, build_model
from ganforge.music.models.base import gumbel_noise
from ganforge.music.pipeline import generate, voices_to_midi


class MusicTask(Task):
    family = "music"
    live_keys = ("train.d_steps", "train.tau", "loss.gp_weight", "loss.r1_weight")
    unit = "phrases"

    def __init__(self, cfg: MusicConfig, quiet: bool = True, data: MusicData | None = None):
        self.cfg = cfg
        t = cfg.train
        self.setup_runtime(processes=False)
        self.data = data if data is not None else load_music(cfg.data, quiet)
        d = cfg.data
        self.shape = Shape(self.data.tracks, d.bars, d.steps_per_bar, d.pitches + 1)
        self.sampler = BatchSampler(len(self.data.train), t.batch_size, t.seed, what="phrases")
        self.train_data = self.data.train.to(self.device)
        torch.manual_seed(t.seed)
        nets = {k: m.to(self.device) for k, m in build_model(cfg.model, self.shape).items()}
        self.G, self.D = nets["generator"], nets.get("discriminator")
        self.adversarial = self.D is not None
        self.state = TrainState()
        self.state.modules["generator"] = self.G
        betas = (t.beta1, t.beta2)
        self.state.optimizers["optim_g"] = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=betas)
        if self.adversarial:
            self.loss = create_loss(cfg.loss)
            self.state.modules["discriminator"] = self.D
            self.state.optimizers["optim_d"] = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=betas)
        self.state.add_ema("generator", t.ema_decay)
        self.phases = [Phase("train", t.steps or None)]
        self.stats = Stats()
        self._shared: Dict[str, torch.Tensor] = {}

    # ------------------------------------------------------------------ one step
    def real(self, index: int) -> torch.Tensor:
        return self.train_data[self.sampler.indices(index).to(self.device)]

    def fake(self, index: int, stream: int) -> torch.Tensor:
        """Straight-through one-hot phrases of the generator from the noise of (seed, index, stream)."""
        t, s = self.cfg.train, self.shape
        g = step_generator(t.seed, index, stream)
        z = torch.randn(t.batch_size, self.G.latent_dim, generator=g)
        gumbel = gumbel_noise((t.batch_size, s.tracks, s.steps, s.vocab), g)
        return self.G(z.to(self.device), gumbel.to(self.device), t.tau)

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        shared = self._shared = {}
        if not self.adversarial:
            def mle_loss(i: int) -> torch.Tensor:
                shared["loss/nll"] = self.G.nll(self.real(step))
                return shared["loss/nll"]

            return [Update("g", "generator", "optim_g", mle_loss)]
        t = self.cfg.train

        def d_loss(i: int) -> torch.Tensor:
            k = step * t.d_steps + i
            real = F.one_hot(self.real(k), self.shape.vocab).float()
            if i == t.d_steps - 1:
                shared["fake_g"] = self.fake(step, stream=2)
                fake = shared["fake_g"].detach()
            else:
                with torch.no_grad():
                    fake = self.fake(k, stream=1)
            eps = torch.rand(t.batch_size, generator=step_generator(t.seed, k, stream=3))
            shared["loss/d"], _, _ = discriminator_objective(self.loss, self.D, real, fake, eps=eps,
                                                             r1_weight=self.cfg.loss.r1_weight)
            return shared["loss/d"]

        def g_loss(i: int) -> torch.Tensor:
            shared["loss/g"] = self.loss.generator(self.D(shared["fake_g"]).float())
            return shared["loss/g"]

        return [Update("d", "discriminator", "optim_d", d_loss, repeat=t.d_steps,
                       after=lambda: self.loss.after_discriminator_step(self.D)),
                Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",))]

    def after_step(self, step: int) -> None:
        for key, value in self._shared.items():
            if key.startswith("loss/"):
                self.stats.report(key, value)

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        return {"model": self.cfg.model.name, "model_config": asdict(self.cfg.model),
                "data_config": asdict(self.cfg.data), "shape": asdict(self.shape),
                "track_names": list(self.data.track_names), "programs": list(self.data.programs)}

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        return {"data": self.cfg.data.name, "tracks": list(self.data.track_names),
                "phrases": {"train": len(self.data.train), "test": len(self.data.test)}}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {k.split("/")[-1]: v for k, v in values.items() if k.startswith("loss/")}

    def sample_voices(self, n: int, seed: int, temperature: float = 1.0) -> torch.Tensor:
        G = self.state.sampling_module()
        was = G.training
        G.eval()
        try:
            return generate(G, self.shape, n, seed, temperature)
        finally:
            G.train(was)

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        voices = self.sample_voices(self.cfg.train.sample_count, seed=self.cfg.train.seed + 99)
        songs = [voices_to_midi(v, self.cfg.data, self.data.track_names, self.data.programs) for v in voices]
        image = roll_image(songs)
        save_png(image, run.sample_path(step, ".png"), scale=3)
        save_samples(songs, run.sample_path(step, ".mid"), kind="music")
        if writer is not None:
            writer.add_image("samples", image, step, dataformats="HWC")

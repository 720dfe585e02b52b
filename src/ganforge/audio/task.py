"""The audio family's training task: WaveGAN or SpecGAN on clips, as engine updates (D steps, then one G step).

The batch order and every random input are functions of (seed, step) (``engine.batches``); phase
shuffle draws from the global RNG, which the trainer seeds per step, so a resumed run reaches the
weights of an uninterrupted one. SpecGAN's normalisation statistics are computed from the training
clips before the first step and live in the generator's buffers (in every checkpoint).
Samples (every ``train.sample_every`` steps) are ``samples/step_N.wav`` (the fixed latents' clips one
after another; one clip per class, cycling, for conditional models) and ``step_N.png``, their spectrograms.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import torch

from ganforge.audio import spectral
from ganforge.audio.config import RunConfig
from ganforge.audio.data.clips import AudioData, load_clips
from ganforge.audio.models import create_model
from ganforge.engine.batches import BatchSampler, step_generator
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import adversarial_state
from ganforge.engine.stats import Stats
from ganforge.engine.task import Phase, Task, Update
from ganforge.errors import ConfigError
from ganforge.losses import create_loss
from ganforge.losses.objectives import discriminator_objective
from ganforge.media.images import save_png
from ganforge.media.writers import save_samples


def resolve_model(cfg: RunConfig, data: AudioData) -> RunConfig:
    """The run config with the model's class count taken from the data (conditional models)."""
    m = cfg.model
    if not m.conditional:
        return cfg
    if data.labels is None:
        raise ConfigError(f"model.conditional=true needs labelled clips, and {data.root} has none: use a set built "
                          "by `ganforge data build`, a folder of class sub-folders, or drop model.conditional")
    k = len(data.classes)
    if m.num_classes and m.num_classes != k:
        raise ConfigError(f"model.num_classes={m.num_classes} but the data has {k} {data.label} classes; use "
                          f"--set model.num_classes={k} (or 0: from the data)")
    return dataclasses.replace(cfg, model=dataclasses.replace(m, num_classes=k))


class AudioTask(Task):
    family = "audio"
    unit = "clips"

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.setup_runtime()
        t = cfg.train
        if not cfg.data.dir:
            raise ConfigError(f"{cfg.model.name} needs clips: pass --data DIR (build one with `ganforge data build "
                              "notes --out DIR`, or any folder of WAV files)")
        self.data = load_clips(cfg.data.dir, cfg.data.split, cfg.model.length, cfg.model.sample_rate, cfg.data.label,
                               cfg.data.limit)
        self.cfg = cfg = resolve_model(cfg, self.data)
        m = cfg.model
        self.sampler = BatchSampler(len(self.data), t.batch_size, t.seed, what="clips")
        torch.manual_seed(t.seed)
        self.model = create_model(m)
        self.model.fit_data(self.data.waves)
        self.model.to(self.device)
        self.real = self.model.real_inputs(self.data.waves.to(self.device))
        self.labels = self.data.labels.to(self.device) if m.conditional else None
        self.G, self.D = self.model.generator, self.model.discriminator
        self.loss = create_loss(cfg.loss)
        self.state = adversarial_state(self.G, self.D, t.lr_g, t.lr_d, (t.beta1, t.beta2), t.ema_decay)
        self.phases = [Phase("train", t.steps or None)]
        self.stats = Stats()
        fixed = step_generator(t.seed, 0, stream=99)
        self.fixed_z = torch.randn(t.sample_count, m.latent_dim, generator=fixed).to(self.device)
        self.fixed_labels = (torch.arange(t.sample_count) * max(1, m.num_classes // t.sample_count)
                             % m.num_classes).to(self.device) if m.conditional else None
        self._shared: Dict[str, torch.Tensor] = {}

    live_keys = ("train.d_steps",)

    def batch(self, index: int, stream: int):
        """This rank's slice of global batch ``index``: real inputs, labels, latents, fake labels, GP weights."""
        t, m = self.cfg.train, self.cfg.model
        per = t.batch_size // self.world
        lo, hi = self.rank * per, (self.rank + 1) * per
        idx = self.sampler.indices(index)[lo:hi].to(self.device)
        labels = self.labels[idx] if self.labels is not None else None
        g = step_generator(t.seed, index, stream)
        z = torch.randn(t.batch_size, m.latent_dim, generator=g)[lo:hi].to(self.device)
        fake_labels = (torch.randint(0, m.num_classes, (t.batch_size,), generator=g)[lo:hi].to(self.device)
                       if m.conditional else None)
        eps = torch.rand(t.batch_size, generator=g)[lo:hi]
        return self.real[idx], labels, z, fake_labels, eps

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        t = self.cfg.train
        d_steps = t.d_steps
        _, _, z_g, labels_g, _ = self.batch(step, stream=2)
        shared = self._shared = {}

        def d_loss(i: int) -> torch.Tensor:
            real, labels, z, fake_labels, eps = self.batch(step * d_steps + i, stream=1)
            with torch.no_grad():
                fake = self.G(z, fake_labels)
            loss, real_logits, fake_logits = discriminator_objective(
                self.loss, self.D, real, fake, labels, fake_labels, eps=eps, r1_weight=self.cfg.loss.r1_weight)
            shared.update(d_loss=loss.detach(), real_logits=real_logits.detach(), fake_logits=fake_logits.detach())
            return loss

        def g_loss(i: int) -> torch.Tensor:
            shared["g_loss"] = self.loss.generator(self.D(self.G(z_g, labels_g), labels_g).float())
            return shared["g_loss"]

        return [Update("d", "discriminator", "optim_d", d_loss, repeat=d_steps,
                       after=lambda: self.loss.after_discriminator_step(self.D)),
                Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",))]

    def after_step(self, step: int) -> None:
        s, v = self.stats, self._shared
        s.report("loss/d", v["d_loss"])
        s.report("loss/g", v["g_loss"].detach())
        s.report("D(x)", v["real_logits"].mean())
        s.report("D(G(z))", v["fake_logits"].mean())

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        return {"model": self.cfg.model.name, "model_config": dataclasses.asdict(self.cfg.model),
                "data": self.data.name, "label": self.data.label if self.cfg.model.conditional else "none",
                "classes": self.data.classes if self.cfg.model.conditional else []}

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        conditional = self.cfg.model.conditional
        return {"data": self.data.name, "data_dir": str(Path(self.cfg.data.dir).resolve()),
                "sample_rate": self.cfg.model.sample_rate, "label": self.data.label if conditional else "none",
                "classes": self.data.classes if conditional else []}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {"d": values["loss/d"], "g": values["loss/g"], "clips/s": values["clips_per_s"]}

    @torch.no_grad()
    def fixed_clips(self) -> torch.Tensor:
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        waves = G.waveform(G(self.fixed_z, self.fixed_labels)).cpu()
        G.train(was_training)
        return waves

    @torch.no_grad()
    def eval_clips(self, n: int, seed: int, classes: List[str]):
        """``n`` clips from latents fixed by ``seed`` (classes in turn when conditional) and, when conditional, the
        index in ``classes`` (a data set's class names) of the class asked for."""
        G, m = self.state.sampling_module(), self.cfg.model
        was_training = G.training
        G.eval()
        z = torch.randn(n, m.latent_dim, generator=step_generator(seed, 0, stream=77))
        y = torch.arange(n) % m.num_classes if m.conditional else None
        clips = torch.cat([G.waveform(G(z[s:s + 64].to(self.device), None if y is None else y[s:s + 64].to(self.device)))
                           .float().cpu() for s in range(0, n, 64)])
        G.train(was_training)
        names = self.data.classes
        requested = None if y is None else np.array([classes.index(names[i]) if names[i] in classes else -1
                                                     for i in y.tolist()])
        return clips, requested

    def write_samples(self, run: RunFolder, step: int, writer: Optional[object]) -> None:
        waves, rate = self.fixed_clips(), self.cfg.model.sample_rate
        save_samples(waves.numpy(), run.sample_path(step, ".wav"), "audio", rate=rate)
        grid = spectral.spectrogram_grid(waves)
        save_png(grid, run.sample_path(step, ".png"))
        if writer is not None:
            writer.add_image("spectrograms", grid, step, dataformats="HWC")
            writer.add_audio("sample", waves[0], step, sample_rate=rate)

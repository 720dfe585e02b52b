"""The image family's training task: a latent GAN step (``d_steps`` discriminator updates, one generator update).

The engine (:mod:`ganforge.engine.loop`) runs the loop; this module says what one step does.
Every random draw is a pure function of (seed, step): the batch order comes from an epoch
permutation and the latents, fake labels and penalty weights from a per-step generator, drawn for
the global batch and sliced per process, so N processes with a global batch B match one process
with batch B, and a resumed run reaches exactly the weights of an uninterrupted one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import torch

from ganforge.engine.batches import BatchSampler, step_generator
from ganforge.engine.loop import Trainer
from ganforge.engine.task import Hook, Phase, Task, Update
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.errors import ConfigError, DataError
from ganforge.image.augment import Augmenter
from ganforge.image.config import RunConfig
from ganforge.image.data import load_dataset, to_uint8, to_unit_range
from ganforge.image.models import create_model
from ganforge.image.regularize import extra_updates, main_r1_weight
from ganforge.losses import create_loss
from ganforge.losses.objectives import discriminator_objective
from ganforge.media.images import make_grid, save_png


class ImageTask(Task):
    family = "image"
    unit = "images"
    # read from the config at each step, so they may change mid-run (`ganforge control RUN set ...`)
    live_keys = ("train.d_steps", "loss.r1_weight", "loss.gp_weight", "loss.clip_value", "loss.style_mixing",
                 "loss.path_length_weight")

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        t, m = cfg.train, cfg.model
        self.setup_runtime()
        if (t.batch_size // self.world) % m.pack:
            raise ConfigError(f"model.pack={m.pack} needs a per-process batch that is a multiple of it, got "
                              f"{t.batch_size // self.world}; change train.batch_size")
        self.data = load_dataset(cfg.data, m.image_size, m.channels)
        if m.num_classes and self.data.labels is None:
            raise DataError(f"model is class-conditional but data set {self.data.name!r} has no labels; "
                            "use class sub-folders or --set model.num_classes=0")
        if m.num_classes and m.num_classes < self.data.num_classes:
            raise ConfigError(f"model.num_classes={m.num_classes} but the data has {self.data.num_classes} "
                              f"classes; use --set model.num_classes={self.data.num_classes}")
        self.sampler = BatchSampler(len(self.data), t.batch_size, t.seed)
        self.images = self.data.images.to(self.device)
        self.labels = self.data.labels.to(self.device) if self.data.labels is not None else None

        torch.manual_seed(t.seed)
        self.model = create_model(config=m).to(self.device)
        self.memory_format = torch.channels_last if t.channels_last else torch.contiguous_format
        self.model.to(memory_format=self.memory_format)
        self.G, self.D = self.model.generator, self.model.discriminator
        self.loss = create_loss(cfg.loss)
        self.state = TrainState()
        self.state.modules.update(generator=self.G, discriminator=self.D)
        self.state.optimizers.update(
            optim_g=torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2), fused=True),
            optim_d=torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=(t.beta1, t.beta2), fused=True))
        self.state.add_ema("generator", t.ema_decay)
        self.augment = Augmenter(cfg.augment, m.channels).to(self.device)   # ADA / DiffAugment: what D sees
        self.augment.register(self.state)
        # compiled views share parameters with G and D; checkpoints and EMA use the plain modules
        self.G_run = torch.compile(self.G) if t.compile else self.G
        self.D_run = torch.compile(self.D) if t.compile else self.D
        self.phases = [Phase("train", t.steps or None)]
        self.stats = Stats()
        # fixed latents for the sample grids: 64, or whole rows of one sample per class
        k = m.num_classes
        self.grid_columns = k if 2 <= k <= 16 else 8
        count = self.grid_columns * -(-64 // self.grid_columns)
        fixed = step_generator(t.seed, 0, stream=99)
        self.fixed_z = torch.randn(count, m.latent_dim, generator=fixed).to(self.device)
        self.fixed_labels = (torch.arange(count) % k).to(self.device) if k else None

    @property
    def ema(self):
        return self.state.ema

    # ------------------------------------------------------------------ one step
    def batch(self, index: int, stream: int):
        """This rank's slice of global batch ``index``: real images, labels, latents, fake labels and the
        per-example weights of penalty interpolations (drawn for the global batch, then sliced)."""
        t, m = self.cfg.train, self.cfg.model
        per = t.batch_size // self.world
        lo, hi = self.rank * per, (self.rank + 1) * per
        idx = self.sampler.indices(index)[lo:hi].to(self.device)
        real = to_unit_range(self.images[idx]).contiguous(memory_format=self.memory_format)
        labels = self.labels[idx] if (self.labels is not None and m.num_classes) else None
        g = step_generator(t.seed, index, stream)
        z = torch.randn(t.batch_size, m.latent_dim, generator=g)[lo:hi].to(self.device)
        fake_labels = torch.randint(0, m.num_classes, (t.batch_size,), generator=g)[lo:hi].to(self.device) \
            if m.num_classes else None
        eps = torch.rand(t.batch_size, generator=g)[lo:hi]
        return real, labels, z, fake_labels, eps

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        """``d_steps`` discriminator updates, then one generator update.

        The last discriminator update uses the fakes that the generator update then reuses (as
        the PyTorch DCGAN example does), so each step runs the generator forward only once.
        """
        t = self.cfg.train
        _, _, z_g, labels_g, _ = self.batch(step, stream=2)
        shared: Dict[str, torch.Tensor] = {}

        def d_loss(i: int) -> torch.Tensor:
            real, labels, z, fake_labels, eps = self.batch(step * t.d_steps + i, stream=1)
            if i == t.d_steps - 1:
                shared["fake_g"] = self.G_run(z_g, labels_g)
                fake, fake_labels = shared["fake_g"].detach(), labels_g
            else:
                with torch.no_grad():
                    fake = self.G_run(z, fake_labels)
            loss, real_logits, fake_logits = discriminator_objective(
                self.loss, self.augment.wrap(self.D), real, fake, labels, fake_labels, eps=eps,
                r1_weight=main_r1_weight(self), forward=self.augment.wrap(self.D_run))
            shared.update(d_loss=loss, real_logits=real_logits, fake_logits=fake_logits)
            return loss

        def g_loss(i: int) -> torch.Tensor:
            logits = self.augment.wrap(self.D_run)(shared["fake_g"], labels_g)
            shared["g_loss"] = self.loss.generator(logits.float())
            # a model's own generator term (BigGAN: orthogonal regularisation), None when off
            extra = getattr(self.model, "generator_regularizer", lambda cfg: None)(self.cfg)
            return shared["g_loss"] if extra is None else shared["g_loss"] + extra

        self._shared = shared
        return [Update("d", "discriminator", "optim_d", d_loss, repeat=t.d_steps,
                       after=lambda: self.loss.after_discriminator_step(self.D)),
                Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",))] + extra_updates(self, step)

    def after_step(self, step: int) -> None:
        s, v = self.stats, self._shared
        real_logits, fake_logits = v["real_logits"], v["fake_logits"]
        s.report("loss/d", v["d_loss"])
        s.report("loss/g", v["g_loss"])
        s.report("D(x)", torch.sigmoid(real_logits))
        s.report("D(G(z))", torch.sigmoid(fake_logits))
        s.report("d_accuracy", ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean()) / 2)
        self.augment.after_step(step, real_logits, s, self.cfg.train.batch_size)

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        from dataclasses import asdict

        return {"model": self.cfg.model.name, "model_config": asdict(self.cfg.model)}

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        return {"data": self.data.name}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {"d": values["loss/d"], "g": values["loss/g"], "D(x)": values["D(x)"], "D(G(z))": values["D(G(z))"],
                "img/s": values["images_per_s"]}

    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        images = to_uint8(G(self.fixed_z, self.fixed_labels))
        G.train(was_training)
        return images

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        grid = make_grid(self.sample_grid(), nrow=self.grid_columns)
        save_png(grid, run.sample_path(step, ".png"), scale=2)
        if writer is not None:
            writer.add_image("samples", grid, step, dataformats="HWC")

    @torch.no_grad()
    def fixed_samples(self, n: int, seed: int) -> torch.Tensor:
        """``n`` uint8 images from latents (and labels) fixed by ``seed``, with the sampling generator (EMA when
        kept): what the training-time evaluation scores, the same inputs at every evaluation."""
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        m = self.cfg.model
        g = step_generator(seed, 0, stream=77)
        z = torch.randn(n, m.latent_dim, generator=g)
        y = torch.randint(0, m.num_classes, (n,), generator=g) if m.num_classes else None
        out = []
        for s in range(0, n, 500):
            labels = None if y is None else y[s:s + 500].to(self.device)
            out.append(to_uint8(G(z[s:s + 500].to(self.device), labels)).cpu())
        G.train(was_training)
        return torch.cat(out)


def ImageTrainer(cfg: RunConfig, run_dir: Path, quiet: bool = False, hooks: Optional[List[Hook]] = None) -> Trainer:
    """The engine's trainer on an image task: ``ImageTrainer(cfg, run_dir).fit()``."""
    return Trainer(ImageTask(cfg), run_dir, quiet=quiet, hooks=hooks)

"""The translation family's training tasks: pix2pix (paired: L1 + conditional PatchGAN) and CycleGAN (unpaired).

The engine (:mod:`ganforge.engine.loop`) runs the loop; this module says what one step does. The
batch order is a pure function of (seed, step) (``engine.batches``), dropout draws from the global
RNG the trainer re-seeds at every step, and CycleGAN's history pools are training state saved in
the checkpoints: a resumed run reaches exactly the weights of an uninterrupted one.

pix2pix (Isola et al. 2017): D on (input, output) pairs with the adversarial loss (non-saturating
by default), G with the adversarial loss + ``lambda_l1`` x L1; ``model.objective`` picks the
paper's ablation (``l1``, ``cgan``, ``l1+cgan``, ``l1+gan`` with an unconditional D).
CycleGAN (Zhu et al. 2017): LSGAN, cycle terms weighted ``lambda_cycle``, identity terms
``lambda_identity`` x ``lambda_cycle``, a 50-image history per discriminator, the learning rates
decayed linearly over the last half of the run (``train.lr_decay_steps``).
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from ganforge.engine.batches import BatchSampler, step_generator
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.engine.task import Phase, Task, Update
from ganforge.errors import ConfigError, DataError
from ganforge.losses import create_loss
from ganforge.losses.objectives import discriminator_objective
from ganforge.media.images import make_grid, save_png
from ganforge.media.reading import to_uint8, to_unit_range
from ganforge.translation.config import RunConfig
from ganforge.translation.data.folders import TranslationData, load_translation_data
from ganforge.translation.models import create_model
from ganforge.translation.pool import HistoryPool


def as_rgb(images: torch.Tensor) -> torch.Tensor:
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


class TranslationTask(Task):
    """What pix2pix and CycleGAN share: data, channels resolved from it, networks, optimizers, sample grids."""

    family = "translation"
    unit = "images"
    paired = True

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.setup_runtime(processes=self.paired)
        m, t = cfg.model, cfg.train
        if not cfg.data.dir:
            raise ConfigError(f"{m.name} needs a data folder: pass --data DIR (train/ of side-by-side A|B images, "
                              "trainA/ + trainB/, or A/ + B/)")
        self.data = load_translation_data(cfg.data.dir, cfg.data.split, m.image_size, m.channels_a, m.channels_b,
                                          paired=self.paired, limit=cfg.data.limit)
        # the config (config.yaml, the checkpoints' model_config) holds the channels the data decided
        self.cfg = cfg = dataclasses.replace(cfg, model=dataclasses.replace(
            m, channels_a=self.data.a.shape[1], channels_b=self.data.b.shape[1]))
        self.fixed = self.fixed_inputs()
        torch.manual_seed(t.seed)
        self.model = create_model(cfg.model).to(self.device)
        self.G, self.D = self.model.generator, self.model.discriminator
        self.loss = create_loss(cfg.loss)
        self.state = TrainState()
        self.state.modules["generator"] = self.G
        self.state.optimizers["optim_g"] = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2))
        if self.D is not None:
            self.state.modules["discriminator"] = self.D
            self.state.optimizers["optim_d"] = torch.optim.Adam(self.D.parameters(), lr=t.lr_d,
                                                                betas=(t.beta1, t.beta2))
        self.state.add_ema("generator", t.ema_decay)
        self.phases = [Phase("train", t.steps or None)]
        self.stats = Stats()
        self._shared: Dict[str, torch.Tensor] = {}

    def fixed_inputs(self) -> TranslationData:
        """The images shown in every sample: the first ``sample_count`` of the test split when there is one."""
        m, k = self.cfg.model, self.cfg.train.sample_count
        data = self.data
        if self.cfg.data.split == "train":
            try:
                data = load_translation_data(self.cfg.data.dir, "test", m.image_size, m.channels_a, m.channels_b,
                                             paired=self.paired, limit=k)
            except DataError:   # no test split (or an unusable one): the training images
                data = self.data
        return TranslationData(data.a[:k].clone(), data.b[:k].clone(), data.paired, data.layout, data.root)

    def images(self, which: torch.Tensor, sampler: BatchSampler, step: int) -> torch.Tensor:
        """This rank's slice of global batch ``step`` of ``which`` (uint8), in [-1, 1] on the device."""
        per = self.cfg.train.batch_size // self.world
        idx = sampler.indices(step)[self.rank * per:(self.rank + 1) * per]
        return to_unit_range(which[idx]).to(self.device)

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        return {"model": self.cfg.model.name, "model_config": dataclasses.asdict(self.cfg.model),
                "data": self.data.name}

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        return {"data": self.data.name, "data_dir": str(Path(self.cfg.data.dir).resolve()),
                "directions": self.model.directions}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {k.split("/", 1)[-1]: v for k, v in values.items() if k.startswith("loss/")}

    @torch.no_grad()
    def translate(self, direction: str, images: torch.Tensor) -> torch.Tensor:
        """uint8 translations of uint8 ``images`` by the sampling generator (EMA when kept), in eval mode."""
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        net = G[direction] if isinstance(G, torch.nn.ModuleDict) else G
        out = to_uint8(net(to_unit_range(images).to(self.device))).cpu()
        G.train(was_training)
        return out

    def sample_rows(self) -> List[torch.Tensor]:
        raise NotImplementedError

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        images = torch.cat(self.sample_rows())
        grid = make_grid(images, nrow=3)
        save_png(grid, run.sample_path(step, ".png"), scale=2)
        if writer is not None:
            writer.add_image("samples", grid, step, dataformats="HWC")


def interleave(*columns: torch.Tensor) -> torch.Tensor:
    """Rows of (columns[0][i], columns[1][i], ...) flattened: a grid of 3 columns shows each input in a row."""
    return torch.stack(columns, 1).flatten(0, 1)


class Pix2PixTask(TranslationTask):
    live_keys = ("train.lambda_l1",)   # read at each step: `ganforge control RUN set train.lambda_l1=50`

    def __init__(self, cfg: RunConfig):
        super().__init__(cfg)
        self.sampler = BatchSampler(len(self.data.a), cfg.train.batch_size, cfg.train.seed, what="pairs")
        self.conditional = cfg.model.objective in ("cgan", "l1+cgan")
        self.use_l1 = cfg.model.objective.startswith("l1")

    def pairs(self, a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(input, target) by the direction the model learns."""
        return (a, b) if self.cfg.model.direction == "AtoB" else (b, a)

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        t = self.cfg.train
        source, target = self.pairs(self.images(self.data.a, self.sampler, step),
                                    self.images(self.data.b, self.sampler, step))
        condition = source if self.conditional else None
        shared = self._shared = {}

        def d_loss(i: int) -> torch.Tensor:
            shared["fake"] = self.G(source)
            loss, real_logits, fake_logits = discriminator_objective(
                self.loss, self.D, target, shared["fake"].detach(), condition, condition,
                r1_weight=self.cfg.loss.r1_weight)
            shared.update(d_loss=loss, real_logits=real_logits, fake_logits=fake_logits)
            return loss

        def g_loss(i: int) -> torch.Tensor:
            fake = shared["fake"] if "fake" in shared else self.G(source)
            total = torch.zeros((), device=fake.device)
            if self.D is not None:
                shared["g_gan"] = self.loss.generator(self.D(fake, condition).float())
                total = total + shared["g_gan"]
            shared["l1"] = F.l1_loss(fake.float(), target)
            if self.use_l1:
                total = total + t.lambda_l1 * shared["l1"]
            return total

        g = Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",) if self.D is not None else ())
        if self.D is None:
            return [g]
        return [Update("d", "discriminator", "optim_d", d_loss,
                       after=lambda: self.loss.after_discriminator_step(self.D)), g]

    def after_step(self, step: int) -> None:
        s, v = self.stats, self._shared
        s.report("loss/l1", v["l1"])
        if self.D is not None:
            s.report("loss/d", v["d_loss"])
            s.report("loss/g_gan", v["g_gan"])
            s.report("D(x)", torch.sigmoid(v["real_logits"]))
            s.report("D(G(x))", torch.sigmoid(v["fake_logits"]))

    def sample_rows(self) -> List[torch.Tensor]:
        source, target = self.pairs(self.fixed.a, self.fixed.b)
        output = self.translate(self.cfg.model.direction, source)
        fit = as_rgb if max(source.shape[1], target.shape[1]) == 3 else (lambda x: x)
        return [interleave(fit(source), fit(output), fit(target))]


class CycleGANTask(TranslationTask):
    paired = False
    live_keys = ("train.lambda_cycle",)   # read at each step; lambda_identity through steerable()

    def __init__(self, cfg: RunConfig):
        super().__init__(cfg)
        t, m = self.cfg.train, self.cfg.model
        self.sampler_a = BatchSampler(len(self.data.a), t.batch_size, t.seed, what="A images")
        self.sampler_b = BatchSampler(len(self.data.b), t.batch_size, t.seed + 1, what="B images")
        self.pool_a = HistoryPool(t.pool_size, m.channels_a, m.image_size).to(self.device)
        self.pool_b = HistoryPool(t.pool_size, m.channels_b, m.image_size).to(self.device)
        self.state.modules.update(pool_a=self.pool_a, pool_b=self.pool_b)
        self.identity = t.lambda_identity if m.channels_a == m.channels_b else 0.0
        # the registry's LSGAN keeps the paper's 1/2 on the generator's term; the reference implementation's
        # generator term is MSE(D(G(x)), 1), which is what lambda_cycle=10 is weighed against
        self.adv_scale = 2.0 if cfg.loss.name == "lsgan" else 1.0
        if self.identity == 0 and t.lambda_identity > 0 and self.rank == 0:
            print(f"note: no identity loss: A has {m.channels_a} channels and B {m.channels_b}", file=sys.stderr)

    def steerable(self) -> Dict[str, Callable[[Any], None]]:
        m = self.cfg.model

        def set_identity(value: float) -> None:
            self.identity = value if m.channels_a == m.channels_b else 0.0

        return {**super().steerable(), "train.lambda_identity": set_identity}

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        t = self.cfg.train
        real_a = self.images(self.data.a, self.sampler_a, step)
        real_b = self.images(self.data.b, self.sampler_b, step)
        G, D = self.G, self.D
        shared = self._shared = {}

        def g_loss(i: int) -> torch.Tensor:
            fake_b, fake_a = G["AtoB"](real_a), G["BtoA"](real_b)
            adv = self.adv_scale * (self.loss.generator(D["B"](fake_b).float()) +
                                    self.loss.generator(D["A"](fake_a).float()))
            cycle = F.l1_loss(G["BtoA"](fake_b).float(), real_a) + F.l1_loss(G["AtoB"](fake_a).float(), real_b)
            total = adv + t.lambda_cycle * cycle
            if self.identity > 0:
                shared["identity"] = (F.l1_loss(G["AtoB"](real_b).float(), real_b) +
                                      F.l1_loss(G["BtoA"](real_a).float(), real_a))
                total = total + t.lambda_cycle * self.identity * shared["identity"]
            shared.update(fake_a=fake_a.detach(), fake_b=fake_b.detach(), g_adv=adv, cycle=cycle)
            return total

        def d_loss(i: int) -> torch.Tensor:
            g = step_generator(t.seed, step, stream=3)
            old_b, old_a = self.pool_b.query(shared["fake_b"], g), self.pool_a.query(shared["fake_a"], g)
            r1 = self.cfg.loss.r1_weight
            loss_b, _, _ = discriminator_objective(self.loss, D["B"], real_b, old_b, r1_weight=r1)
            loss_a, _, _ = discriminator_objective(self.loss, D["A"], real_a, old_a, r1_weight=r1)
            shared["d_loss"] = loss_a + loss_b
            return shared["d_loss"]

        after = lambda: [self.loss.after_discriminator_step(d) for d in D.values()]  # noqa: E731
        return [Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",)),
                Update("d", "discriminator", "optim_d", d_loss, after=after)]

    def after_step(self, step: int) -> None:
        s, v = self.stats, self._shared
        for key in ("d_loss", "g_adv", "cycle", "identity"):
            if key in v:
                s.report(f"loss/{key.replace('_loss', '')}", v[key])

    def sample_rows(self) -> List[torch.Tensor]:
        a, b = self.fixed.a, self.fixed.b
        ab = self.translate("AtoB", a)
        ba = self.translate("BtoA", b)
        aba, bab = self.translate("BtoA", ab), self.translate("AtoB", ba)
        colour = max(a.shape[1], b.shape[1]) == 3
        fit = as_rgb if colour else (lambda x: x)
        return [interleave(fit(a), fit(ab), fit(aba)), interleave(fit(b), fit(ba), fit(bab))]


def make_task(cfg: RunConfig) -> TranslationTask:
    return (Pix2PixTask if cfg.model.name == "pix2pix" else CycleGANTask)(cfg)

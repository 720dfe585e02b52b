"""The text-to-image training task: the text encoder pre-trained, StackGAN's stage I, then stage II with stage I frozen.

Three engine phases on one step counter:

- ``text`` (``text_steps``; 0 = none): a fresh :class:`~ganforge.text2image.metrics.matcher.Matcher` of the
  run's sizes (image encoder + text encoder) learns to match the run's train canvases with their captions
  (symmetric InfoNCE, the matcher's own loss); at the first stage I step its text encoder is copied into the
  generator's, each discriminator's and the EMA generator's, which stay frozen (eval mode, no gradients,
  in no optimizer) from then on: every network conditions on the pre-trained embedding, the
  discriminators through their own learnt projection (``code``), the generators through CA. Without the
  phase each network's encoder is trained by its own GAN loss, as before;
- ``stage1``: the discriminator update is matching-aware (GAN-INT-CLS): real canvases with their own
  captions are "real"; generated canvases with those captions and real canvases with a mismatched
  caption (the batch's captions rolled by one, skipping rows whose rolled caption is the same text)
  share the "fake" side (``mismatch_weight`` of it to the mismatched pairs), all through
  ``discriminator_objective``; then the generator update (CA, stage I, and the text encoder when it is not
  pre-trained) against the same fakes plus ``kl_weight`` times CA's KL term (and ``match_weight`` times the
  InfoNCE of the fakes and their captions under the run's frozen matcher: AttnGAN's DAMSM term), the
  discriminators frozen;
- ``stage2``: stage I (its text encoder, CA and generator) is frozen and in eval mode; stage II's
  generator takes stage I's image and its own CA code, and its discriminator judges 64x64 canvases the
  same matching-aware way.

Real canvases are box-averaged to stage I's size for stage I's discriminator. Batch order and every
noise draw are functions of (seed, step) (``engine.batches``), so a run stopped anywhere (across the
stage I -> II boundary too) and resumed reaches exactly the weights of an uninterrupted one. Samples:
``sample_count`` fixed training captions, 4 images each (stage I upscaled | stage II), in ``samples/``;
the captions in ``samples/captions.txt``.
"""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Dict, List

import torch
import torch.nn.functional as F

from ganforge.engine.batches import BatchSampler, step_generator
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.engine.task import Phase, Task, Update
from ganforge.errors import CheckpointError, ConfigError
from ganforge.losses import create_loss
from ganforge.losses.objectives import discriminator_objective
from ganforge.media.images import make_grid
from ganforge.media.reading import to_uint8, to_unit_range
from ganforge.media.writers import save_samples
from ganforge.text2image.config import RunConfig
from ganforge.text2image.data.dataset import BUILD_HINT, load_captioned, resolve_folder
from ganforge.text2image.metrics.matcher import Matcher, contrastive_loss
from ganforge.text2image.metrics.scores import r_precision
from ganforge.text2image.models import create_model

PER_CAPTION = 4
PRECISION_ITEMS = 1000     # train canvases the text phase's R-precision is measured on at its end


def mismatched(tokens: torch.Tensor) -> torch.Tensor:
    """Each row's caption replaced by another row's (rolled by one; rows equal to their own keep rolling)."""
    out = tokens.roll(1, 0)
    for shift in range(2, len(tokens)):
        same = (out == tokens).all(1)
        if not same.any():
            break
        out[same] = tokens.roll(shift, 0)[same]
    return out


class TextToImageTask(Task):
    family = "text2image"
    unit = "images"

    def __init__(self, cfg: RunConfig, quiet: bool = False):
        self.cfg = cfg
        self.setup_runtime(unlimited_steps=False)
        m, t = cfg.model, cfg.train
        if not cfg.data.dir:
            raise ConfigError(f"{m.name} needs captioned canvases: pass --data captioned-digits or a folder ({BUILD_HINT})")
        self.data_dir = resolve_folder(cfg.data.dir, quiet=quiet)
        self.data = load_captioned(self.data_dir, "train", cfg.data.limit)
        if len(self.data) < t.batch_size:
            raise ConfigError(f"batch size {t.batch_size} is more than the {len(self.data)} training items; pass "
                              f"--batch-size {len(self.data)} or fewer, or build a larger set")
        self.sampler = BatchSampler(len(self.data), t.batch_size, t.seed, what="canvases")
        torch.manual_seed(t.seed)
        self.model = create_model(m).to(self.device)
        self.G, self.D = self.model.generator, self.model.discriminator
        g = step_generator(t.seed, 0, stream=9)
        picks = torch.randperm(len(self.data), generator=g)[:t.sample_count]
        self.sample_captions = [self.data.captions[int(i)] for i in picks]
        self.fixed_tokens = self.data.tokens[picks].repeat_interleave(PER_CAPTION, 0).to(self.device)
        self.fixed = {k: v.to(self.device) for k, v in self.G.latents(len(self.fixed_tokens), g).items()}
        self.loss = create_loss(cfg.loss)
        self.state = TrainState()
        self.state.modules["generator"] = self.G
        self.state.modules["discriminator"] = self.D
        betas = (t.beta1, t.beta2)
        stage1 = [p for part in self.G.stage1_parts() for p in self.trained(part)]
        self.state.optimizers["optim_g"] = torch.optim.Adam(stage1, lr=t.lr_g, betas=betas)
        self.state.optimizers["optim_d"] = torch.optim.Adam(self.trained(self.D["stage1"]), lr=t.lr_d, betas=betas)
        if m.stages == 2:
            stage2 = list(self.G.ca2.parameters()) + list(self.G.stage2.parameters())
            self.state.optimizers["optim_g2"] = torch.optim.Adam(stage2, lr=t.lr_g, betas=betas)
            self.state.optimizers["optim_d2"] = torch.optim.Adam(self.trained(self.D["stage2"]), lr=t.lr_d, betas=betas)
        self.state.add_ema("generator", t.ema_decay)
        self.matcher, self._text_ready = None, False
        self.phases = []
        if t.text_steps:
            self.matcher = Matcher(m.embed_dim, m.text_dim).to(self.device)
            self.state.modules["text_matcher"] = self.matcher
            self.state.optimizers["optim_text"] = torch.optim.Adam(self.matcher.parameters(), lr=t.lr_text)
            size = min(t.text_batch_size, len(self.data))
            if size % self.world:
                raise ConfigError(f"train.text_batch_size {size} does not split over {self.world} processes; use a "
                                  f"multiple of {self.world}")
            self.text_sampler = BatchSampler(len(self.data), size, t.seed, what="canvases")
            self.phases.append(Phase("text", t.text_steps))
        elif t.match_weight > 0:
            raise ConfigError(f"train.match_weight={t.match_weight} needs the run's matcher, which the text phase "
                              "trains: set train.text_steps above 0 (e.g. 600), or train.match_weight=0")
        self.phases.append(Phase("stage1", t.stage1_steps))
        if m.stages == 2 and t.steps:
            self.phases.append(Phase("stage2", t.steps))
        self.stats = Stats()
        self._shared: Dict[str, torch.Tensor] = {}

    def batch(self, step: int, sampler: BatchSampler = None):
        """This rank's slice of batch ``step``: real 64x64 uint8 canvases and their caption tokens."""
        sampler = sampler or self.sampler
        per = sampler.batch_size // self.world
        idx = sampler.indices(step)[self.rank * per:(self.rank + 1) * per]
        return self.data.images[idx].to(self.device), self.data.tokens[idx].to(self.device)

    # ------------------------------------------------------------------ the text phase and its frozen encoder
    def text_encoders(self) -> List[torch.nn.Module]:
        """Every network's text encoder: the generator's, each discriminator's, the EMA generator's."""
        out = [self.G.text, *(d.text for d in self.D.values())]
        return out + ([self.state.ema.module.text] if self.state.ema is not None else [])

    def trained(self, module: torch.nn.Module) -> List[torch.nn.Parameter]:
        """The parameters of ``module`` its GAN optimizer updates: all but a pre-trained text encoder's."""
        if not self.cfg.train.text_steps:
            return list(module.parameters())
        frozen = {id(p) for enc in self.text_encoders() for p in enc.parameters()}
        return [p for p in module.parameters() if id(p) not in frozen]

    def freeze_text(self) -> None:
        """After the text phase: the matcher's text encoder into every network's (once; it no longer changes, so
        doing it again after a resume is exact), all of them in eval mode without gradients."""
        if self.matcher is None:
            return
        if not self._text_ready:
            trained = self.matcher.text_encoder.state_dict()
            for enc in self.text_encoders():
                enc.load_state_dict(trained)
            self._text_ready = True
        for enc in self.text_encoders():
            enc.eval()
            for p in enc.parameters():
                p.requires_grad_(False)
                p.grad = None

    def text_updates(self, step: int, index: int) -> List[Update]:
        images, tokens = self.batch(step, self.text_sampler)
        shared = self._shared = {}

        def loss(i: int) -> torch.Tensor:
            shared["text_loss"], shared["text_accuracy"] = contrastive_loss(self.matcher, images, tokens)
            return shared["text_loss"]

        if index == self.cfg.train.text_steps - 1:
            shared["measure"] = True
        return [Update("text", "text_matcher", "optim_text", loss)]

    @torch.no_grad()
    def text_r_precision(self) -> float:
        """R-precision (1 of 100) of the run's matcher on its first train canvases: what the phase learnt."""
        n = min(PRECISION_ITEMS, len(self.data))
        tokens = self.data.tokens[:n]
        return r_precision(copy.deepcopy(self.matcher).cpu().eval(), self.data.images[:n], tokens, tokens,
                           seed=self.cfg.train.seed)

    def low(self, images: torch.Tensor) -> torch.Tensor:
        size = self.cfg.model.stage1_size
        return images if images.shape[-1] == size else F.adaptive_avg_pool2d(images, size)

    def freeze_stage1(self) -> None:
        """Stage II's phase: stage I's parts (and D's stage I head) in eval mode, without gradients or stale ones."""
        for part in [*self.G.stage1_parts(), self.D["stage1"]]:
            part.eval()
            for p in part.parameters():
                p.requires_grad_(False)
                p.grad = None

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        t = self.cfg.train
        if phase == "text":
            return self.text_updates(step, index)
        real, tokens = self.batch(step)
        real = to_unit_range(real)
        g = step_generator(t.seed, step, stream=1)
        z = {k: v.to(self.device) for k, v in self.G.latents(len(real), g).items()}
        wrong = mismatched(tokens)
        stage = 1 if phase == "stage1" else 2
        D = self.D["stage1" if stage == 1 else "stage2"]
        if stage == 1:
            real = self.low(real)
        shared = self._shared = {}

        def generate() -> None:
            self.freeze_text()
            if stage == 1:
                shared["fake"], _, shared["kl"] = self.G(z, tokens, stage=1)
                return
            self.freeze_stage1()
            with torch.no_grad():
                embedding = self.G.text(tokens)
                low = self.G.stage1(z["z"], self.G.ca1(embedding, z["eps1"])[0])
            c2, shared["kl"] = self.G.ca2(embedding, z["eps2"])
            shared["fake"] = self.G.stage2(low, c2)

        def d_loss(i: int) -> torch.Tensor:
            generate()
            w = t.mismatch_weight
            loss, real_logits, fake_logits = discriminator_objective(self.loss, D, real, shared["fake"].detach(),
                                                                     tokens, tokens, r1_weight=self.cfg.loss.r1_weight)
            total = (1.0 - w) * loss
            if w > 0:
                wrong_logits = D(real, wrong).float()
                total = total + w * self.loss.discriminator(real_logits, wrong_logits)
                shared["wrong"] = wrong_logits
            shared.update(d_loss=total, real=real_logits, fake_logits=fake_logits)
            return total

        def g_loss(i: int) -> torch.Tensor:
            adversarial = self.loss.generator(D(shared["fake"], tokens).float())
            shared["g_adv"] = adversarial
            total = adversarial + t.kl_weight * shared["kl"]
            if t.match_weight > 0:        # the run's own matcher (frozen here), never the evaluation's
                shared["match"], _ = contrastive_loss(self.matcher, shared["fake"], tokens)
                total = total + t.match_weight * shared["match"]
            return total

        d_name, g_name = ("discriminator", "generator")
        opt_d, opt_g = ("optim_d", "optim_g") if stage == 1 else ("optim_d2", "optim_g2")
        after = lambda: self.loss.after_discriminator_step(D)  # noqa: E731
        return [Update("d" if stage == 1 else "d2", d_name, opt_d, d_loss, after=after),
                Update("g" if stage == 1 else "g2", g_name, opt_g, g_loss,
                       frozen=("discriminator",) + (("text_matcher",) if self.matcher is not None else ()))]

    def after_step(self, step: int) -> None:
        s, v = self.stats, self._shared
        if "text_loss" in v:
            s.report("text/loss", v["text_loss"])
            s.report("text/accuracy", v["text_accuracy"])
            if v.get("measure"):
                s.report("text/r_precision", self.text_r_precision())
            return
        self.freeze_text()       # the trainer switched gradients on for the whole generator: the encoders stay frozen
        s.report("loss/d", v["d_loss"])
        s.report("loss/g", v["g_adv"])
        s.report("loss/kl", v["kl"])
        if "match" in v:
            s.report("loss/match", v["match"])
        s.report("D(x)", torch.sigmoid(v["real"]))
        s.report("D(G(z))", torch.sigmoid(v["fake_logits"]))
        if "wrong" in v:
            s.report("D(x, wrong caption)", torch.sigmoid(v["wrong"]))

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        return {"model": self.cfg.model.name, "model_config": dataclasses.asdict(self.cfg.model),
                "data": self.data.name, "thresholds": self.data.thresholds, "text_steps": self.cfg.train.text_steps}

    def check_checkpoint(self, meta: dict, path: Path) -> None:
        super().check_checkpoint(meta, path)
        saved = meta.get("text_steps", 0)          # runs from before the text phase had none
        if saved != self.cfg.train.text_steps:
            raise CheckpointError(f"{path} was trained with train.text_steps={saved} (text encoder pre-training), "
                                  f"this run asks for {self.cfg.train.text_steps}; resume it with --set "
                                  f"train.text_steps={saved}")

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        run.samples_dir.mkdir(parents=True, exist_ok=True)
        (run.samples_dir / "captions.txt").write_text("\n".join(self.sample_captions) + "\n")
        return {"data": self.data.name, "data_dir": str(Path(self.data_dir).resolve())}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        if "text/loss" in values:
            return {"nce": values["text/loss"], "acc": values["text/accuracy"]}
        return {"d": values["loss/d"], "g": values["loss/g"], "kl": values["loss/kl"],
                "img/s": values.get("images_per_s", 0.0)}

    @torch.no_grad()
    def sample_images(self, step: int) -> torch.Tensor:
        """uint8 ``[sample_count * 4 * k, 1, 64, 64]``: per caption 4 stage I images (upscaled) and, once stage II
        trains, its 4 refinements."""
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        two = self.phases[-1].name == "stage2" and step > sum(p.steps for p in self.phases[:-1])
        low, high, _ = G(self.fixed, self.fixed_tokens, stage=2 if two else 1)
        G.train(was_training)
        rows = [F.interpolate(low, size=64, mode="nearest").view(-1, PER_CAPTION, 1, 64, 64)]
        if high is not None:
            rows.append(high.view(-1, PER_CAPTION, 1, 64, 64))
        return to_uint8(torch.cat(rows, 1).flatten(0, 1)).cpu()

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        images = self.sample_images(step)
        nrow = len(images) // self.cfg.train.sample_count
        save_samples(images, run.sample_path(step, ".png"), "images", nrow=nrow)
        if writer is not None:
            writer.add_image("samples", make_grid(images, nrow=nrow), step, dataformats="HWC")

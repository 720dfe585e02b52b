"""The video family's training task: MoCoGAN (image + video discriminators) and TGAN (a video discriminator).

One step: a discriminator update on a real batch of clips and a batch of generated ones (each
discriminator of the model with the adversarial loss through ``discriminator_objective``: the video
discriminator on whole clips, MoCoGAN's image discriminator on ``image_frames`` frames drawn from each
clip), then a generator update against the same fakes with the discriminators frozen. Clip order, latent
codes and frame picks are functions of (seed, step) (``engine.batches``), so a resumed run reaches exactly
the weights of an uninterrupted one. Samples: ``sample_count`` clips from fixed latents, as an animated GIF
(or MP4, ``train.sample_format``) in ``samples/``, their first frames in TensorBoard.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, List, Optional

import torch

from ganforge.engine.batches import BatchSampler, step_generator
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.engine.task import Phase, Task, Update
from ganforge.errors import ConfigError, DataError
from ganforge.losses import create_loss
from ganforge.losses.objectives import discriminator_objective
from ganforge.media.images import make_grid
from ganforge.media.reading import to_uint8, to_unit_range
from ganforge.media.writers import save_samples
from ganforge.video.config import RunConfig
from ganforge.video.data.clips import BUILD_HINT, VideoData, load_clips
from ganforge.video.models import create_model


def fixed_labels(n: int, cfg, generator: torch.Generator) -> Optional[torch.Tensor]:
    """Labels of the sample clips: digits 0, 1, 2... in the first slot, seeded draws in the others."""
    m = cfg.model
    if not m.conditional:
        return None
    y = torch.randint(0, m.num_classes, (n, m.digits), generator=generator)
    y[:, 0] = torch.arange(n) % m.num_classes
    return y


def resolve(cfg: RunConfig, data: VideoData) -> RunConfig:
    """The config with what the data decides: channels, and the labels per clip of a conditional model."""
    m = cfg.model
    digits = m.digits
    if m.conditional:
        if data.labels is None:
            raise DataError(f"model.conditional=true needs clips with digit labels, and {data.root} has none; "
                            f"{BUILD_HINT}, or drop model.conditional")
        if digits and digits != data.digits:
            raise ConfigError(f"model.digits={digits} but the clips of {data.root} have {data.digits} digit(s) each; "
                              f"pass --set model.digits={data.digits} (or 0: from the data)")
        digits = data.digits
        if int(data.labels.max()) >= m.num_classes:
            raise DataError(f"the clips have label {int(data.labels.max())} but model.num_classes={m.num_classes}; "
                            f"pass --set model.num_classes={int(data.labels.max()) + 1}")
    return dataclasses.replace(cfg, model=dataclasses.replace(m, channels=data.clips.shape[2], digits=digits))


class VideoTask(Task):
    family = "video"
    unit = "clips"

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.setup_runtime()
        m, t = cfg.model, cfg.train
        if not cfg.data.dir:
            raise ConfigError(f"{m.name} needs clips: pass --data DIR ({BUILD_HINT}, or a folder of GIF/MP4 clips)")
        self.data = load_clips(cfg.data.dir, cfg.data.split, m.frames, m.image_size, m.channels, cfg.data.limit)
        self.cfg = cfg = resolve(cfg, self.data)
        m = cfg.model
        self.sampler = BatchSampler(len(self.data), t.batch_size, t.seed, what="clips")
        g = step_generator(t.seed, 0, stream=9)
        torch.manual_seed(t.seed)
        self.model = create_model(m).to(self.device)
        self.G, self.D = self.model.generator, self.model.discriminator
        self.fixed = {k: v.to(self.device) for k, v in self.G.latents(t.sample_count, g).items()}
        self.fixed_y = fixed_labels(t.sample_count, cfg, g)
        self.loss = create_loss(cfg.loss)
        self.state = TrainState()
        self.state.modules["generator"] = self.G
        self.state.modules["discriminator"] = self.D
        betas = (t.beta1, t.beta2)
        self.state.optimizers["optim_g"] = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=betas)
        self.state.optimizers["optim_d"] = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=betas)
        self.state.add_ema("generator", t.ema_decay)
        self.phases = [Phase("train", t.steps or None)]
        self.stats = Stats()
        self._shared: Dict[str, torch.Tensor] = {}

    def batch(self, step: int):
        """This rank's slice of global batch ``step``: real clips in [-1, 1], their labels (conditional) or None."""
        per = self.cfg.train.batch_size // self.world
        idx = self.sampler.indices(step)[self.rank * per:(self.rank + 1) * per]
        labels = self.data.labels[idx].to(self.device) if self.cfg.model.conditional else None
        return to_unit_range(self.data.clips[idx]).to(self.device), labels

    def frames(self, clips: torch.Tensor, picks: torch.Tensor) -> torch.Tensor:
        """``picks`` ``[B, K]`` frames of each clip, as a batch of ``B*K`` images."""
        return clips[torch.arange(len(clips), device=clips.device)[:, None], picks].flatten(0, 1)

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        m, t = self.cfg.model, self.cfg.train
        real, y = self.batch(step)
        g = step_generator(t.seed, step, stream=1)
        z = {k: v.to(self.device) for k, v in self.G.latents(len(real), g).items()}
        picks = torch.randint(0, m.frames, (len(real), m.image_frames), generator=g).to(self.device)
        y_frames = None if y is None else y.repeat_interleave(m.image_frames, 0)
        shared = self._shared = {}

        def judged(fake: torch.Tensor, real_: torch.Tensor):
            """(discriminator, real, fake, labels) of each of the model's discriminators."""
            out = [(self.D["video"], real_, fake, y)]
            if "image" in self.D:
                out.append((self.D["image"], self.frames(real_, picks), self.frames(fake, picks), y_frames))
            return out

        def d_loss(i: int) -> torch.Tensor:
            shared["fake"] = self.G(z, y)
            total = torch.zeros((), device=real.device)
            for name, (D, r, f, labels) in zip(("video", "image"), judged(shared["fake"].detach(), real)):
                loss, real_logits, fake_logits = discriminator_objective(self.loss, D, r, f, labels, labels,
                                                                         r1_weight=self.cfg.loss.r1_weight)
                shared[f"d_{name}"], shared[f"real_{name}"], shared[f"fake_{name}"] = loss, real_logits, fake_logits
                total = total + loss
            shared["d_loss"] = total
            return total

        def g_loss(i: int) -> torch.Tensor:
            total = torch.zeros((), device=real.device)
            for D, _, f, labels in judged(shared["fake"], real):
                total = total + self.loss.generator(D(f, labels).float())
            shared["g_loss"] = total
            return total

        after = lambda: [self.loss.after_discriminator_step(d) for d in self.D.values()]  # noqa: E731
        return [Update("d", "discriminator", "optim_d", d_loss, after=after),
                Update("g", "generator", "optim_g", g_loss, frozen=("discriminator",))]

    def after_step(self, step: int) -> None:
        s, v = self.stats, self._shared
        s.report("loss/d", v["d_loss"])
        s.report("loss/g", v["g_loss"])
        for name in ("video", "image"):
            if f"real_{name}" in v:
                s.report(f"D(x)/{name}", torch.sigmoid(v[f"real_{name}"]))
                s.report(f"D(G(z))/{name}", torch.sigmoid(v[f"fake_{name}"]))

    # ------------------------------------------------------------------ the rest the engine asks for
    def meta(self) -> dict:
        return {"model": self.cfg.model.name, "model_config": dataclasses.asdict(self.cfg.model),
                "data": self.data.name}

    def prepare_run(self, run: RunFolder, resumed: bool) -> dict:
        return {"data": self.data.name, "data_dir": str(Path(self.cfg.data.dir).resolve())}

    def progress_values(self, values: Dict[str, float]) -> Dict[str, float]:
        return {"d": values["loss/d"], "g": values["loss/g"], "clips/s": values.get("clips_per_s", 0.0)}

    @torch.no_grad()
    def sample_clips(self) -> torch.Tensor:
        """uint8 clips ``[sample_count, T, C, S, S]`` from the fixed latents, by the sampling generator (EMA)."""
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        y = None if self.fixed_y is None else self.fixed_y.to(self.device)
        clips = to_uint8(G(self.fixed, y)).cpu()
        G.train(was_training)
        return clips

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        clips = self.sample_clips()
        save_samples(clips, run.sample_path(step, "." + self.cfg.train.sample_format), "clips")
        if writer is not None:
            writer.add_image("samples", make_grid(clips.flatten(0, 1), nrow=clips.shape[1]), step, dataformats="HWC")

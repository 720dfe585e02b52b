"""The image GAN training loop: explicit, two optimizers, exact resume, data-parallel under torchrun.

Every source of randomness in a step is a pure function of (seed, step): the batch order comes
from an epoch permutation, the latents and fake labels from a per-step generator, and the global
torch RNG (dropout, penalties) is re-seeded at each step. Together with the optimizer, EMA and
RNG state in the checkpoint, a run stopped at step k and resumed reaches exactly the weights of
an uninterrupted run, and N processes with a global batch B match one process with batch B.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, List, Optional

import torch
from torch.utils.tensorboard import SummaryWriter

from ..config import RunConfig, same_config, save_yaml
from ..data import BatchSampler, load_dataset, to_uint8, to_unit_range
from ..data.images import step_generator
from ..errors import CheckpointError, ConfigError, DataError, TrainingDiverged
from ..imaging import make_grid, save_png
from ..losses import create_loss, r1_penalty
from ..models import create_model
from . import distributed as ddp
from .checkpoint import (checkpoint_path, latest_loadable, load_checkpoint, load_module_state, optimizer_tensors,
                         prefixed, prune, restore_optimizer, restore_rng, rng_state, save_checkpoint, unprefixed)
from .loop_tools import EMA, Progress, StopSignal, autocast, linear_decay_factor, resolve_precision, set_learning_rate
from .runs import write_run_info
from .stats import Stats

Hook = Callable[["ImageTrainer", int], None]


class ImageTrainer:
    def __init__(self, cfg: RunConfig, run_dir: Path, quiet: bool = False, hooks: Optional[List[Hook]] = None):
        self.cfg, self.run_dir, self.hooks, self.quiet = cfg, Path(run_dir), list(hooks or []), quiet
        self.resumed_from: Optional[Path] = None
        ddp.init_from_env()
        self.world, self.rank = ddp.world_size(), ddp.rank()
        self.main = self.rank == 0
        self.device = ddp.pick_device(cfg.train.device)
        if cfg.train.threads:
            torch.set_num_threads(cfg.train.threads)
        if cfg.train.steps == 0 and cfg.train.max_minutes == 0:
            raise ConfigError("train.steps=0 means no step limit, so set a time budget: --max-minutes M")
        if cfg.train.lr_decay_steps > cfg.train.steps:
            raise ConfigError(f"train.lr_decay_steps={cfg.train.lr_decay_steps} is more than train.steps="
                              f"{cfg.train.steps}; the decay runs over the last N steps of a run with a step limit")
        self.precision = resolve_precision(cfg.train.precision, self.device)
        if self.precision == "fp16" and self.device.type != "cuda":
            raise ConfigError("precision fp16 needs a CUDA GPU; use --set train.precision=bf16 on CPU")
        # fp16 needs loss scaling (one scaler per optimizer); a disabled scaler is a no-op
        self.scaler_d = torch.amp.GradScaler("cuda", enabled=self.precision == "fp16")
        self.scaler_g = torch.amp.GradScaler("cuda", enabled=self.precision == "fp16")
        if cfg.train.batch_size % self.world:
            raise ConfigError(f"batch size {cfg.train.batch_size} does not split over {self.world} processes; "
                              f"use a multiple of {self.world}")
        per_process = cfg.train.batch_size // self.world
        if per_process % cfg.model.pack:
            raise ConfigError(f"model.pack={cfg.model.pack} needs a per-process batch that is a multiple of it, got "
                              f"{per_process}; change train.batch_size")

        self.data = load_dataset(cfg.data, cfg.model.image_size, cfg.model.channels)
        if cfg.model.num_classes and self.data.labels is None:
            raise DataError(f"model is class-conditional but data set {self.data.name!r} has no labels; "
                            "use class sub-folders or --set model.num_classes=0")
        if cfg.model.num_classes and cfg.model.num_classes < self.data.num_classes:
            raise ConfigError(f"model.num_classes={cfg.model.num_classes} but the data has {self.data.num_classes} "
                              f"classes; use --set model.num_classes={self.data.num_classes}")
        self.sampler = BatchSampler(len(self.data), cfg.train.batch_size, cfg.train.seed)
        self.images = self.data.images.to(self.device)
        self.labels = self.data.labels.to(self.device) if self.data.labels is not None else None

        torch.manual_seed(cfg.train.seed)
        self.model = create_model(config=cfg.model).to(self.device)
        t = cfg.train
        self.memory_format = torch.channels_last if t.channels_last else torch.contiguous_format
        self.model.to(memory_format=self.memory_format)
        self.G, self.D = self.model.generator, self.model.discriminator
        self.loss = create_loss(cfg.loss)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2), fused=True)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=(t.beta1, t.beta2), fused=True)
        # compiled views share parameters with G and D; checkpoints and EMA use the plain modules
        self.G_run = torch.compile(self.G) if t.compile else self.G
        self.D_run = torch.compile(self.D) if t.compile else self.D
        self.ema = EMA(self.G, t.ema_decay) if t.ema_decay > 0 else None
        self.step = 0
        self.stats = Stats()
        # fixed latents for the sample grids: 64, or whole rows of one sample per class
        k = cfg.model.num_classes
        self.grid_columns = k if 2 <= k <= 16 else 8
        count = self.grid_columns * -(-64 // self.grid_columns)
        fixed = step_generator(t.seed, 0, stream=99)
        self.fixed_z = torch.randn(count, cfg.model.latent_dim, generator=fixed).to(self.device)
        self.fixed_labels = (torch.arange(count) % k).to(self.device) if k else None
        self.ckpt_dir = self.run_dir / "checkpoints"

    # ------------------------------------------------------------------ checkpoints
    def state_tensors(self):
        tensors = {**prefixed("generator", self.G.state_dict()), **prefixed("discriminator", self.D.state_dict())}
        if self.ema is not None:
            tensors.update(prefixed("ema", self.ema.module.state_dict()))
        og, og_meta = optimizer_tensors(self.opt_g, "optim_g")
        od, od_meta = optimizer_tensors(self.opt_d, "optim_d")
        rng_t, rng_meta = rng_state()
        tensors.update(og, **od, **rng_t)
        meta = {"family": "image", "step": self.step, "model": self.cfg.model.name,
                "model_config": asdict(self.cfg.model), "optim_g": og_meta, "optim_d": od_meta, "rng": rng_meta,
                "ema": self.ema is not None,
                "scalers": {"d": self.scaler_d.state_dict(), "g": self.scaler_g.state_dict()}}
        return tensors, meta

    def save(self) -> Path:
        path = checkpoint_path(self.ckpt_dir, self.step)
        if self.main:
            tensors, meta = self.state_tensors()
            save_checkpoint(path, tensors, meta)
            prune(self.ckpt_dir, self.cfg.train.keep_checkpoints, protect=path)
        return path

    def resume(self) -> bool:
        """Load the newest readable checkpoint of the run folder; False when it has none yet."""
        if self.resumed_from is not None:
            return True
        path = latest_loadable(self.ckpt_dir)
        if path is None:
            return False
        tensors, meta = load_checkpoint(path)
        if meta.get("family") != "image" or not same_config(meta.get("model_config"), self.cfg.model):
            raise_mismatch(path, meta, self.cfg.model.name)
        load_module_state(self.G, unprefixed("generator", tensors), "generator", path)
        load_module_state(self.D, unprefixed("discriminator", tensors), "discriminator", path)
        if self.ema is not None and meta.get("ema"):
            load_module_state(self.ema.module, unprefixed("ema", tensors), "EMA generator", path)
        restore_optimizer(self.opt_g, "optim_g", tensors, meta["optim_g"])
        restore_optimizer(self.opt_d, "optim_d", tensors, meta["optim_d"])
        restore_rng(tensors, meta["rng"])
        if self.precision == "fp16" and meta.get("scalers", {}).get("d"):
            self.scaler_d.load_state_dict(meta["scalers"]["d"])
            self.scaler_g.load_state_dict(meta["scalers"]["g"])
        self.step = int(meta["step"])
        self.resumed_from = path
        return True

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

    def update(self, loss: torch.Tensor, module, opt, scaler, name: str) -> None:
        """Backward, average gradients over processes, record the gradient norm, optimizer step."""
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        ddp.average_gradients(module.parameters())
        scaler.unscale_(opt)
        self.stats.report(f"grad_norm/{name}", _grad_norm(module))
        scaler.step(opt)
        scaler.update()

    def train_step(self) -> None:
        """``d_steps`` discriminator updates, then one generator update.

        The last discriminator update uses the fakes that the generator update then reuses (as
        the PyTorch DCGAN example does), so each step runs the generator forward only once.
        """
        t, step = self.cfg.train, self.step
        prec = self.precision
        torch.manual_seed(t.seed * 1_000_003 + step)
        if t.lr_decay_steps:
            factor = linear_decay_factor(step, t.steps, t.lr_decay_steps)
            set_learning_rate(self.opt_d, t.lr_d * factor)
            set_learning_rate(self.opt_g, t.lr_g * factor)
        _, _, z_g, labels_g, _ = self.batch(step, stream=2)
        self.D.requires_grad_(True)
        for i in range(t.d_steps):
            real, labels, z, fake_labels, eps = self.batch(step * t.d_steps + i, stream=1)
            with autocast(self.device, prec):
                if i == t.d_steps - 1:
                    fake_g = self.G_run(z_g, labels_g)
                    fake, fake_labels = fake_g.detach(), labels_g
                else:
                    with torch.no_grad():
                        fake = self.G_run(z, fake_labels)
                real_logits = self.D_run(real, labels).float()
                fake_logits = self.D_run(fake, fake_labels).float()
                d_loss = self.loss.discriminator(real_logits, fake_logits)
                penalty = self.loss.penalty(self.D, real, fake, labels, eps=eps)
                if penalty is not None:
                    d_loss = d_loss + penalty
                if self.cfg.loss.r1_weight > 0:
                    d_loss = d_loss + 0.5 * self.cfg.loss.r1_weight * r1_penalty(self.D, real, labels)
            self.update(d_loss, self.D, self.opt_d, self.scaler_d, "d")
            self.loss.after_discriminator_step(self.D)

        self.D.requires_grad_(False)
        with autocast(self.device, prec):
            g_logits = self.D_run(fake_g, labels_g).float()
            g_loss = self.loss.generator(g_logits)
        self.update(g_loss, self.G, self.opt_g, self.scaler_g, "g")
        if self.ema is not None:
            self.ema.update(self.G, step)

        s = self.stats
        s.report("loss/d", d_loss)
        s.report("loss/g", g_loss)
        s.report("D(x)", torch.sigmoid(real_logits))
        s.report("D(G(z))", torch.sigmoid(fake_logits))
        s.report("d_accuracy", ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean()) / 2)
        finite = torch.isfinite(d_loss.detach()) & torch.isfinite(g_loss.detach())
        self.bad_step = torch.where(~finite & (self.bad_step < 0), torch.tensor(step, device=self.device),
                                    self.bad_step)
        self.step += 1

    # ------------------------------------------------------------------ the loop
    def check_finite(self) -> None:
        bad = int(self.bad_step.item())
        if bad >= 0:
            good = latest_loadable(self.ckpt_dir)
            kept = f"the last good checkpoint {good} is kept" if good else "no checkpoint was saved before it"
            raise TrainingDiverged(f"a loss became NaN or inf at step {bad}; {kept}; lower the learning rates "
                                   "(--set train.lr_d=... train.lr_g=...) or change the loss, then resume")

    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        G = self.ema.module if self.ema is not None else self.G
        was_training = G.training
        G.eval()
        images = to_uint8(G(self.fixed_z, self.fixed_labels))
        G.train(was_training)
        return images

    def write_samples(self, writer: Optional[SummaryWriter]) -> None:
        if not self.main:
            return
        grid = make_grid(self.sample_grid(), nrow=self.grid_columns)
        save_png(grid, self.run_dir / "samples" / f"step_{self.step:07d}.png", scale=2)
        if writer is not None:
            writer.add_image("samples", grid, self.step, dataformats="HWC")

    def log(self, writer, progress, t_start_step, t_start_time) -> None:
        values = self.stats.flush()
        elapsed = max(time.monotonic() - t_start_time, 1e-9)
        values["images_per_s"] = (self.step - t_start_step) * self.cfg.train.batch_size / elapsed
        if self.main:
            for k, v in values.items():
                writer.add_scalar(k, v, self.step)
            with open(self.run_dir / "stats.jsonl", "a") as f:
                f.write(json.dumps({"step": self.step, "time": time.time(), **values}) + "\n")
            progress.update(self.step, {"d": values["loss/d"], "g": values["loss/g"], "D(x)": values["D(x)"],
                                        "D(G(z))": values["D(G(z))"], "img/s": values["images_per_s"]})

    def should_stop(self, deadline: Optional[float], signals: StopSignal) -> Optional[str]:
        reason = signals.reason or ("time budget" if deadline and time.monotonic() >= deadline else None)
        if self.world > 1:
            flag = torch.tensor([1.0 if reason else 0.0], device=self.device)
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            reason = reason or ("another process stopped" if flag.item() > 0 else None)
        return reason

    def fit(self, resume: bool = False) -> Path:
        t = self.cfg.train
        if resume:
            self.resume()
        else:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.main:
            save_yaml(self.cfg, self.run_dir / "config.yaml")
            write_run_info(self.run_dir, "image", self.cfg.model.name, {"data": self.data.name})
        ddp.broadcast_parameters(self.model)
        self.bad_step = torch.tensor(-1, device=self.device)
        writer = SummaryWriter(str(self.run_dir / "tb")) if self.main else None
        deadline = time.monotonic() + t.max_minutes * 60 if t.max_minutes else None
        progress = Progress(t.steps or None, self.step, enabled=self.main and not self.quiet, deadline=deadline)
        start_step, start_time = self.step, time.monotonic()
        stop_reason = None
        self.G.train()
        self.D.train()
        try:
            with StopSignal() as signals:
                while t.steps == 0 or self.step < t.steps:
                    self.train_step()
                    s = self.step
                    if s % t.log_every == 0 or s == t.steps:
                        self.check_finite()
                        self.log(writer, progress, start_step, start_time)
                    if s % t.sample_every == 0:
                        self.write_samples(writer)
                    if s % t.checkpoint_every == 0:
                        self.check_finite()
                        self.save()
                    for hook in self.hooks:
                        hook(self, s)
                    if self.world == 1 or s % t.log_every == 0:
                        stop_reason = self.should_stop(deadline, signals)
                        if stop_reason:
                            break
                self.check_finite()
                if self.step % t.sample_every:
                    self.write_samples(writer)
                path = self.save()
        finally:
            progress.close()
            if writer is not None:
                writer.close()
        if self.main and stop_reason and not self.quiet:
            progress.write(f"stopped at step {self.step} ({stop_reason}); resume with: "
                           f"ganforge train --resume {self.run_dir}")
        self.stop_reason = stop_reason
        return path


def _grad_norm(module) -> torch.Tensor:
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))) if grads else torch.zeros(())


def raise_mismatch(path: Path, meta: dict, expected: str) -> None:
    raise CheckpointError(f"{path} is a checkpoint of {meta.get('family')} model {meta.get('model')!r} with another "
                          f"config than this run's {expected!r}; resume with the run's own config.yaml")

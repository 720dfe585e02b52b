"""The one training loop of every family: cadences, time budget, signals, NaN stop, hooks, final save.

A family supplies a :class:`~ganforge.engine.task.Task` (``engine/task.py``): its named state (networks, optimizers, EMA), its phases (a
text GAN runs MLE pre-training, discriminator pre-training and the adversarial phase in one step
counter; an image GAN has one phase), and for each step the list of :class:`Update` s to run, as
data: which network, which optimizer, the loss, how often (``every`` = lazy regularisation) and
how many times in a row. The :class:`Trainer` runs them with everything else:

- every random draw of a step is a function of (seed, step): the global torch RNG is re-seeded
  at each step (per rank where the task asks for it), batches come from ``engine.batches``;
- precision (``auto`` = bf16 where native, fp16 with loss scaling on CUDA) for every family;
- data-parallel under torchrun: gradients are averaged over processes in each update;
- the EMA of the generator, linear learning-rate decay over the last steps;
- stats, TensorBoard, samples, evaluation hooks and checkpoints at their cadences;
- SIGINT/SIGTERM and ``max_minutes`` save a checkpoint and stop; a NaN/inf loss stops with the
  step named and the last good checkpoint kept; exact resume from the newest readable checkpoint.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch.utils.tensorboard import SummaryWriter

from ganforge.engine import distributed as ddp
from ganforge.engine.control import Controller, Setter
from ganforge.engine.checkpoint import load_checkpoint, prune, remove_temporaries, save_checkpoint
from ganforge.engine.run_folder import RunFolder
from ganforge.engine.runtime import (Progress, StopSignal, autocast, linear_decay_factor, precision_warning,
                                     resolve_precision, set_learning_rate)
from ganforge.engine.task import Hook, Task, Update
from ganforge.errors import CheckpointError, ConfigError, TrainingDiverged


class Trainer:
    """Runs a :class:`Task` in a run folder; ``fit()`` trains to the end, ``train_step()`` runs one step."""

    def __init__(self, task: Task, run_dir: Path, quiet: bool = False, hooks: Optional[List[Hook]] = None):
        self.task, self.cfg, self.quiet = task, task.cfg, quiet
        self.run = RunFolder(run_dir)
        self.hooks = list(hooks or [])
        self.world, self.rank = ddp.world_size(), ddp.rank()
        self.main = self.rank == 0
        self.device = task.device
        self.state, self.stats = task.state, task.stats
        self.precision = resolve_precision(self.cfg.train.precision, self.device)
        if self.precision == "fp16" and self.device.type != "cuda":
            raise ConfigError("precision fp16 needs a CUDA GPU; use --precision auto on CPU")
        warning = precision_warning(self.precision, self.device)
        if warning and self.main:
            print(warning, file=sys.stderr, flush=True)
        self.state.enable_scalers(self.precision == "fp16")
        if self.cfg.train.ema_half_life_images > 0:
            self.set_ema_half_life(self.cfg.train.ema_half_life_images)
        self.base_lr = {name: h["lr"] for name, h in self.state.hyperparameters().items()}
        self.lengths = [(p.name, p.steps) for p in task.phases]
        self.total = None if any(s is None for _, s in self.lengths) else sum(s for _, s in self.lengths)
        if self.total == 0:
            raise ConfigError("nothing to train: every phase has 0 steps; set train.steps above 0")
        t = self.cfg.train
        if t.lr_decay_steps and (self.total is None or t.lr_decay_steps > self.total):
            raise ConfigError(f"train.lr_decay_steps={t.lr_decay_steps} is more than the run's {self.total or 'unlimited'}"
                              " steps; the decay runs over the last N steps of a run with a step limit")
        self.step = 0
        self.resumed_from: Optional[Path] = None
        self.resume_changes: List[str] = []
        self.lock = None
        self.stop_reason: Optional[str] = None
        self.bad_step = torch.tensor(-1, device=self.device)
        self._steerable: Optional[Dict[str, Setter]] = None
        self.control = Controller(self)

    @property
    def run_dir(self) -> Path:
        return self.run.path

    # ------------------------------------------------------------------ phases
    def phase_of(self, step: int) -> Tuple[str, int]:
        """(phase name, index within the phase) of a global step."""
        start = 0
        for name, steps in self.lengths:
            if steps is None or step < start + steps:
                return name, step - start
            start += steps
        return self.lengths[-1][0], step - start + self.lengths[-1][1]

    def phase_bounds(self, name: str) -> Tuple[int, Optional[int]]:
        start = 0
        for phase, steps in self.lengths:
            if phase == name:
                return start, steps
            start += steps or 0
        raise KeyError(name)

    # ------------------------------------------------------------------ steering (engine/control.py)
    def steerable(self) -> Dict[str, Setter]:
        """Config keys that may change while the run trains -> what applies a new value (the live config already
        holds it): the learning rates, the EMA decay, and what the task reads at each step (``Task.steerable``)."""
        if self._steerable is None:
            out: Dict[str, Setter] = {key: (lambda value, name=name: self.set_base_lr(name, value))
                                      for key, name in self.task.learning_rates().items()}
            if self.state.ema is not None:
                out["train.ema_decay"] = lambda value: setattr(self.state.ema, "decay", value)
                out["train.ema_half_life_images"] = self.set_ema_half_life
            out.update(self.task.steerable())
            self._steerable = out
        return self._steerable

    def set_ema_half_life(self, images: float) -> None:
        """EMA by half-life in images (``train.ema_half_life_images``, 0 = back to ``ema_decay``), with the ramp-up."""
        t = self.cfg.train
        if self.state.ema is None:
            raise ConfigError("train.ema_half_life_images needs an EMA of the generator: set train.ema_decay above 0 "
                              "as well (any value: the half-life replaces it)")
        self.state.ema.use_half_life(images, t.ema_rampup, t.batch_size)

    def set_base_lr(self, name: str, lr: float) -> None:
        """A new base learning rate of optimizer ``name`` (the decay, when on, scales it from this step)."""
        self.base_lr[name] = lr
        t = self.cfg.train
        factor = linear_decay_factor(self.step, self.total, t.lr_decay_steps) if t.lr_decay_steps else 1.0
        set_learning_rate(self.state.optimizers[name], lr * factor)

    # ------------------------------------------------------------------ checkpoints
    def checkpoint_state(self) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
        tensors, meta = self.state.to_tensors()
        return tensors, {"family": self.task.family, "step": self.step, **self.task.meta(), **meta,
                         "settings": self.control.settings(), "applied": list(self.control.applied)}

    def save(self) -> Path:
        path = self.run.checkpoint_path(self.step)
        if self.main:
            tensors, meta = self.checkpoint_state()
            save_checkpoint(path, tensors, meta)
            prune(self.run.checkpoints_dir, self.cfg.train.keep_checkpoints, protect=path)
        return path

    def save_best(self, extra: Dict[str, Any]) -> Path:
        """``checkpoints/best.safetensors`` with ``extra`` (e.g. the metric and value) in its metadata."""
        tensors, meta = self.checkpoint_state()
        save_checkpoint(self.run.best_checkpoint, tensors, {**meta, **extra})
        return self.run.best_checkpoint

    def resume(self) -> bool:
        """Load the newest readable checkpoint of the run folder; False when it has none yet."""
        if self.resumed_from is not None:
            return True
        tensors, meta, path = self.newest_readable_checkpoint()
        if path is None:
            return False
        self.task.check_checkpoint(meta, path)
        steered = self.control.restore(meta)   # the checkpoint's settings, before the configured rates are taken
        configured = self.state.hyperparameters()
        self.state.load(tensors, meta, path, restore_scalers=self.precision == "fp16")
        self.step = int(meta["step"])
        self.resumed_from = path
        self.resume_changes = steered + self.apply_configured(configured)
        return True

    def newest_readable_checkpoint(self):
        """(tensors, meta, path) of the newest checkpoint that loads whole; a corrupt one is skipped with a warning."""
        for path in reversed(self.run.checkpoints()):
            try:
                tensors, meta = load_checkpoint(path)
                return tensors, meta, path
            except CheckpointError as exc:
                if self.main:
                    print(f"warning: skipping {path.name}: {exc}", file=sys.stderr, flush=True)
        return None, None, None

    def apply_configured(self, configured: Dict[str, Dict[str, Any]]) -> List[str]:
        """After a resume, the config's learning rates and betas win over the checkpoint's (so "lower the rate and
        resume" works); returns what changed, e.g. ``optim_g lr 0.0002 -> 1e-05``."""
        t, changes = self.cfg.train, []
        factor = linear_decay_factor(max(self.step - 1, 0), self.total, t.lr_decay_steps) if t.lr_decay_steps else 1.0
        for name, opt in self.state.optimizers.items():
            want = dict(configured[name], lr=configured[name]["lr"] * factor)
            for group in opt.param_groups:
                for key, value in want.items():
                    old = group.get(key)
                    if key in group and not _same_value(old, value):
                        changes.append(f"{name} {key} {_fmt(old)} -> {_fmt(value)}")
                        group[key] = value
        return sorted(set(changes))

    # ------------------------------------------------------------------ one step
    def train_step(self) -> None:
        t, step = self.cfg.train, self.step
        offset = self.rank * 7_919 if self.task.rng_per_rank else 0
        seed_global_rng(t.seed * 1_000_003 + step + offset, self.device)
        if t.lr_decay_steps:
            factor = linear_decay_factor(step, self.total, t.lr_decay_steps)
            for name, opt in self.state.optimizers.items():
                set_learning_rate(opt, self.base_lr[name] * factor)
        phase, index = self.phase_of(step)
        for update in self.task.updates(step, phase, index):
            if step % update.every == 0:
                for i in range(update.repeat):
                    self.run_update(update, i)
        if self.state.ema is not None:
            self.state.ema.update(self.state.modules[self.state.ema_of], step)
        self.task.after_step(step)
        self.step += 1

    def run_update(self, u: Update, i: int) -> None:
        """Forward under autocast, backward, average gradients over processes, record the norm, step."""
        module, opt = self.state.modules[u.module], self.state.optimizers[u.optimizer]
        scaler = self.state.scaler(u.optimizer)
        module.requires_grad_(True)
        for name in u.frozen:
            self.state.modules[name].requires_grad_(False)
        with autocast(self.device, self.precision):
            loss = u.loss(i)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        ddp.average_gradients(module.parameters())
        scaler.unscale_(opt)
        if u.clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(module.parameters(), u.clip)
        else:
            norm = grad_norm(module)
        self.stats.report(f"grad_norm/{u.name}", norm)
        scaler.step(opt)
        scaler.update()
        if u.after is not None:
            u.after()
        bad = ~torch.isfinite(loss.detach()) & (self.bad_step < 0)
        self.bad_step = torch.where(bad, torch.tensor(self.step, device=self.device), self.bad_step)

    # ------------------------------------------------------------------ the loop
    def check_finite(self) -> None:
        bad = int(self.bad_step.item())
        if bad >= 0:
            good = self.run.latest_checkpoint()
            kept = f"the last good checkpoint {good} is kept" if good else "no checkpoint was saved before it"
            raise TrainingDiverged(f"a loss became NaN or inf at step {bad}; {kept}; lower the learning rates "
                                   "(--set train.lr_d=... train.lr_g=...), then resume")

    def log(self, writer, progress, since: Tuple[int, float]) -> None:
        values = self.stats.flush()
        elapsed = max(time.monotonic() - since[1], 1e-9)
        values[f"{self.task.unit}_per_s"] = (self.step - since[0]) * self.cfg.train.batch_size / elapsed
        if self.main:
            for k, v in values.items():
                writer.add_scalar(k, v, self.step)
            phase, _ = self.phase_of(max(self.step - 1, 0))
            self.run.append_stats(self.step, values, phase)
            start, _ = self.phase_bounds(phase)
            progress.update(self.step - start, self.task.progress_values(values))

    def should_stop(self, deadline: Optional[float], signals: StopSignal) -> Optional[str]:
        reason = signals.reason or ("time budget" if deadline and time.monotonic() >= deadline else None)
        if self.world > 1:
            flag = torch.tensor([1.0 if reason else 0.0], device=self.device)
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            reason = reason or ("another process stopped" if flag.item() > 0 else None)
        return reason

    def start(self, resume: bool) -> None:
        """Resume (or create the folder), then write config.yaml and run.json and sync the weights."""
        self.run.path.mkdir(parents=True, exist_ok=True)
        if self.main:
            self.lock = self.run.lock()
            remove_temporaries(self.run.checkpoints_dir)   # of a write killed half-way
        try:
            if resume:
                self.resume()
        except BaseException:
            self.release()
            raise
        extra = self.task.prepare_run(self.run, self.resumed_from is not None) if self.main else {}
        if self.main:
            self.run.save_config(self.cfg)
            self.run.write_info(self.task.family, self.cfg.model.name, extra)
        for module in self.state.modules.values():
            ddp.broadcast_parameters(module)
        self.control.open(self.resumed_from is not None)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def fit(self, resume: bool = False, stop_at: Optional[int] = None) -> Path:
        """Train to the end (or to global step ``stop_at``); returns the last checkpoint."""
        t = self.cfg.train
        end = self.total if stop_at is None else (stop_at if self.total is None else min(stop_at, self.total))
        deadline = time.monotonic() + t.max_minutes * 60 if t.max_minutes else None
        progress: Optional[Progress] = None
        writer: Optional[SummaryWriter] = None
        current, sampled_at = None, -1
        self.start(resume)
        try:
            writer = SummaryWriter(str(self.run.tb_dir)) if self.main else None
            for module in self.state.modules.values():
                module.train()
            with StopSignal() as signals:
                while end is None or self.step < end:
                    self.control.before_step(signals)   # may sleep while paused
                    if self.stop_reason or signals.reason:
                        self.stop_reason = self.stop_reason or signals.reason
                        break
                    phase, index = self.phase_of(self.step)
                    if phase != current:
                        if progress is not None:
                            progress.close()
                        length = dict(self.lengths)[phase]
                        progress = Progress(length, index, enabled=self.main and not self.quiet, desc=phase,
                                            deadline=deadline)
                        current, since = phase, (self.step, time.monotonic())
                    self.train_step()
                    s = self.step
                    ended = phase if (self.phase_of(s)[0] != phase or s == self.total) else None
                    if s % t.log_every == 0 or ended:
                        self.check_finite()
                        self.log(writer, progress, since)
                    if self.main and (s % t.sample_every == 0 or ended):
                        self.task.write_samples(self.run, s, writer)
                        sampled_at = s
                    if s % t.checkpoint_every == 0:
                        self.check_finite()
                        self.save()
                    if self.main:
                        for hook in self.hooks:
                            hook(s, ended)
                    if self.world == 1 or s % t.log_every == 0:
                        self.stop_reason = self.should_stop(deadline and deadline + self.control.paused_for, signals)
                        if self.stop_reason:
                            break
                self.check_finite()
                if self.main and sampled_at != self.step:
                    self.task.write_samples(self.run, self.step, writer)
                path = self.save()
        finally:
            if progress is not None:
                progress.close()
            if writer is not None:
                writer.close()
            if self.lock is not None:
                self.control.close(self.stop_reason)
            self.release()
        if self.main and self.stop_reason and not self.quiet:
            print(f"stopped at step {self.step} ({self.stop_reason}); resume with: "
                  f"ganforge train --resume {self.run.path}", file=sys.stderr, flush=True)
        return path


def seed_global_rng(seed: int, device: torch.device) -> None:
    """What ``torch.manual_seed`` does for the devices in use, without its cost on CPU-only machines (there it
    queues a lazy CUDA/XPU/MTIA seeding with a formatted stack trace each call: a third of a millisecond a step)."""
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        torch.cuda.manual_seed(seed)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-30)
    return a == b


def _fmt(value: Any) -> str:
    return f"({', '.join(f'{v:g}' for v in value)})" if isinstance(value, (list, tuple)) else f"{value:g}"


def grad_norm(module: torch.nn.Module) -> torch.Tensor:
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))) if grads else torch.zeros(())


__all__ = ["Trainer", "grad_norm", "seed_global_rng"]

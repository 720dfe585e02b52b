"""The text GAN training loop: MLE pre-training, discriminator pre-training, then the adversarial phase.

One global step counter runs through the three phases (``pretrain_steps``, ``d_pretrain_steps``,
``steps``); each phase has its own progress bar and TensorBoard scalars, generated sentences are
logged as text every ``sample_every`` steps and NLL_oracle / NLL_gen at every phase end. As in the
image trainer, all randomness of a step is a function of (seed, step) — batch order from a seeded
epoch permutation, the global torch RNG re-seeded per step — and checkpoints hold the weights,
all optimizer moments and RNG state, so a stopped run resumes exactly where it was.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import torch
from torch.utils.tensorboard import SummaryWriter

from ganforge.config import same_config, save_yaml
from ganforge.image.data import BatchSampler
from ganforge.errors import CheckpointError, ConfigError, TrainingDiverged
from ganforge.engine.checkpoint import (checkpoint_path, latest_loadable, load_checkpoint, load_module_state,
                                   optimizer_tensors, prefixed, prune, restore_optimizer, restore_rng, rng_state,
                                   save_checkpoint, unprefixed)
from ganforge.engine.distributed import pick_device
from ganforge.engine.runtime import Progress, StopSignal
from ganforge.engine.run_folder import find_checkpoint, write_run_info
from ganforge.engine.stats import Stats
from ganforge.text.config import TextRunConfig
from ganforge.text.data import TextCorpus, load_corpus
from ganforge.text.metrics import nll_gen, nll_of_generated
from ganforge.text.models import AdversarialContext, create_text_model
from ganforge.text.models.nets import token_mask
from ganforge.text.vocab import VOCAB_FILE, Vocab

PHASES = ("pretrain_g", "pretrain_d", "adversarial")


class TextTrainer:
    def __init__(self, cfg: TextRunConfig, run_dir: Path, quiet: bool = False, vocab: Optional[Vocab] = None,
                 corpus: Optional[TextCorpus] = None):
        self.cfg, self.run_dir, self.quiet = cfg, Path(run_dir), quiet
        t = cfg.train
        self.device = pick_device(t.device)
        if t.threads:
            torch.set_num_threads(t.threads)
        self.corpus: TextCorpus = corpus if corpus is not None else load_corpus(cfg.data, vocab)
        c = self.corpus
        torch.manual_seed(t.seed)
        self.model = create_text_model(cfg.model, c.vocab_size, c.seq_len, c.start_token, c.eos).to(self.device)
        self.G, self.D = self.model.generator, self.model.discriminator
        adv = self.model.adversarial
        self.lengths = {"pretrain_g": t.pretrain_steps, "pretrain_d": t.d_pretrain_steps if adv else 0,
                        "adversarial": t.steps if adv else 0}
        self.total = sum(self.lengths.values())
        if self.total == 0:
            raise ConfigError("nothing to train: set train.pretrain_steps (and for a GAN train.steps) above 0")
        self.sampler = BatchSampler(len(c.train), t.batch_size, t.seed, what="sentences")
        self.train_data = c.train.to(self.device)
        self.opt_mle = torch.optim.Adam(self.G.parameters(), lr=t.lr_pretrain)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=t.lr_g)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=t.lr_d) if adv else None
        self.step = 0
        self.stats = Stats()
        self.ckpt_dir = self.run_dir / "checkpoints"
        self.stop_reason: Optional[str] = None

    # ------------------------------------------------------------------ phases
    def phase_of(self, step: int):
        """(phase name, index within the phase) of a global step."""
        start = 0
        for name in PHASES:
            if step < start + self.lengths[name]:
                return name, step - start
            start += self.lengths[name]
        return PHASES[-1], step - start

    def phase_start(self, name: str) -> int:
        return sum(self.lengths[p] for p in PHASES[:PHASES.index(name)])

    # ------------------------------------------------------------------ checkpoints
    def vocab_id(self) -> str:
        return self.corpus.vocab.fingerprint() if self.corpus.vocab is not None else f"oracle:{self.corpus.vocab_size}"

    def state_tensors(self):
        tensors = prefixed("generator", self.G.state_dict())
        meta: Dict = {"family": "text", "step": self.step, "model": self.cfg.model.name,
                      "model_config": dataclasses.asdict(self.cfg.model), "vocab": self.vocab_id(),
                      "vocab_size": self.corpus.vocab_size, "seq_len": self.corpus.seq_len,
                      "start_token": self.corpus.start_token, "eos": self.corpus.eos, "data": self.corpus.name}
        optimizers = {"optim_mle": self.opt_mle, "optim_g": self.opt_g}
        if self.D is not None:
            tensors.update(prefixed("discriminator", self.D.state_dict()))
            optimizers["optim_d"] = self.opt_d
        for name, opt in optimizers.items():
            ot, meta[name] = optimizer_tensors(opt, name)
            tensors.update(ot)
        rt, meta["rng"] = rng_state()
        tensors.update(rt)
        return tensors, meta

    def save(self) -> Path:
        path = checkpoint_path(self.ckpt_dir, self.step)
        tensors, meta = self.state_tensors()
        save_checkpoint(path, tensors, meta)
        prune(self.ckpt_dir, self.cfg.train.keep_checkpoints, protect=path)
        return path

    def check_vocab(self, meta: Dict, path: Path) -> None:
        if meta.get("family") != "text":
            raise CheckpointError(f"{path} holds a {meta.get('family')} model, not a text model; pass a text run")
        if meta.get("vocab") != self.vocab_id() or meta.get("vocab_size") != self.corpus.vocab_size:
            raise CheckpointError(f"{path} was trained with another vocabulary ({meta.get('vocab_size')} tokens) than "
                                  f"this data's ({self.corpus.vocab_size} tokens); use the run's own vocab.json and "
                                  "data, or train a new run")

    def resume(self) -> bool:
        path = latest_loadable(self.ckpt_dir)
        if path is None:
            return False
        tensors, meta = load_checkpoint(path)
        self.check_vocab(meta, path)
        if not same_config(meta.get("model_config"), self.cfg.model):
            raise CheckpointError(f"{path} is a checkpoint of text model {meta.get('model')!r} with another config "
                                  "than this run's; resume with the run's own config.yaml")
        load_module_state(self.G, unprefixed("generator", tensors), "generator", path)
        restore_optimizer(self.opt_mle, "optim_mle", tensors, meta["optim_mle"])
        restore_optimizer(self.opt_g, "optim_g", tensors, meta["optim_g"])
        if self.D is not None:
            load_module_state(self.D, unprefixed("discriminator", tensors), "discriminator", path)
            restore_optimizer(self.opt_d, "optim_d", tensors, meta["optim_d"])
        restore_rng(tensors, meta["rng"])
        self.step = int(meta["step"])
        return True

    def init_generator(self, target: str) -> None:
        path = find_checkpoint(target)
        tensors, meta = load_checkpoint(path)
        self.check_vocab(meta, path)
        load_module_state(self.G, unprefixed("generator", tensors), "generator", path)

    # ------------------------------------------------------------------ one step
    def batch(self, index: int) -> torch.Tensor:
        return self.train_data[self.sampler.indices(index).to(self.device)]

    def trim(self, tokens: torch.Tensor) -> torch.Tensor:
        """Drop the columns after the batch's longest sentence (all <pad>, outside the likelihood): same loss,
        less work on short sentences such as COCO captions (~11 tokens in 33 columns)."""
        if self.corpus.eos is None:
            return tokens
        longest = int(token_mask(tokens, self.corpus.eos).sum(1).max())
        return tokens[:, :max(longest, 1)]

    def clip(self) -> None:
        if self.cfg.train.grad_clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(self.G.parameters(), self.cfg.train.grad_clip)
            self.stats.report("grad_norm/g", norm)

    def train_step(self) -> None:
        t, s = self.cfg.train, self.stats
        torch.manual_seed(t.seed * 1_000_003 + self.step)
        phase, k = self.phase_of(self.step)
        if phase == "pretrain_g":
            loss = self.G.nll(self.trim(self.batch(self.step)))
            self.opt_mle.zero_grad(set_to_none=True)
            loss.backward()
            self.clip()
            self.opt_mle.step()
            s.report("pretrain_g/nll", loss)
        elif phase == "pretrain_d":
            self.d_update(*self.model.pretrain_discriminator_loss(self.batch(self.step)), prefix="pretrain_d")
        else:
            progress = k / max(self.lengths["adversarial"] - 1, 1)
            for i in range(t.d_steps):
                ctx = AdversarialContext(self.batch(self.step * t.d_steps + i), t.batch_size, progress)
                self.d_update(*self.model.discriminator_loss(ctx), prefix="adversarial")
            self.D.requires_grad_(False)
            ctx = AdversarialContext(self.batch(self.step), t.batch_size, progress)
            loss, extra = self.model.generator_loss(ctx)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.clip()
            self.opt_g.step()
            self.D.requires_grad_(True)
            s.report("adversarial/g_loss", loss)
            for name, value in extra.items():
                s.report(f"adversarial/{name}", value)
        self.step += 1

    def d_update(self, loss, real_logits, fake_logits, prefix: str) -> None:
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self.stats.report(f"{prefix}/d_loss", loss)
        self.stats.report(f"{prefix}/d_accuracy", ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean()) / 2)

    # ------------------------------------------------------------------ logging and evaluation
    @torch.no_grad()
    def sentences(self, n: int = 8):
        self.G.eval()
        tokens = self.G.sample(n, generator=torch.Generator().manual_seed(1234)).cpu()
        self.G.train()
        return [self.corpus.decode(row) for row in tokens]

    def write_samples(self, writer: SummaryWriter) -> None:
        lines = self.sentences()
        with open(self.run_dir / "samples.txt", "a", encoding="utf-8") as f:
            f.write(f"# step {self.step} ({self.phase_of(max(self.step - 1, 0))[0]})\n" + "\n".join(lines) + "\n")
        writer.add_text("samples", "\n\n".join(f"`{line}`" for line in lines), self.step)

    @torch.no_grad()
    def evaluate(self, writer: Optional[SummaryWriter]) -> Dict[str, float]:
        self.G.eval()
        out: Dict[str, float] = {}
        if self.corpus.oracle is not None:
            out["nll_oracle"] = nll_of_generated(self.G, self.corpus.oracle, self.cfg.train.eval_samples,
                                                 seed=4321)
        if self.corpus.test is not None:
            out["nll_gen"] = nll_gen(self.G, self.corpus.test)
        self.G.train()
        if out:
            phase = self.phase_of(max(self.step - 1, 0))[0]
            with open(self.run_dir / "metrics.jsonl", "a") as f:
                f.write(json.dumps({"step": self.step, "phase": phase, "time": time.time(), **out}) + "\n")
            if writer is not None:
                for k, v in out.items():
                    writer.add_scalar(f"metrics/{k}", v, self.step)
        return out

    def log(self, writer: SummaryWriter, progress: Progress) -> None:
        values = self.stats.flush()
        bad = [k for k, v in values.items() if v != v or abs(v) == float("inf")]
        if bad:
            good = latest_loadable(self.ckpt_dir)
            kept = f"the last good checkpoint {good} is kept" if good else "no checkpoint was saved before it"
            raise TrainingDiverged(f"{bad[0]} became NaN or inf before step {self.step}; {kept}; lower the learning "
                                   "rates (--set train.lr_g=... train.lr_d=...) and resume")
        for k, v in values.items():
            writer.add_scalar(k, v, self.step)
        with open(self.run_dir / "stats.jsonl", "a") as f:
            f.write(json.dumps({"step": self.step, "time": time.time(), **values}) + "\n")
        progress.update(self.step - self.phase_start(self.phase_of(self.step - 1)[0]),
                        {k.split("/", 1)[1]: v for k, v in values.items() if "/" in k and "grad" not in k})

    # ------------------------------------------------------------------ the loop
    def prepare(self, resume: bool) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if resume:
            self.resume()
        elif self.cfg.train.init_generator:
            self.init_generator(self.cfg.train.init_generator)
        if self.corpus.vocab is not None:
            self.corpus.vocab.save(self.run_dir / VOCAB_FILE)
        save_yaml(self.cfg, self.run_dir / "config.yaml")
        write_run_info(self.run_dir, "text", self.cfg.model.name, {"data": self.corpus.name})

    def fit(self, resume: bool = False, stop_at: Optional[int] = None) -> Path:
        """Train to the end (or to global step ``stop_at``); returns the last checkpoint."""
        t = self.cfg.train
        self.prepare(resume)
        end = min(self.total, stop_at) if stop_at is not None else self.total
        writer = SummaryWriter(str(self.run_dir / "tb"))
        deadline = time.monotonic() + t.max_minutes * 60 if t.max_minutes else None
        progress: Optional[Progress] = None
        current = None
        self.G.train()
        if self.D is not None:
            self.D.train()
        try:
            with StopSignal() as signals:
                while self.step < end:
                    phase, k = self.phase_of(self.step)
                    if phase != current:
                        if progress is not None:
                            progress.close()
                        progress = Progress(self.lengths[phase], k, enabled=not self.quiet, desc=phase)
                        current = phase
                    self.train_step()
                    s = self.step
                    phase_end = self.phase_of(s)[0] != phase or s == self.total
                    if s % t.log_every == 0 or phase_end:
                        self.log(writer, progress)
                    if s % t.sample_every == 0 or phase_end:
                        self.write_samples(writer)
                    if (t.eval_every and s % t.eval_every == 0) or (phase_end and phase != "pretrain_d"):
                        metrics = self.evaluate(writer)
                        if metrics and progress is not None:
                            head = f"step {s} ({phase} done): " if phase_end else f"step {s}: "
                            progress.write(head + " ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
                    if s % t.checkpoint_every == 0:
                        self.save()
                    reason = signals.reason or ("time budget" if deadline and time.monotonic() >= deadline else None)
                    if reason:
                        self.stop_reason = reason
                        break
                path = self.save()
        finally:
            if progress is not None:
                progress.close()
            writer.close()
        if self.stop_reason and not self.quiet:
            print(f"stopped at step {self.step} ({self.stop_reason}); resume with: ganforge train --resume "
                  f"{self.run_dir}", file=sys.stderr)
        return path

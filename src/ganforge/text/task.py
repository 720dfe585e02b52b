"""The text family's training task: MLE pre-training, discriminator pre-training, then the adversarial phase.

The engine (:mod:`ganforge.engine.loop`) runs the loop; this module says what a step of each phase
does. One global step counter runs through the three phases (``pretrain_steps``,
``d_pretrain_steps``, ``steps``); every random draw of a step is a function of (seed, step): the
batch order comes from a seeded epoch permutation and the global torch RNG, which the models sample
from, is re-seeded by the engine at each step (differently on each rank under torchrun, where each
process takes its slice of the global batch). Checkpoints keep the layout of ganforge 0.1.0.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from ganforge.engine.batches import BatchSampler
from ganforge.engine.checkpoint import load_checkpoint, load_module_state, unprefixed
from ganforge.engine.loop import Trainer
from ganforge.engine.task import Hook, Phase, Task, Update
from ganforge.engine.run_folder import RunFolder, find_checkpoint
from ganforge.engine.state import TrainState
from ganforge.engine.stats import Stats
from ganforge.config import same_config
from ganforge.errors import CheckpointError, ConfigError
from ganforge.text.config import TextRunConfig
from ganforge.text.data import TextCorpus, load_corpus
from ganforge.text.metrics import nll_gen, nll_of_generated
from ganforge.text.models import AdversarialContext, create_text_model
from ganforge.text.models.nets import token_mask
from ganforge.text.vocab import VOCAB_FILE, Vocab


class TextTask(Task):
    family = "text"
    live_keys = ("train.d_steps",)   # read from the config at each step: may change mid-run
    unit = "sentences"
    rng_per_rank = True   # the models sample sentences from the global RNG: each rank its own

    def __init__(self, cfg: TextRunConfig, vocab: Optional[Vocab] = None, corpus: Optional[TextCorpus] = None):
        self.cfg = cfg
        t = cfg.train
        self.setup_runtime(unlimited_steps=False)
        self.corpus: TextCorpus = corpus if corpus is not None else load_corpus(cfg.data, vocab)
        c = self.corpus
        torch.manual_seed(t.seed)
        self.model = create_text_model(cfg.model, c.vocab_size, c.seq_len, c.start_token, c.eos).to(self.device)
        self.G, self.D = self.model.generator, self.model.discriminator
        adv = self.model.adversarial
        lengths = (("pretrain_g", t.pretrain_steps), ("pretrain_d", t.d_pretrain_steps if adv else 0),
                   ("adversarial", t.steps if adv else 0))
        self.phases = [Phase(name, steps) for name, steps in lengths if steps]
        if not self.phases:
            raise ConfigError("nothing to train: set train.pretrain_steps (and for a GAN train.steps) above 0")
        self.lengths = dict(lengths)
        self.sampler = BatchSampler(len(c.train), t.batch_size, t.seed, what="sentences")
        self.train_data = c.train.to(self.device)
        self.state = TrainState()
        self.state.modules["generator"] = self.G
        self.state.optimizers["optim_mle"] = torch.optim.Adam(self.G.parameters(), lr=t.lr_pretrain)
        self.state.optimizers["optim_g"] = torch.optim.Adam(self.G.parameters(), lr=t.lr_g)
        if adv:
            self.state.modules["discriminator"] = self.D
            self.state.optimizers["optim_d"] = torch.optim.Adam(self.D.parameters(), lr=t.lr_d)
        self.state.add_ema("generator", t.ema_decay)
        self.stats = Stats()

    # ------------------------------------------------------------------ one step
    @property
    def per_rank(self) -> int:
        return self.cfg.train.batch_size // self.world

    def batch(self, index: int) -> torch.Tensor:
        """This rank's slice of global batch ``index``."""
        lo = self.rank * self.per_rank
        return self.train_data[self.sampler.indices(index)[lo:lo + self.per_rank].to(self.device)]

    def trim(self, tokens: torch.Tensor) -> torch.Tensor:
        """Drop the columns after the batch's longest sentence (all <pad>, outside the likelihood): same loss,
        less work on short sentences such as COCO captions (~11 tokens in 33 columns)."""
        if self.corpus.eos is None:
            return tokens
        longest = int(token_mask(tokens, self.corpus.eos).sum(1).max())
        return tokens[:, :max(longest, 1)]

    def d_loss(self, prefix: str, loss, real_logits, fake_logits) -> torch.Tensor:
        self.stats.report(f"{prefix}/d_loss", loss)
        self.stats.report(f"{prefix}/d_accuracy",
                          ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean()) / 2)
        return loss

    def updates(self, step: int, phase: str, index: int) -> List[Update]:
        t = self.cfg.train
        if phase == "pretrain_g":
            def mle(i: int) -> torch.Tensor:
                loss, extra = self.model.mle_loss(self.trim(self.batch(step)))
                for name, value in extra.items():
                    self.stats.report(f"pretrain_g/{name}", value)
                return loss

            return [Update("g", "generator", "optim_mle", mle, clip=t.grad_clip)]
        if phase == "pretrain_d":
            return [Update("d", "discriminator", "optim_d", lambda i: self.d_loss(
                "pretrain_d", *self.model.pretrain_discriminator_loss(self.batch(step))))]
        progress = index / max(self.lengths["adversarial"] - 1, 1)

        def d(i: int) -> torch.Tensor:
            ctx = AdversarialContext(self.batch(step * t.d_steps + i), self.per_rank, progress, index)
            return self.d_loss("adversarial", *self.model.discriminator_loss(ctx))

        def g(i: int) -> torch.Tensor:
            loss, extra = self.model.generator_loss(AdversarialContext(self.batch(step), self.per_rank, progress,
                                                                       index))
            self.stats.report("adversarial/g_loss", loss)
            for name, value in extra.items():
                self.stats.report(f"adversarial/{name}", value)
            return loss

        return [Update("d", "discriminator", "optim_d", d, repeat=t.d_steps),
                Update("g", "generator", "optim_g", g, frozen=("discriminator",), clip=t.grad_clip)]

    # ------------------------------------------------------------------ checkpoints
    def vocab_id(self) -> str:
        return self.corpus.vocab.fingerprint() if self.corpus.vocab is not None else f"oracle:{self.corpus.vocab_size}"

    def meta(self) -> Dict[str, Any]:
        c = self.corpus
        return {"model": self.cfg.model.name, "model_config": dataclasses.asdict(self.cfg.model),
                "vocab": self.vocab_id(), "vocab_size": c.vocab_size, "seq_len": c.seq_len,
                "start_token": c.start_token, "eos": c.eos, "data": c.name}

    def check_vocab(self, meta: Dict[str, Any], path: Path) -> None:
        if meta.get("family") != "text":
            raise CheckpointError(f"{path} holds a {meta.get('family')} model, not a text model; pass a text run")
        if meta.get("vocab") != self.vocab_id() or meta.get("vocab_size") != self.corpus.vocab_size:
            raise CheckpointError(f"{path} was trained with another vocabulary ({meta.get('vocab_size')} tokens) than "
                                  f"this data's ({self.corpus.vocab_size} tokens); use the run's own vocab.json and "
                                  "data, or train a new run")

    def check_checkpoint(self, meta: Dict[str, Any], path: Path) -> None:
        self.check_vocab(meta, path)
        if not same_config(meta.get("model_config"), self.cfg.model):
            raise CheckpointError(f"{path} is a checkpoint of text model {meta.get('model')!r} with another config "
                                  "than this run's; resume with the run's own config.yaml")

    def init_generator(self, target: str) -> None:
        path = find_checkpoint(target)
        tensors, meta = load_checkpoint(path)
        self.check_vocab(meta, path)
        load_module_state(self.G, unprefixed("generator", tensors), "generator", path)

    def prepare_run(self, run: RunFolder, resumed: bool) -> Dict[str, Any]:
        """A new run starts from ``init_generator``'s weights; the vocabulary is saved as vocab.json."""
        if not resumed and self.cfg.train.init_generator:
            self.init_generator(self.cfg.train.init_generator)
        if self.corpus.vocab is not None:
            self.corpus.vocab.save(run.path / VOCAB_FILE)
        return {"data": self.corpus.name}

    # ------------------------------------------------------------------ samples and evaluation
    @torch.no_grad()
    def sentences(self, n: int = 8) -> List[str]:
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        tokens = G.sample(n, generator=torch.Generator().manual_seed(1234)).cpu()
        G.train(was_training)
        return [self.corpus.decode(row) for row in tokens]

    def write_samples(self, run: RunFolder, step: int, writer) -> None:
        from ganforge.media.writers import save_samples

        lines = self.sentences()
        save_samples(lines, run.sample_path(step, ".txt"), kind="text")
        if writer is not None:
            writer.add_text("samples", "\n\n".join(f"`{line}`" for line in lines), step)

    @torch.no_grad()
    def evaluate(self) -> Dict[str, float]:
        """NLL_oracle (oracle data) and NLL_gen (when there is a test set: its first ``eval_samples`` sentences) of
        the sampling generator; `ganforge eval RUN --metrics nll` scores the whole test set."""
        G = self.state.sampling_module()
        was_training = G.training
        G.eval()
        out: Dict[str, float] = {}
        if self.corpus.oracle is not None:
            out["nll_oracle"] = nll_of_generated(G, self.corpus.oracle, self.cfg.train.eval_samples, seed=4321)
        if self.corpus.test is not None:
            out["nll_gen"] = nll_gen(G, self.corpus.test[:self.cfg.train.eval_samples])
        G.train(was_training)
        return out


class TextEvalHook:
    """The engine hook of text runs: NLL_oracle / NLL_gen every ``eval_every`` steps and at the end of the
    MLE and adversarial phases, into ``metrics.jsonl`` (``values``) and TensorBoard (``metrics/``)."""

    def __init__(self, task: TextTask, trainer: Trainer, quiet: bool = False):
        self.task, self.trainer, self.quiet = task, trainer, quiet
        self.writer = None

    def __call__(self, step: int, ended: Optional[str]) -> None:
        every = self.task.cfg.train.eval_every
        if not ((every and step % every == 0) or (ended and ended != "pretrain_d")):
            return
        values = self.task.evaluate()
        if not values:
            return
        phase = ended or self.trainer.phase_of(max(step - 1, 0))[0]
        self.trainer.run.append_metrics(step, values, phase=phase)
        if self.writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.trainer.run.tb_dir), filename_suffix=".eval")
        for k, v in values.items():
            self.writer.add_scalar(f"metrics/{k}", v, step)
        self.writer.flush()
        if not self.quiet:
            from tqdm import tqdm

            head = f"step {step} ({phase} done): " if ended else f"step {step}: "
            tqdm.write(head + " ".join(f"{k}={v:.4f}" for k, v in values.items()), file=sys.stderr)


def TextTrainer(cfg: TextRunConfig, run_dir: Path, quiet: bool = False, vocab: Optional[Vocab] = None,
                corpus: Optional[TextCorpus] = None, hooks: Optional[List[Hook]] = None) -> Trainer:
    """The engine's trainer on a text task, with the evaluation hook: ``TextTrainer(cfg, run_dir).fit()``."""
    task = TextTask(cfg, vocab, corpus)
    trainer = Trainer(task, run_dir, quiet=quiet, hooks=hooks)
    if trainer.main:
        trainer.hooks.append(TextEvalHook(task, trainer, quiet=quiet))
    return trainer

"""``--eval-every N``: score the generator during training, keep the best checkpoint, warn on collapse.

Every N steps (and at the last step) the hook samples ``eval_samples`` images from fixed latents
(EMA weights when present), scores them with the chosen metrics against the reference, checks
for mode collapse (:mod:`.collapse`), and
- appends ``{"step", "values", "card", "collapse"}`` to ``RUN/metrics.jsonl``;
- logs ``eval/<metric>`` and the collapse ratios to TensorBoard;
- writes ``RUN/checkpoints/best.safetensors`` when the first chosen metric improves (only scores
  with the same protocol card are compared, so a resumed run keeps its best);
- prints a one-line warning when diversity collapses.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import torch

from ..data.images import step_generator, to_uint8
from ..errors import GanforgeError
from .collapse import CollapseDetector
from .evaluate import Evaluator
from .protocol import ProtocolCard, differences
from .registry import METRICS, parse_metric_names

BEST_NAME = "best.safetensors"


def default_reference(data_name: str) -> str:
    return {"mnist": "mnist:test", "fashion-mnist": "fashion-mnist:test", "embedded": "embedded"}.get(data_name, "")


class EvalHook:
    def __init__(self, run_dir: Path, every: int, metrics: str = "fid", ref: str = "mnist:test",
                 num_samples: int = 2000, seed: int = 0, extractor: str = "auto", data_dir: Optional[str] = None,
                 last_step: Optional[int] = None, quiet: bool = False):
        self.run_dir, self.every, self.last_step, self.quiet = Path(run_dir), every, last_step, quiet
        self.names = parse_metric_names(metrics)
        self.num_samples, self.seed = num_samples, seed
        self.evaluator = Evaluator(ref, extractor, data_dir=data_dir)
        real = self.evaluator.stats.features
        real_probs = None
        if self.evaluator.stats.card.get("reference_count"):
            from .sources import load_images

            try:
                images, _ = load_images(ref, data_dir, what="reference")
                _, real_probs = self.evaluator.extractor.extract(images[:1000])
            except GanforgeError:
                real_probs = None
        self.detector = CollapseDetector(real, real_probs)
        key = self.names[0]
        self.best_key = key if key not in ("kid", "is", "pr", "dc") else {"kid": "kid", "is": "is", "pr": "recall",
                                                                            "dc": "coverage"}[key]
        self.lower_is_better = bool(getattr(METRICS.get(key), "lower_is_better", True))
        self.best: Optional[float] = None
        self.events: List[dict] = []
        self._writer = None
        self._loaded_history = False

    def _better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.lower_is_better else value > self.best

    def _history(self, card: ProtocolCard) -> None:
        """On the first evaluation (also after a resume): the best earlier score under the same protocol."""
        self._loaded_history = True
        path = self.run_dir / "metrics.jsonl"
        if not path.is_file():
            return
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                same = not differences(ProtocolCard.from_dict(row["card"]), card)
            except (json.JSONDecodeError, KeyError, GanforgeError):
                continue
            value = row.get("values", {}).get(self.best_key)
            if same and value is not None and self._better(value):
                self.best = value

    @torch.no_grad()
    def samples(self, trainer) -> torch.Tensor:
        G = trainer.ema.module if trainer.ema is not None else trainer.G
        was_training = G.training
        G.eval()
        m = trainer.cfg.model
        g = step_generator(self.seed, 0, stream=77)
        z = torch.randn(self.num_samples, m.latent_dim, generator=g)
        y = torch.randint(0, m.num_classes, (self.num_samples,), generator=g) if m.num_classes else None
        out = []
        for s in range(0, self.num_samples, 500):
            labels = None if y is None else y[s:s + 500].to(trainer.device)
            out.append(to_uint8(G(z[s:s + 500].to(trainer.device), labels)).cpu())
        G.train(was_training)
        return torch.cat(out)

    def __call__(self, trainer, step: int) -> None:
        if not trainer.main or (step % self.every and step != (self.last_step or trainer.cfg.train.steps)):
            return
        images = self.samples(trainer)
        score = self.evaluator.score(images, self.names, self.seed, f"step {step}",
                                     {"kid_subset_size": min(1000, self.num_samples)})
        feats, probs = self.evaluator.extractor.extract(images[:1000])
        report = self.detector.check(feats, probs)
        if not self._loaded_history:
            self._history(score.card)
        row = {"step": step, "time": time.time(), "values": score.values, "card": score.card.to_dict(),
               "collapse": report.to_dict()}
        with open(self.run_dir / "metrics.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        self._tensorboard(step, score.values, report)
        value = score.values.get(self.best_key)
        if value is not None and self._better(value):
            self.best = value
            self._save_best(trainer, step, value)
        if report.collapsed:
            self.events.append({"step": step, **report.to_dict()})
            print(f"warning: step {step}: {report.message}", file=sys.stderr, flush=True)
        elif not self.quiet:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in score.values.items() if not k.endswith("_std"))
            print(f"eval step {step}: {shown}", file=sys.stderr, flush=True)

    def _tensorboard(self, step: int, values: dict, report) -> None:
        from torch.utils.tensorboard import SummaryWriter

        if self._writer is None:
            self._writer = SummaryWriter(str(self.run_dir / "tb"), filename_suffix=".eval")
        for k, v in values.items():
            self._writer.add_scalar(f"eval/{k}", v, step)
        self._writer.add_scalar("eval/collapse_entropy_ratio", report.entropy_ratio, step)
        self._writer.add_scalar("eval/collapse_diversity_ratio", report.diversity_ratio, step)
        self._writer.flush()

    def _save_best(self, trainer, step: int, value: float) -> None:
        from ..training.checkpoint import save_checkpoint

        tensors, meta = trainer.state_tensors()
        meta = {**meta, "best": {"metric": self.best_key, "value": value, "step": step}}
        save_checkpoint(trainer.ckpt_dir / BEST_NAME, tensors, meta)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def eval_hooks(cfg, run_dir: Path, quiet: bool = False) -> list:
    """The hooks a run config asks for (``train.eval_every > 0``), built before training starts."""
    t = cfg.train
    if not t.eval_every:
        return []
    ref = t.eval_ref if t.eval_ref != "auto" else default_reference(cfg.data.name)
    if not ref:
        raise GanforgeError(f"--eval-every needs a reference set for data {cfg.data.name!r}; pass "
                            "--set train.eval_ref=FOLDER_OR_SPLIT")
    return [EvalHook(run_dir, t.eval_every, t.eval_metrics, ref, t.eval_samples, t.seed,
                     data_dir=cfg.data.dir if cfg.data.name != "folder" else None, last_step=t.steps, quiet=quiet)]

"""``--eval-every N``: score the generator during training, keep the best checkpoint, warn on collapse.

The hook knows nothing of trainers nor of modalities: it is given a ``sampler`` (a function
returning the samples to score, e.g. ``eval_samples`` images from fixed latents with the EMA
weights), a ``save_best`` callback and, for the collapse detector's class entropy, some
``reference_samples`` (the family reads them; the image family's hooks are built by
:func:`ganforge.image.metrics.evaluation.image_eval_hooks`). Every N steps (and at the last step)
it scores the samples with the chosen metrics against the reference, checks for mode collapse
(:mod:`.collapse`), and
- appends ``{"step", "time", "values", "card", "collapse"}`` to ``RUN/metrics.jsonl`` (the run-folder schema);
- logs ``eval/<metric>`` and the collapse ratios to TensorBoard;
- writes ``RUN/checkpoints/best.safetensors`` when the first chosen metric improves (only scores
  with the same protocol card are compared, so a resumed run keeps its best);
- prints a one-line warning when diversity collapses.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

from ganforge.engine.run_folder import RunFolder
from ganforge.errors import GanforgeError
from ganforge.metrics.collapse import CollapseDetector
from ganforge.metrics.evaluate import Evaluator
from ganforge.metrics.protocol import ProtocolCard, differences
from ganforge.metrics.registry import METRICS, parse_metric_names


class EvalHook:
    """Scores ``sampler()`` every ``every`` steps against ``ref`` (see the module docstring)."""

    def __init__(self, run_dir: Path, every: int, sampler: Callable[[], Any], metrics: str = "fid",
                 ref: Any = "mnist:test", seed: int = 0, extractor: str = "auto", data_dir: Optional[str] = None,
                 last_step: Optional[int] = None, quiet: bool = False,
                 save_best: Optional[Callable[[dict], object]] = None, reference_samples: Any = None,
                 modality: str = "image"):
        self.run, self.every, self.last_step, self.quiet = RunFolder(run_dir), every, last_step, quiet
        self.sampler, self.save_best = sampler, save_best
        self.names = parse_metric_names(metrics)
        self.seed = seed
        self.evaluator = Evaluator(ref, extractor, data_dir=data_dir, modality=modality)
        real_probs = None
        if reference_samples is not None:
            samples = self.evaluator.extractor.accept(reference_samples, "reference samples")
            _, real_probs = self.evaluator.extractor.extract(samples[:1000])
        self.detector = CollapseDetector(self.evaluator.stats.features, real_probs)
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
        rows, _, _ = self.run.metrics_rows()
        for row in rows:
            try:
                same = not differences(ProtocolCard.from_dict(row["card"]), card)
            except (KeyError, TypeError, GanforgeError):
                continue
            value = row["values"].get(self.best_key)
            if same and value is not None and self._better(value):
                self.best = value

    def __call__(self, step: int, ended: Optional[str] = None) -> None:
        """The engine's hook: evaluate at every ``every``-th step and at the last one."""
        if step % self.every and step != self.last_step:
            return
        samples = self.evaluator.extractor.accept(self.sampler(), f"the samples of step {step}")
        score = self.evaluator.score(samples, self.names, self.seed, f"step {step}",
                                     {"kid_subset_size": min(1000, len(samples))})
        feats, probs = self.evaluator.extractor.extract(samples[:1000])
        report = self.detector.check(feats, probs)
        if not self._loaded_history:
            self._history(score.card)
        self.run.append_metrics(step, score.values, card=score.card.to_dict(), collapse=report.to_dict())
        self._tensorboard(step, score.values, report)
        value = score.values.get(self.best_key)
        if value is not None and self._better(value):
            self.best = value
            if self.save_best is not None:
                self.save_best({"best": {"metric": self.best_key, "value": value, "step": step}})
        if report.collapsed:
            self.events.append({"step": step, **report.to_dict()})
            print(f"warning: step {step}: {report.message}", file=sys.stderr, flush=True)
        elif not self.quiet:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in score.values.items() if not k.endswith("_std"))
            print(f"eval step {step}: {shown}", file=sys.stderr, flush=True)

    def _tensorboard(self, step: int, values: dict, report) -> None:
        from torch.utils.tensorboard import SummaryWriter

        if self._writer is None:
            self._writer = SummaryWriter(str(self.run.tb_dir), filename_suffix=".eval")
        for k, v in values.items():
            self._writer.add_scalar(f"eval/{k}", v, step)
        self._writer.add_scalar("eval/collapse_entropy_ratio", report.entropy_ratio, step)
        self._writer.add_scalar("eval/collapse_diversity_ratio", report.diversity_ratio, step)
        self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

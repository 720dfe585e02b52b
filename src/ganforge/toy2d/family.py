"""The 2D toy family: model ``gan2d`` (MLP generator and critic) on 2D data sets such as ring8 and grid25.

    ganforge train gan2d --data grid25 --steps 2000     # a run folder with PNG scatter plots as samples
    ganforge sample RUN --n 1000 --out points.npz       # or points.png
    ganforge eval RUN                                   # modes covered and high-quality share
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List

from ganforge.family import Family, register_family
from ganforge.toy2d.config import MODELS, Toy2dConfig


@register_family
class Toy2dFamily(Family):
    name = "toy2d"
    description = "2D toy GANs: noise in, a point of the plane out (mode-coverage benchmarks)"
    config_class = Toy2dConfig
    train_flags = {"loss": "loss.name"}   # --loss is declared by the image family's flags
    sample_suffix = ".png"

    def models(self) -> List[str]:
        return list(MODELS)

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        from ganforge.family import shared_train_keys

        out: Dict[str, Any] = {"model": {"name": args.model}, "train": shared_train_keys(args)}
        if args.steps is not None:
            out["train"]["steps"] = args.steps
        elif args.max_minutes:
            out["train"]["steps"] = 0   # a time budget alone: no step limit
        if args.data:
            out["data"] = {"name": args.data}
        if getattr(args, "loss", None):
            out["loss"] = {"name": args.loss}
        return out

    def trainer(self, cfg: Toy2dConfig, run_dir: Path, quiet: bool = False):
        from ganforge.engine.loop import Trainer
        from ganforge.toy2d.task import QualityHook, Toy2dTask

        trainer = Trainer(Toy2dTask(cfg), run_dir, quiet=quiet)
        if cfg.train.eval_every:
            trainer.hooks.append(QualityHook(trainer.task, trainer.run, quiet=quiet))
        return trainer

    def describe(self, trainer) -> str:
        cfg = trainer.cfg
        return (f"{cfg.model.name} ({cfg.loss.name} loss, pack {cfg.model.pack}) on {cfg.data.name} "
                f"on {trainer.device}")

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.toy2d.pipeline import Toy2dSampler

        return Toy2dSampler.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        from ganforge.provenance import origin_of

        g = load(args.run, device=args.device)
        origin = origin_of(g, args.seed, enabled=args.provenance)
        out = g.save(g.sample(args.n, seed=args.seed), args.out or "samples.png", origin=origin)
        print(f"wrote {args.n} points of {g.source} (step {g.step}) to {out}")
        return 0

    def evaluate_command(self, args: argparse.Namespace) -> int:
        """Modes covered, high-quality share and KL of ``--n`` (default 2,500) points, as the mixture benchmark."""
        from ganforge.errors import GanforgeError
        from ganforge.family import load
        from ganforge.toy2d.metrics import mixture_quality

        g = load(args.run, device=args.device)
        data = g.data
        if data.centers is None:
            raise GanforgeError(f"data set {data.name!r} has no modes to count; toy runs on ring8, grid25, ring or "
                                "grid can be evaluated")
        values = mixture_quality(g.sample(args.n or 2500, seed=args.seed).numpy(), data)
        print(f"{g.source} (step {g.step}) on {data.name}: {values['modes']}/{values['num_modes']} modes, "
              f"{values['high_quality']:.1%} high quality, KL {values['kl']:.3f}")
        if args.out:
            Path(args.out).write_text(json.dumps({"source": str(g.source), "step": g.step, **values}, indent=2))
        return 0

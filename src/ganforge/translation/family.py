"""The translation family: image-to-image models, pix2pix (paired data) and CycleGAN (unpaired).

    ganforge train pix2pix --data edges2digits --steps 2000        # a run folder, samples input | output | target
    ganforge train cyclegan --data mnist2digits --steps 4000
    ganforge translate RUN sketch.png --out digit.png               # or a folder; --direction BtoA (CycleGAN)
    ganforge.load(RUN).translate(images)                             # float [-1, 1] in and out

Data layouts: docs/translation.md (and :mod:`ganforge.translation.data.folders`).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List

from ganforge.errors import ConfigError, GanforgeError
from ganforge.family import Family, folder_run_flags, register_family
from ganforge.translation import metrics as _metrics  # noqa: F401  (registers the translation metrics)
from ganforge.translation.config import OBJECTIVES, RunConfig


@register_family
class TranslationFamily(Family):
    name = "translation"
    description = "image-to-image translation: an image of domain A in, its counterpart in domain B out"
    config_class = RunConfig
    # --loss, --image-size and --channels are declared by the image family's flags
    train_flags = {"loss": "model.objective (pix2pix) / loss.name (cyclegan)", "image_size": "model.image_size",
                   "channels": "model.channels_a and channels_b", "direction": "model.direction"}
    sample_suffix = ".png"

    def models(self) -> List[str]:
        from ganforge.translation.models import list_models

        return list_models()

    def model_defaults(self, model: str) -> Dict[str, Any]:
        if model == "cyclegan":   # LSGAN; constant rates for half the run, then a linear decay to zero; CPU-sized
            return {"loss": {"name": "lsgan"}, "model": {"width": 16}, "train": {"lr_decay_steps": 1000, "batch_size": 4}}
        return {}

    # ------------------------------------------------------------------ training
    def add_flags(self, group) -> None:
        group.add_argument("--direction", choices=("AtoB", "BtoA"), help="translation models: the direction pix2pix "
                           "learns (default AtoB)")

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        out = folder_run_flags(args, loss=False, conditional=False)
        if args.model == "cyclegan" and "steps" in out["train"]:
            out["train"]["lr_decay_steps"] = out["train"]["steps"] // 2   # the last half; none without a limit
        loss = getattr(args, "loss", None)
        if loss and args.model == "pix2pix":
            if loss not in OBJECTIVES:
                raise ConfigError(f"--loss {loss!r} is not a pix2pix objective; choose one of {', '.join(OBJECTIVES)}")
            out["model"]["objective"] = loss
        elif loss:
            out["loss"] = {"name": loss}
        for dest, keys in (("image_size", ("image_size",)), ("channels", ("channels_a", "channels_b")),
                           ("direction", ("direction",))):
            if getattr(args, dest, None) is not None:
                out["model"].update({k: getattr(args, dest) for k in keys})
        return out

    def trainer(self, cfg: RunConfig, run_dir: Path, quiet: bool = False):
        from ganforge.engine.loop import Trainer
        from ganforge.translation.task import make_task

        return Trainer(make_task(cfg), run_dir, quiet=quiet)

    def describe(self, trainer) -> str:
        cfg, task = trainer.cfg, trainer.task
        m = cfg.model
        what = m.objective if m.name == "pix2pix" else f"{cfg.loss.name}, cycle {cfg.train.lambda_cycle:g}"
        d = task.D if m.name == "pix2pix" else (task.D["A"] if task.D is not None else None)
        patch = f", {d.receptive_field} px patches" if d is not None else ""
        return f"{m.name} ({what}{patch}) on {task.data.describe()} on {trainer.device}"

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  translate:   ganforge translate {run_dir} INPUT --out OUTPUT   (an image or a folder)"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.translation.pipeline import Translator

        return Translator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        raise GanforgeError(f"{args.run} is an image-to-image translation run: it translates images rather than "
                            f"sampling them; use `ganforge translate {args.run} INPUT --out OUTPUT`")

    def interpolate_command(self, args: argparse.Namespace) -> int:
        raise GanforgeError(f"{args.run} is an image-to-image translation run, with no latent space to walk; use "
                            f"`ganforge translate {args.run} INPUT --out OUTPUT`")

    def evaluate_command(self, args: argparse.Namespace) -> int:
        from ganforge.translation.evaluate import evaluate_run

        values = evaluate_run(args.run, device=args.device, limit=args.n or 0, metrics=args.metrics, seed=args.seed)
        if args.out:
            Path(args.out).write_text(json.dumps(values, indent=2))
        return 0

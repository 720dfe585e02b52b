"""The text-to-image family: StackGAN-style generation of captioned digits, stage I then stage II.

    ganforge data build captioned-digits --out data/cd                 # or --data captioned-digits (cached build)
    ganforge train stackgan --data data/cd [--set model.ca=false] [--set model.stages=1]
    ganforge sample RUN --prompt "a thin seven left of a bold two" --n 8 --out grid.png [--stage 1]
    ganforge eval RUN                                                  # R-precision, attribute accuracy, real floor

See docs/text2image.md.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List

from ganforge.errors import GanforgeError
from ganforge.family import Family, folder_run_flags, register_family
from ganforge.text2image.config import RunConfig


@register_family
class TextToImageFamily(Family):
    name = "text2image"
    description = "text to image: a caption in, a canvas of digits out (StackGAN, two stages)"
    config_class = RunConfig
    train_flags = {"loss": "loss.name"}

    def models(self) -> List[str]:
        from ganforge.text2image.models import list_models

        return list_models()

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        out = folder_run_flags(args, conditional=False)
        if args.steps is None:
            out["train"].pop("steps", None)     # --max-minutes alone keeps the phase lengths
        return out

    def resume_overrides(self, args: argparse.Namespace, saved: Dict[str, Any]) -> Dict[str, Any]:
        """A run from before the text phase (its config.yaml has no ``train.text_steps``) resumes without it."""
        out = super().resume_overrides(args, saved)
        if saved and "text_steps" not in (saved.get("train") or {}):
            out["train"]["text_steps"] = 0
        return out

    def trainer(self, cfg: RunConfig, run_dir: Path, quiet: bool = False):
        from ganforge.engine.loop import Trainer
        from ganforge.text2image.task import TextToImageTask

        return Trainer(TextToImageTask(cfg, quiet=quiet), run_dir, quiet=quiet)

    def describe(self, trainer) -> str:
        m, t = trainer.cfg.model, trainer.cfg.train
        phases = ", ".join(f"{p.name} {p.steps} steps" for p in trainer.task.phases)
        return (f"{m.name} ({phases}; conditioning augmentation {'on' if m.ca else 'off'}, {trainer.cfg.loss.name} "
                f"loss) on {trainer.task.data.describe()} on {trainer.device}")

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  sample more: ganforge sample {run_dir} --prompt \"a thin seven left of a bold two\" --n 8 "
                "--out grid.png",
                f"  evaluate:    ganforge eval {run_dir}"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.text2image.pipeline import TextToImageGenerator

        return TextToImageGenerator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load
        from ganforge.provenance import origin_of
        from ganforge.text2image.captions import encode

        for flag in ("label", "truncation"):
            if getattr(args, flag, None) is not None:
                raise GanforgeError(f"--{flag} is an option of other models; a text2image run takes --prompt, --n, "
                                    "--seed and --stage")
        if args.prompt is None:
            raise GanforgeError("a text2image run draws what a prompt says: pass --prompt \"a thin seven left of a "
                                "bold two\"")
        encode(args.prompt)                  # an unknown word: one line before anything is loaded
        g = load(args.run, device=args.device)
        stage = g.stage_of(getattr(args, "stage", None))
        images = g.sample(args.prompt, n=args.n, seed=args.seed, stage=stage)
        origin = origin_of(g, args.seed, enabled=args.provenance, prompt=args.prompt, stage=stage)
        out = g.save(images, args.out or "grid.png", origin=origin)
        print(f"wrote {args.n} stage-{'I' * stage} images of \"{args.prompt}\" from {g.source} (step {g.step}) to {out}")
        return 0

    def evaluate_command(self, args: argparse.Namespace) -> int:
        from ganforge.text2image.evaluate import evaluate_run

        values = evaluate_run(args.run, device=args.device, n=args.n or 0, seed=args.seed)
        if args.out:
            Path(args.out).write_text(json.dumps(values, indent=2))
        return 0


from ganforge.text2image import metrics as _metrics  # noqa: E402,F401  (registers the text2image metrics)

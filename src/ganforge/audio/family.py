"""The audio family: WaveGAN and SpecGAN on one-second clips (rendered notes, synthetic spoken digits, WAV folders).

    ganforge data build notes --out data/notes
    ganforge train wavegan --data data/notes --max-minutes 5          # or specgan; --set model.conditional=true
    ganforge sample RUN --n 8 --out a.wav                              # or a folder, or spectrograms.png; --label 60
    ganforge eval RUN                                                  # classifier IS, Fréchet distance, pitch accuracy

See docs/audio.md.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List

from ganforge.audio import pipeline as _pipeline  # noqa: F401  (registers the spectrogram writer of clips)
from ganforge.audio.metrics import scores as _scores  # noqa: F401  (registers the audio metrics)
from ganforge.audio.config import RunConfig
from ganforge.family import Family, folder_run_flags, register_family


@register_family
class AudioFamily(Family):
    name = "audio"
    description = "audio GANs: noise (and a pitch or class) in, a one-second clip out"
    config_class = RunConfig
    train_flags = {"loss": "loss.name", "conditional": "model.conditional"}
    sample_suffix = ".wav"

    def models(self) -> List[str]:
        from ganforge.audio.models import list_models

        return list_models()

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        out = folder_run_flags(args)
        return out

    def trainer(self, cfg: RunConfig, run_dir: Path, quiet: bool = False):
        from ganforge.audio.metrics.scores import audio_eval_hooks
        from ganforge.audio.task import AudioTask
        from ganforge.engine.loop import Trainer

        trainer = Trainer(AudioTask(cfg), run_dir, quiet=quiet)
        if trainer.main:
            trainer.hooks += audio_eval_hooks(trainer.task, trainer, quiet=quiet)
        return trainer

    def describe(self, trainer) -> str:
        cfg, task = trainer.cfg, trainer.task
        cond = f", conditional on {task.data.label}" if cfg.model.conditional else ""
        return f"{cfg.model.name} ({cfg.loss.name} loss{cond}) on {task.data.describe()} on {trainer.device}"

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  listen:      ganforge sample {run_dir} --n 8 --out samples.wav   (or a folder, or .png)",
                f"  evaluate:    ganforge eval {run_dir}"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.audio.pipeline import AudioGenerator

        return AudioGenerator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        g = load(args.run, device=args.device)
        clips = g.sample(args.n, labels=args.label, seed=args.seed)
        out = g.save(clips, args.out or "samples.wav")
        what = f" of {g.label} {args.label}" if args.label is not None else ""
        print(f"wrote {args.n} clips{what} ({clips.shape[1] / g.rate:.2f} s at {g.rate} Hz) of {g.source} "
              f"(step {g.step}) to {out}")
        return 0

    def evaluate_command(self, args: argparse.Namespace) -> int:
        from ganforge.audio.metrics.scores import evaluate_run

        score = evaluate_run(args.run, n=args.n or 0, seed=args.seed, device=args.device,
                             metrics=getattr(args, "metrics", None), weights=getattr(args, "weights", None))
        print(score)
        if args.out:
            Path(args.out).write_text(json.dumps(score.to_dict(), indent=2))
        return 0

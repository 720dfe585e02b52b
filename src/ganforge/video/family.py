"""The video family: GANs that make short clips, MoCoGAN (content + motion) and a TGAN-style baseline.

    ganforge data build moving-mnist --out data/mm --size 32 --frames 16 --digits 1
    ganforge train mocogan --data data/mm --max-minutes 12        # or tgan; --set model.conditional=true
    ganforge sample RUN --out clips.gif                            # .mp4, strip .png, .npz; --label 3 / --labels 3,7
    ganforge interpolate RUN --space content --out walk.gif        # the same motion, another digit (or motion)
    ganforge eval RUN                                              # frame FID/KID, digit consistency, ACD, motion

See docs/video.md.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List

from ganforge.errors import GanforgeError
from ganforge.family import Family, folder_run_flags, register_family
from ganforge.video.config import RunConfig


def parse_labels(args: argparse.Namespace):
    """``--label 3`` or ``--labels 3,7`` (one label per digit of a clip) as what the pipeline takes, or None."""
    text = getattr(args, "labels", None)
    if text is None:
        return getattr(args, "label", None)
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise GanforgeError(f"--labels takes digits separated by commas, e.g. 3,7; got {text!r}") from None


@register_family
class VideoFamily(Family):
    name = "video"
    description = "video GANs: noise (and digits) in, a short clip out"
    config_class = RunConfig
    # --loss, --conditional, --image-size and --channels are declared by the image family's flags
    train_flags = {"loss": "loss.name", "conditional": "model.conditional", "image_size": "model.image_size",
                   "channels": "model.channels", "frames": "model.frames"}
    sample_suffix = ".gif"

    def models(self) -> List[str]:
        from ganforge.video.models import list_models

        return list_models()

    # ------------------------------------------------------------------ training
    def add_flags(self, group) -> None:
        group.add_argument("--frames", type=int, help="video models: frames per clip (default 16)")

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        out = folder_run_flags(args)
        for dest in ("image_size", "channels", "frames"):
            if getattr(args, dest, None) is not None:
                out["model"][dest] = getattr(args, dest)
        return out

    def trainer(self, cfg: RunConfig, run_dir: Path, quiet: bool = False):
        from ganforge.engine.loop import Trainer
        from ganforge.video.task import VideoTask

        return Trainer(VideoTask(cfg), run_dir, quiet=quiet)

    def describe(self, trainer) -> str:
        m = trainer.cfg.model
        what = ", conditional" if m.conditional else ""
        return (f"{m.name} ({trainer.cfg.loss.name} loss{what}, discriminators: {', '.join(trainer.task.D.keys())}) on "
                f"{trainer.task.data.describe()} on {trainer.device}")

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  sample more: ganforge sample {run_dir} --n 8 --out clips.gif   (.mp4, strip .png)",
                f"  evaluate:    ganforge eval {run_dir}"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.video.pipeline import VideoGenerator

        return VideoGenerator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        if getattr(args, "prompt", None) or getattr(args, "truncation", None) is not None:
            raise GanforgeError("--prompt and --truncation are options of other models; a video run takes --n, "
                                "--seed and --label/--labels")
        g = load(args.run, device=args.device)
        from ganforge.provenance import origin_of

        clips, labels = g.sample(args.n, labels=parse_labels(args), seed=args.seed, return_labels=True)
        origin = origin_of(g, args.seed, enabled=args.provenance, labels=getattr(args, "labels", None))
        out = g.save(clips, args.out or "clips.gif", labels=labels, origin=origin)
        print(f"wrote {args.n} clips of {g.config.frames} frames of {g.source} (step {g.step}) to {out}")
        return 0

    def interpolate_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        g = load(args.run, device=args.device)
        clips = g.interpolate(args.steps, space=getattr(args, "space", None), seed=args.seed, labels=parse_labels(args))
        out = Path(args.out)
        if out.suffix.lower() not in (".gif", ".mp4", ".png"):
            raise GanforgeError(f"cannot write {out}: use a .gif or .mp4 (the clips side by side) or a .png (a strip "
                                "a clip)")
        from ganforge.provenance import origin_of

        g.save(clips, out, origin=origin_of(g, args.seed, enabled=args.provenance, action="interpolate",
                                            space=getattr(args, "space", None) or g.spaces[0], steps=args.steps))
        print(f"wrote a {args.steps}-step walk in {getattr(args, 'space', None) or g.spaces[0]} space to {out}")
        return 0

    def evaluate_command(self, args: argparse.Namespace) -> int:
        from ganforge.video.evaluate import evaluate_run

        values = evaluate_run(args.run, device=args.device, n=args.n or 0, metrics=args.metrics, seed=args.seed)
        if args.out:
            Path(args.out).write_text(json.dumps(values, indent=2))
        return 0


from ganforge.video import metrics as _metrics  # noqa: E402,F401  (registers the video metrics)

"""The image family: latent image GANs (MLP, DCGAN, upconv DCGAN, StyleGAN2-lite; conditional or not) on MNIST-like data or folders."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from ganforge.config import load_config, merge, parse_overrides
from ganforge.errors import GanforgeError
from ganforge.family import Family, register_family, shared_train_keys
from ganforge.image.config import RunConfig


@register_family
class ImageFamily(Family):
    name = "image"
    description = "latent image GANs: noise (and a class) in, an image out"
    config_class = RunConfig
    train_flags = {"loss": "loss.name", "conditional": "model.num_classes", "image_size": "model.image_size",
                   "channels": "model.channels", "download": "data.download", "mirror": "data.mirror",
                   "eval_metrics": "train.eval_metrics", "augment": "augment.kind"}
    added_sections = ("augment",)
    sample_suffix = ".png"
    pending_note: Optional[str] = None   # the model's recommended settings in use, printed when its trainer is built

    def models(self) -> List[str]:
        from ganforge.image.models import list_models

        return list_models()

    def model_defaults(self, model: Optional[str]) -> Dict[str, Any]:
        """The settings ``model`` recommends (no model named: those of the default model, dcgan)."""
        from ganforge.image.config import ModelConfig
        from ganforge.image.models import model_defaults

        return model_defaults(model or ModelConfig().name)

    def create_model(self, name: str, **config: Any):
        from ganforge.image.models import create_model

        return create_model(name, **config)

    # ------------------------------------------------------------------ training
    def add_flags(self, group) -> None:
        group.add_argument("--loss", help="adversarial loss (see `ganforge losses`)")
        group.add_argument("--conditional", action="store_true", help="class-conditional model (labels from the data)")
        group.add_argument("--image-size", type=int)
        group.add_argument("--channels", type=int)
        group.add_argument("--download", action="store_true", default=None, help="download missing data files")
        group.add_argument("--mirror", help="download from this URL or local folder instead of the canonical source")
        group.add_argument("--eval-metrics", help="metrics for --eval-every, e.g. fid,kid (the first picks the best)")
        group.add_argument("--augment", choices=("none", "ada", "diffaugment"),
                           help="augment what D sees: ada (adaptive, Karras et al. 2020) or diffaugment (Zhao et al. "
                                "2020); other keys: --set augment.policy=... (docs/augmentation.md)")

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        pick = {("model", "name"): args.model, ("model", "image_size"): args.image_size,
                ("model", "channels"): args.channels, ("loss", "name"): args.loss,
                ("data", "name"): args.data, ("data", "dir"): args.data_dir, ("data", "download"): args.download,
                ("data", "mirror"): args.mirror, ("train", "steps"): args.steps,
                ("train", "eval_metrics"): args.eval_metrics, ("augment", "kind"): args.augment}
        out: Dict[str, Any] = {"train": shared_train_keys(args)}
        for (section, key), value in pick.items():
            if value is not None:
                out.setdefault(section, {})[key] = value
        if args.max_minutes and args.steps is None:
            out["train"]["steps"] = 0  # a time budget alone: no step limit
        if args.data_dir and not args.data:
            out.setdefault("data", {}).setdefault("name", "folder")
        return out

    def finish_config(self, cfg: RunConfig, data: Dict[str, Any], args: argparse.Namespace) -> RunConfig:
        if args.conditional and cfg.model.num_classes == 0:
            k = num_classes_of(cfg)
            if k < 2:
                raise GanforgeError("--conditional needs labelled data: use MNIST or a folder of class sub-folders")
            cfg = load_config(RunConfig, base=merge(data, {"model": {"num_classes": k}}), overrides=args.overrides)
        refuse_idle_augment_keys(cfg, args.overrides)
        self.pending_note = model_defaults_note(cfg, self.model_defaults(cfg.model.name))
        return cfg

    def trainer(self, cfg: RunConfig, run_dir: Path, quiet: bool = False):
        from ganforge.engine.loop import Trainer
        from ganforge.image.task import ImageTask
        from ganforge.image.metrics.evaluation import image_eval_hooks

        note, self.pending_note = self.pending_note, None   # said once the model is built (a bad config: its error)
        trainer = Trainer(ImageTask(cfg), run_dir, quiet=quiet)
        if note and trainer.main and not quiet:
            print(note, file=sys.stderr)
        if trainer.main:
            trainer.hooks += image_eval_hooks(trainer.task, trainer, quiet=quiet)
        return trainer

    def describe(self, trainer) -> str:
        cfg, task = trainer.cfg, trainer.task
        return (f"{cfg.model.name} ({cfg.loss.name} loss) on {task.data.name} ({len(task.data)} images "
                f"{tuple(task.data.image_shape)}) on {trainer.device}, {trainer.world} process(es)")

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  sample more: ganforge sample {run_dir} --n 64 --out grid.png"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.image.pipeline import LoadedGenerator

        return LoadedGenerator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        from ganforge.provenance import origin_of

        g = load(args.run, device=args.device)
        if getattr(args, "mix", None) or getattr(args, "truncation_sweep", False):
            from ganforge.image.explore import explore_command

            return explore_command(g, args)
        images, labels = g.sample(args.n, labels=args.label, seed=args.seed, truncation=args.truncation,
                                  return_labels=True)
        origin = origin_of(g, args.seed, enabled=args.provenance, label=args.label, truncation=args.truncation)
        out = g.save(images, args.out or "samples.png", labels=labels, origin=origin)
        print(f"wrote {args.n} samples of {g.source} (step {g.step}) to {out}")
        return 0

    def interpolate_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load
        from ganforge.media.images import make_grid, save_png
        from ganforge.provenance import mark_files, origin_of

        g = load(args.run, device=args.device)
        frames = g.interpolate(args.steps, seed=args.seed, labels=args.label, truncation=args.truncation)
        origin = origin_of(g, args.seed, enabled=args.provenance, action="interpolate", steps=args.steps)
        out = Path(args.out)
        if out.suffix.lower() == ".png":   # a strip: all frames in one row
            save_png(make_grid(frames, nrow=len(frames)), out, scale=2)
            mark_files([out], origin)
        elif out.suffix.lower() == ".gif":
            g.save(frames, out, origin=origin)
        else:
            raise GanforgeError(f"cannot write {out}: use a .gif (animation) or .png (strip)")
        print(f"wrote a {args.steps}-step latent walk to {out}")
        return 0

    def evaluate_command(self, args: argparse.Namespace):
        return None   # the generic image evaluation of `ganforge eval` samples the run


def model_defaults_note(cfg: RunConfig, defaults: Dict[str, Any]) -> Optional[str]:
    """What a new run says once: which of its model's recommended settings it trains with (those not overridden)."""
    kept = [f"{section}.{key}={value}" for section, keys in defaults.items() for key, value in keys.items()
            if getattr(getattr(cfg, section), key) == value]
    return f"note: {cfg.model.name} trains with its recommended {', '.join(kept)} (change any with --set)" \
        if kept else None


def refuse_idle_augment_keys(cfg: RunConfig, overrides: List[str]) -> None:
    """``--set augment.KEY=...`` that the run's augment.kind would ignore (any with none, ADA's with diffaugment)."""
    keys = parse_overrides(overrides).get("augment", {})
    ada_only = ("adaptive", "p", "ada_target", "ada_interval", "ada_kimg")
    idle = [k for k in keys if k != "kind" and (cfg.augment.kind == "none" or
                                                (cfg.augment.kind == "diffaugment" and k in ada_only))]
    if idle:
        fix = "add --augment ada or diffaugment" if cfg.augment.kind == "none" else "use --augment ada"
        raise GanforgeError(f"augment.{idle[0]} does nothing with augment.kind={cfg.augment.kind}; {fix}, or drop "
                            f"--set augment.{idle[0]}")


def num_classes_of(cfg: RunConfig) -> int:
    if cfg.data.name == "folder":
        from ganforge.image.data.folder import list_images

        return len(list_images(Path(cfg.data.dir or "."))[2])
    return 10


# what the image family adds to the metrics core: feature extractors, the image sample source, auto choices
from ganforge.image.metrics import (autoencoder, classifier, evaluation, inception,  # noqa: E402,F401
                                     resnet_classifier)
from ganforge.image import rating  # noqa: E402,F401  (the items of a human HYPE study)

"""The image family's command glue: build the run config from flags, train, sample and interpolate."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict

from ..config import RunConfig, load_config, merge, parse_overrides, read_yaml
from ..errors import GanforgeError
from ..families import Family, register_family
from ..models import list_models
from ..training import distributed as ddp


def flags_to_config(args: argparse.Namespace) -> Dict[str, Any]:
    """The config keys that command-line flags set (only the flags given)."""
    pick = {
        ("model", "name"): args.model, ("model", "image_size"): args.image_size,
        ("model", "channels"): args.channels, ("loss", "name"): args.loss,
        ("data", "name"): args.data, ("data", "dir"): args.data_dir, ("data", "download"): args.download,
        ("data", "mirror"): args.mirror, ("train", "steps"): args.steps,
        ("train", "max_minutes"): args.max_minutes, ("train", "batch_size"): args.batch_size,
        ("train", "seed"): args.seed, ("train", "device"): args.device, ("train", "precision"): args.precision,
        ("train", "eval_every"): getattr(args, "eval_every", None),
        ("train", "eval_metrics"): getattr(args, "eval_metrics", None),
    }
    out: Dict[str, Any] = {}
    for (section, key), value in pick.items():
        if value is not None:
            out.setdefault(section, {})[key] = value
    if args.max_minutes and args.steps is None:
        out["train"]["steps"] = 0  # a time budget alone: no step limit
    if args.data_dir and not args.data:
        out.setdefault("data", {}).setdefault("name", "folder")
    return out


def num_classes_of(cfg: RunConfig) -> int:
    if cfg.data.name == "folder":
        from ..data.folder import list_images

        return len(list_images(Path(cfg.data.dir or "."))[2])
    return 10


def build_config(args: argparse.Namespace) -> RunConfig:
    if args.resume:
        data = read_yaml(Path(args.resume) / "config.yaml")
        extend = {"train": {k: v for k, v in (("steps", args.steps), ("max_minutes", args.max_minutes))
                            if v is not None}}
        return load_config(RunConfig, base=merge(data, extend), overrides=args.overrides)
    base = read_yaml(args.config) if args.config else {}
    data = merge(base, flags_to_config(args))
    cfg = load_config(RunConfig, base=data, overrides=args.overrides)
    if args.conditional and cfg.model.num_classes == 0:
        k = num_classes_of(cfg)
        if k < 2:
            raise GanforgeError("--conditional needs labelled data: use MNIST or a folder of class sub-folders")
        data = merge(data, {"model": {"num_classes": k}})
        cfg = load_config(RunConfig, base=data, overrides=args.overrides)
    return cfg


def run_folder(args: argparse.Namespace, cfg: RunConfig) -> Path:
    from ..training.runs import new_run_dir

    if args.resume:
        return Path(args.resume)
    if args.name:
        path = Path(args.out) / args.name
        if (path / "run.json").exists():
            raise GanforgeError(f"run {path} already exists; resume it with --resume {path} or pick another --name")
        return path
    ddp.init_from_env()
    name = [new_run_dir(args.out, cfg.model.name).name if ddp.is_main() else None]
    if ddp.world_size() > 1:
        import torch.distributed as dist

        dist.broadcast_object_list(name, src=0)
    return Path(args.out) / name[0]


def train_image(args: argparse.Namespace) -> int:
    from ..training.image_trainer import ImageTrainer

    cfg = build_config(args)
    run_dir = run_folder(args, cfg)
    from ..metrics.training_hook import eval_hooks

    hooks = eval_hooks(cfg, run_dir, quiet=args.quiet) if ddp.is_main() else []
    trainer = ImageTrainer(cfg, run_dir, quiet=args.quiet, hooks=hooks)
    resumed = bool(args.resume) and trainer.resume()
    if trainer.main and not args.quiet:
        what = f"resuming at step {trainer.step}:" if resumed else "training"
        print(f"{what} {cfg.model.name} ({cfg.loss.name} loss) on {trainer.data.name} "
              f"({len(trainer.data)} images {tuple(trainer.data.image_shape)}) on {trainer.device}, "
              f"{trainer.world} process(es); run folder: {run_dir}", file=sys.stderr)
    path = trainer.fit(resume=bool(args.resume))
    if trainer.main and not args.quiet:
        grids = sorted((run_dir / "samples").glob("step_*.png"))
        print(f"done: step {trainer.step}\n  samples:     {grids[-1] if grids else '-'}\n  checkpoint:  {path}\n"
              f"  TensorBoard: tensorboard --logdir {run_dir / 'tb'}\n"
              f"  sample more: ganforge sample {run_dir} --n 64 --out grid.png")
    ddp.shutdown()
    return 0


def _open(args: argparse.Namespace):
    from ..sampling import LoadedGenerator

    return LoadedGenerator.load(args.run, device=args.device)


def sample_image(args: argparse.Namespace) -> int:
    from ..imaging import save_images

    g = _open(args)
    images, labels = g.sample(args.n, labels=args.label, seed=args.seed, truncation=args.truncation,
                              return_labels=True)
    out = Path(args.out or "samples.png")
    save_images(images, out, labels)
    print(f"wrote {args.n} samples of {g.source} (step {g.step}) to {out}")
    return 0


def interpolate_image(args: argparse.Namespace) -> int:
    from ..imaging import make_grid, save_gif, save_png

    g = _open(args)
    frames = g.interpolate(args.steps, seed=args.seed, labels=args.label, truncation=args.truncation)
    out = Path(args.out)
    if out.suffix.lower() == ".gif":
        save_gif([make_grid(f[None], nrow=1, padding=0) for f in frames], out, scale=4)
    elif out.suffix.lower() == ".png":
        save_png(make_grid(frames, nrow=len(frames)), out, scale=2)
    else:
        raise GanforgeError(f"cannot write {out}: use a .gif (animation) or .png (strip)")
    print(f"wrote a {args.steps}-step latent walk to {out}")
    return 0


register_family(Family("image", list_models, train_image, sample=sample_image))

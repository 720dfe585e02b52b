"""``ganforge train``: train any registered model, or resume a run; the model's family supplies its task.

Shared flags (data, steps, budget, batch, seed, device, precision, evaluation) are defined here;
each family adds its own (``Family.add_flags``). A flag of another family than the model's is a
one-line error naming the family it belongs to.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from ganforge.config import load_config, merge, parse_overrides, read_yaml, same_config
from ganforge.engine import distributed as ddp
from ganforge.engine.checkpoint import read_metadata
from ganforge.engine.run_folder import RunFolder, find_checkpoint, run_folder_of
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.family import FAMILIES, Family, family_named, family_of_model


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a GAN (default: DCGAN on the embedded MNIST digits)",
                       description="Train a model. With no arguments: DCGAN on the MNIST digits shipped in the "
                                   "package, a few minutes on a laptop CPU.")
    p.add_argument("model", nargs="?", default=None, help="model name (see `ganforge models`; default dcgan)")
    p.add_argument("--data", help="data set: embedded, mnist, fashion-mnist, folder (text: coco, oracle, a .txt file)")
    p.add_argument("--data-dir", help="folder holding the data files (default: $GANFORGE_DATA)")
    p.add_argument("--steps", type=int, help="training steps (text GANs: adversarial steps; mle: MLE steps)")
    p.add_argument("--max-minutes", type=float, help="stop after this many minutes (a checkpoint is saved)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="auto (CUDA if present), cpu, cuda, cuda:N")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"),
                   help="auto (default): bf16 where the hardware runs it natively, else fp32")
    p.add_argument("--eval-every", type=int, help="evaluate every N steps (metrics.jsonl, best checkpoint)")
    p.add_argument("--out", default="runs", help="folder where run folders are created (default: runs)")
    p.add_argument("--name", help="run folder name (default: MODEL-TIMESTAMP)")
    p.add_argument("--config", help="YAML config file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set train.lr_g=1e-4 (repeatable)")
    p.add_argument("--resume", metavar="RUN", help="continue the run in this folder from its newest checkpoint")
    p.add_argument("--fork", metavar="RUN_OR_CHECKPOINT",
                   help="start a new run from another run's checkpoint (its newest, or the file given) with its "
                        "settings at that step, changed by --set; run.json names the parent")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    for name in FAMILIES.names():
        family = FAMILIES.get(name)
        family.add_flags(p.add_argument_group(f"{name} models"))
    p.set_defaults(func=run)


def refuse_foreign_flags(family: Family, args: argparse.Namespace) -> None:
    for name in FAMILIES.names():
        other = FAMILIES.get(name)
        if other is family:
            continue
        for dest in other.train_flags:
            if dest not in family.train_flags and getattr(args, dest, None) not in (None, False):
                flag = "--" + dest.replace("_", "-")
                raise GanforgeError(f"{flag} is an option of {other.name} models; {family.name} models take the "
                                    "shared flags (see `ganforge train --help`) and --set keys of their config")


def refuse_ignored_flags(args: argparse.Namespace, model: str) -> None:
    """--resume and --fork take the run's config.yaml: a flag that would not change it (other than --steps,
    --max-minutes and --set; --out and --name name a fork's folder) is a one-line error, not silently ignored."""
    what = "--resume" if args.resume else "--fork"
    if args.model is not None and args.model != model:
        raise GanforgeError(f"{what} continues the run's own model {model!r}; drop {args.model!r} (a new run of "
                            f"{args.model}: `ganforge train {args.model}` without {what})")
    shared = {"batch_size": "train.batch_size", "seed": "train.seed", "device": "train.device",
              "precision": "train.precision", "eval_every": "train.eval_every"}
    dests = ["data", "data_dir", "config", *shared, *(["out", "name"] if args.resume else [])]
    dests += [d for name in FAMILIES.names() for d in FAMILIES.get(name).train_flags]
    for dest in dict.fromkeys(dests):
        value = getattr(args, dest, None)
        if value not in (None, False) and not (dest == "out" and value == "runs"):
            flag = "--" + dest.replace("_", "-")
            hint = f" (another value: --set {shared[dest]}=...)" if dest in shared else ""
            raise GanforgeError(f"{what} takes the run's own config.yaml, which {flag} does not change; drop "
                                f"{flag}{hint}")


def build_config(family: Family, args: argparse.Namespace):
    """Defaults <- model defaults <- --config YAML <- flags <- --set; on resume, the run's config.yaml <- budget."""
    refuse_foreign_flags(family, args)
    if args.fork:
        refuse_ignored_flags(args, fork_source(args.fork)[0].info().get("model", "?"))
        return fork_config(family, args)
    if args.resume:
        refuse_ignored_flags(args, RunFolder(args.resume).info().get("model", "?"))
        data = RunFolder(args.resume).config_dict()
        missing = [f.name for f in dataclasses.fields(family.config_class)
                   if f.name not in data and f.name not in family.added_sections]
        if missing:
            raise CheckpointError(f"{Path(args.resume) / 'config.yaml'} has no {missing[0]!r} section (cut short?); "
                                  "restore the run's config.yaml, or start a new run with --config")
        return load_config(family.config_class, base=merge(data, family.resume_overrides(args, data)),
                           overrides=args.overrides)
    yaml = read_yaml(args.config) if args.config else {}
    yaml_model = yaml.get("model")
    named = args.model or (yaml_model.get("name") if isinstance(yaml_model, dict) else None)   # None: the default
    base = merge(family.model_defaults(named), yaml)
    data = merge(base, family.config_from_flags(args))
    cfg = load_config(family.config_class, base=data, overrides=args.overrides)
    return family.finish_config(cfg, data, args)


def fork_source(target: str):
    """(parent run, checkpoint) of ``--fork``: a run folder (its newest checkpoint) or a checkpoint file in one."""
    checkpoint = find_checkpoint(target)
    parent = run_folder_of(checkpoint)
    parent.info()
    return parent, checkpoint


def fork_config(family: Family, args: argparse.Namespace):
    """The parent's config.yaml with its settings at the checkpoint's step (changed mid-run), then flags and --set."""
    from ganforge.engine.control import flatten

    parent, checkpoint = fork_source(args.fork)
    settings = read_metadata(checkpoint).get("settings") or {}
    at_step = parse_overrides([f"{k}={json.dumps(v)}" for k, v in flatten(settings).items()])
    data = merge(merge(parent.config_dict(), at_step), family.resume_overrides(args, {}))
    return load_config(family.config_class, base=data, overrides=args.overrides)


def start_fork(args: argparse.Namespace, run_dir: Path) -> None:
    """Copy the parent's checkpoint into the new run and name the parent in run.json and the events."""
    parent, checkpoint = fork_source(args.fork)
    step = int(read_metadata(checkpoint)["step"])
    child = RunFolder(run_dir)
    child.path.mkdir(parents=True, exist_ok=True)
    child.adopt_checkpoint(checkpoint, step)
    link = {"run": str(parent.path.resolve()), "name": parent.path.name, "checkpoint": checkpoint.name, "step": step}
    info = parent.info()
    child.write_info(info["family"], info.get("model", "?"), {"parent": link})
    from ganforge.engine.control import flatten

    child.append_event({"step": step, "event": "forked", "parent": f"{parent.path.name}/{checkpoint.name}",
                        "values": flatten(parse_overrides(args.overrides)), "source": "fork"})


def check_resume_config(run_dir: Path, cfg, overrides=()) -> None:
    """Before anything is built: the model of config.yaml must be the one of the newest checkpoint's header (an
    edited config.yaml claiming a huge model is then a one-line error, not an out-of-memory; a ``--set model.KEY``
    that changes it is named)."""
    path = RunFolder(run_dir).latest_checkpoint()
    if path is not None and not same_config(read_metadata(path).get("model_config"), cfg.model):
        changed = sorted(parse_overrides(overrides).get("model", {}))
        if changed:
            raise GanforgeError(f"--resume continues the run's own model (its checkpoints hold its weights); drop "
                                f"--set model.{changed[0]}, or start a new run for another model")
        raise CheckpointError(f"{path} is a checkpoint of another config than {run_dir / 'config.yaml'} (its model "
                              "section differs); resume with the run's own config.yaml")


def new_run_dir(args: argparse.Namespace, model: str) -> Path:
    if args.resume:
        return Path(args.resume)
    if args.name:
        path = Path(args.out) / args.name
        if (path / "run.json").exists():
            raise GanforgeError(f"run {path} already exists; resume it with --resume {path} or pick another --name")
        return path
    ddp.init_from_env()
    name = [RunFolder.create(args.out, model).path.name if ddp.is_main() else None]
    if ddp.world_size() > 1:
        import torch.distributed as dist

        dist.broadcast_object_list(name, src=0)
    return Path(args.out) / name[0]


def run(args: argparse.Namespace) -> int:
    if args.resume and args.fork:
        raise GanforgeError("--resume continues a run, --fork starts a new one from it: pass one of them")
    if args.resume:
        family = family_named(RunFolder(args.resume).info()["family"])
    elif args.fork:
        family = family_named(fork_source(args.fork)[0].info()["family"])
    else:
        args.model = args.model or "dcgan"
        family = family_of_model(args.model)
    cfg = build_config(family, args)
    if args.resume:
        check_resume_config(Path(args.resume), cfg, args.overrides)
    if args.fork and not same_config(read_metadata(fork_source(args.fork)[1]).get("model_config"), cfg.model):
        raise GanforgeError("a fork keeps its parent's model (its weights are the starting point); change train.* "
                            "or loss.* keys with --set, not model.*")
    run_dir = new_run_dir(args, cfg.model.name)
    if args.fork:
        start_fork(args, run_dir)
    try:
        trainer = family.trainer(cfg, run_dir, quiet=args.quiet)
    except Exception:   # e.g. unreadable data: leave no empty run folder behind
        if not args.resume and ddp.is_main() and run_dir.is_dir() and not any(run_dir.iterdir()):
            run_dir.rmdir()
        raise
    resumed = bool(args.resume or args.fork) and trainer.resume()
    if args.fork and trainer.total is not None and trainer.step >= trainer.total:
        import shutil

        shutil.rmtree(run_dir)   # made by this command a moment ago: nothing of the user's is in it
        raise GanforgeError(f"the fork starts at step {trainer.step}, which is already its last; pass --steps N "
                            f"with N above {trainer.step}")
    if trainer.main and not args.quiet:
        what = f"{'forking' if args.fork else 'resuming'} at step {trainer.step}:" if resumed else "training"
        print(f"{what} {family.describe(trainer)}; run folder: {run_dir}", file=sys.stderr)
        if trainer.resume_changes:
            print(f"resume: the config's values replace the checkpoint's: {', '.join(trainer.resume_changes)}",
                  file=sys.stderr)
    path = trainer.fit(resume=bool(args.resume or args.fork))
    if trainer.main and not args.quiet:
        print("\n".join([f"done: step {trainer.step}", *family.done_lines(trainer, run_dir, path)]))
    ddp.shutdown()
    return 0

"""Model families (image, text, 2D toy, ...): what each one gives the engine, the CLI, the API and the studio.

A family is one folder (``ganforge/image``, ``ganforge/text`` ...) whose ``family.py`` defines a
:class:`Family` subclass and registers it with ``@register_family``. Everything that works "for
any model" dispatches through this registry:

- ``ganforge train NAME`` finds the family that knows model NAME, builds its config (defaults <-
  model defaults <- YAML <- flags <- ``--set``), creates its :class:`~ganforge.engine.loop.Task`
  and runs the engine's :class:`~ganforge.engine.loop.Trainer`;
- ``ganforge.load(RUN)`` reads the family from the checkpoint and returns its pipeline
  (``.sample(n, seed=...)`` and ``.save(samples, path)``);
- ``ganforge.list_models()`` / ``ganforge models`` and ``ganforge.create_model(NAME)`` span all families;
- ``ganforge sample`` / ``interpolate`` / ``eval`` call the family's commands;
- the studio reads runs of any family through :mod:`ganforge.engine.run_folder`.

Family modules are imported on first use (:func:`load_families`), so a lower layer (the metrics
core) can hold a registry that families fill without importing them.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Type

from ganforge.errors import GanforgeError
from ganforge.registry import Registry

# each family module registers its family and imports what it adds to the shared registries (its metrics,
# feature extractors and sample sources)
FAMILY_MODULES = ["ganforge.image.family", "ganforge.text.family", "ganforge.toy2d.family",
                  "ganforge.translation.family", "ganforge.video.family", "ganforge.music.family",
                  "ganforge.audio.family", "ganforge.text2image.family"]
_loaded = _done = False
_lock = threading.RLock()


def load_families() -> None:
    """Import every family module so that it registers itself (once). Thread-safe: a second thread (two studio
    requests at once) waits until the first has imported them all; the importing thread's own nested calls return."""
    global _loaded, _done
    if _done:
        return
    with _lock:
        if not _loaded:
            _loaded = True
            for module in FAMILY_MODULES:
                importlib.import_module(module)
            _done = True


FAMILIES = Registry("model family", discover=load_families)


def register_family(cls: Type["Family"]) -> Type["Family"]:
    """Class decorator: register one instance of a Family subclass under its ``name``."""
    FAMILIES.register(cls.name)(cls())
    return cls


class Family:
    """The interface of a family. Subclasses set the class attributes and override what they support."""

    name: str = ""
    description: str = ""
    config_class: Type[Any]                 # the run config dataclass (model, data, train, ...)
    train_flags: Dict[str, str] = {}        # CLI dest -> config key it sets ("loss" -> "loss.name")
    added_sections: Tuple[str, ...] = ()    # config sections newer than some runs: a config.yaml without one resumes
    sample_suffix = ".png"                  # default file of `ganforge sample`

    # ------------------------------------------------------------------ models
    def models(self) -> List[str]:
        raise NotImplementedError

    def model_defaults(self, model: str) -> Dict[str, Any]:
        """Config keys a model sets before the user's (e.g. RelGAN's learning rates)."""
        return {}

    def create_model(self, name: str, **config: Any):
        raise GanforgeError(f"the {self.name} family cannot build models outside a run; train one with "
                            f"`ganforge train {name}`")

    # ------------------------------------------------------------------ training
    def add_flags(self, parser: argparse.ArgumentParser) -> None:
        """Add this family's own `ganforge train` flags (their dests go in ``train_flags``)."""

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        """The config keys that the command-line flags set (only the flags given)."""
        return {"train": shared_train_keys(args)}

    def resume_overrides(self, args: argparse.Namespace, saved: Dict[str, Any]) -> Dict[str, Any]:
        """Config keys that flags may change when a run is resumed: the step count and the time budget."""
        keys = {"steps": args.steps, "max_minutes": args.max_minutes}
        return {"train": {k: v for k, v in keys.items() if v is not None}}

    def finish_config(self, cfg: Any, data: Dict[str, Any], args: argparse.Namespace) -> Any:
        """Last look at a new run's config (e.g. ``--conditional`` counts the data's classes)."""
        return cfg

    def trainer(self, cfg: Any, run_dir: Path, quiet: bool = False):
        """The engine's Trainer for this config (with the family's evaluation hooks)."""
        raise NotImplementedError

    def describe(self, trainer) -> str:
        """One line printed when training starts."""
        return f"training {trainer.cfg.model.name} on {trainer.device}"

    def done_lines(self, trainer, run_dir: Path, checkpoint: Path) -> List[str]:
        """What `ganforge train` prints at the end: the newest samples, the checkpoint, then ``next_steps``."""
        samples = [p for _, p in trainer.run.sample_files()]
        return [f"  samples:     {samples[-1] if samples else '-'}", f"  checkpoint:  {checkpoint}",
                f"  TensorBoard: tensorboard --logdir {run_dir / 'tb'}", *self.next_steps(run_dir)]

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  sample more: ganforge sample {run_dir} --out samples{self.sample_suffix}"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors: Dict[str, Any], meta: Dict[str, Any], device: str = "cpu"):
        """The pipeline of a checkpoint: ``.sample(n, seed=...)``, ``.save(samples, path)``, ``.step``, ``.source``."""
        raise NotImplementedError

    def sample_command(self, args: argparse.Namespace) -> int:
        raise GanforgeError(f"runs of the {self.name} family cannot be sampled by this ganforge yet")

    def interpolate_command(self, args: argparse.Namespace) -> int:
        raise GanforgeError(f"runs of the {self.name} family have no latent space to walk; "
                            "`ganforge interpolate` takes image runs")

    def evaluate_command(self, args: argparse.Namespace) -> Optional[int]:
        """``ganforge eval`` of a run of this family (None: the generic evaluation of samples)."""
        raise GanforgeError(f"runs of the {self.name} family cannot be evaluated by this ganforge yet")


def shared_train_keys(args: argparse.Namespace) -> Dict[str, Any]:
    """``train.*`` keys set by the flags every family shares (only those given)."""
    keys = {"max_minutes": args.max_minutes, "batch_size": args.batch_size, "seed": args.seed,
            "device": args.device, "precision": args.precision, "eval_every": args.eval_every}
    return {k: v for k, v in keys.items() if v is not None}


def folder_run_flags(args: argparse.Namespace, loss: bool = True, conditional: bool = True) -> Dict[str, Any]:
    """The config keys of a `ganforge train MODEL --data FOLDER` run of a family whose data is a folder: the model,
    the shared ``train.*`` keys, ``data.dir``, the step or time budget (a time budget alone: no step limit) and,
    when the family takes them, ``--loss`` and ``--conditional``."""
    out: Dict[str, Any] = {"model": {"name": args.model}, "train": shared_train_keys(args)}
    folder = args.data_dir or args.data
    if folder:
        out["data"] = {"dir": folder}
    if args.steps is not None:
        out["train"]["steps"] = args.steps
    elif args.max_minutes:
        out["train"]["steps"] = 0
    if loss and getattr(args, "loss", None):
        out["loss"] = {"name": args.loss}
    if conditional and getattr(args, "conditional", False):
        out["model"]["conditional"] = True
    return out


# ---------------------------------------------------------------------- looking families up
def all_models() -> Dict[str, str]:
    """model name -> family name, over every registered family."""
    return {m: name for name in FAMILIES.names() for m in FAMILIES.get(name).models()}


def family_of_model(name: str) -> Family:
    models = all_models()
    if name not in models:
        close = difflib.get_close_matches(name, list(models), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise GanforgeError(f"unknown model {name!r}: {hint}choose one of {', '.join(sorted(models))}")
    return FAMILIES.get(models[name])


def family_named(name: Any) -> Family:
    if not isinstance(name, str) or name not in FAMILIES:
        raise GanforgeError(f"this run is of model family {name!r}, which this ganforge does not know; "
                            "upgrade ganforge")
    return FAMILIES.get(name)


def family_of_run(target: str | Path) -> Family:
    """The family of a run folder (its run.json) or of a checkpoint file (its header)."""
    from ganforge.engine.checkpoint import read_metadata
    from ganforge.engine.run_folder import run_folder_of

    target = Path(target)
    run = run_folder_of(target)
    if target.is_file() and not run.is_run():
        return family_named(read_metadata(target).get("family"))
    return family_named(run.info()["family"])


def load(target: str | Path, device: str = "cpu"):
    """The sampling pipeline of a run folder or checkpoint, whatever its family."""
    from ganforge.engine.checkpoint import load_checkpoint
    from ganforge.engine.run_folder import find_checkpoint

    from ganforge.engine.distributed import pick_device

    pick_device(device)                      # --device cuda without a GPU, or a typo: one line
    path = find_checkpoint(target)
    tensors, meta = load_checkpoint(path)
    return family_named(meta.get("family")).load(path, tensors, meta, device=device)


def list_models() -> List[str]:
    return sorted(all_models())


def create_model(name: str = "dcgan", **config: Any):
    """Build a registered model of any family: ``create_model("dcgan", image_size=32, num_classes=10)``."""
    return family_of_model(name).create_model(name, **config)

"""Checkpoints: one safetensors file per checkpoint, JSON metadata in its header, written atomically.

A checkpoint holds tensors (model weights, EMA weights, optimizer moments, RNG state) plus JSON
metadata (format, family, model config, step, optimizer hyper-parameters, Python/NumPy RNG
state). It is written to a temporary file in the same folder, flushed to disk and renamed over the
final name, so a write killed half-way leaves the previous checkpoints intact and loadable.
Nothing is ever unpickled.
"""
from __future__ import annotations

import contextlib

import json
import random
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ganforge.errors import CheckpointError, GanforgeError
from ganforge.files import atomic_write

FORMAT = "ganforge-checkpoint/1"
_STEP_FILE = re.compile(r"^step_(\d+)\.safetensors$")
M = TypeVar("M", bound=torch.nn.Module)


def save_checkpoint(path: Path, tensors: Dict[str, torch.Tensor], meta: Dict[str, Any]) -> None:
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    header = {"ganforge": json.dumps({"format": FORMAT, **meta})}
    try:
        atomic_write(Path(path), lambda tmp: save_file(tensors, str(tmp), metadata=header))
    except (SafetensorError, OSError) as exc:   # a full disk, a file-size limit, a folder gone read-only
        reason = getattr(exc, "strerror", None) or str(exc).split(": ", 1)[-1]
        raise CheckpointError(f"could not write checkpoint {path} ({reason}); the disk is full or not writable: "
                              "free space, then resume the run (its earlier checkpoints are kept)") from None


def read_metadata(path: Path) -> Dict[str, Any]:
    from safetensors import safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} is truncated or not a safetensors file ({exc}); "
                              "resume from an earlier checkpoint in the same folder") from None
    if "ganforge" not in header:
        raise CheckpointError(f"{path} is a safetensors file but not a ganforge checkpoint; "
                              "pass a checkpoint written by `ganforge train`")
    meta = json.loads(header["ganforge"])
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} has checkpoint format {meta.get('format')!r}, expected {FORMAT!r}; "
                              "upgrade ganforge")
    return meta


def load_checkpoint(path: Path) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    meta = read_metadata(path)
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt ({exc}); "
                              "resume from an earlier checkpoint in the same folder") from None
    return tensors, meta


def prefixed(prefix: str, state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return {f"{prefix}.{k}": v for k, v in state.items()}


def unprefixed(prefix: str, tensors: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    start = prefix + "."
    return {k[len(start):]: v for k, v in tensors.items() if k.startswith(start)}


def misfit(module: torch.nn.Module, state: Dict[str, torch.Tensor]) -> Optional[str]:
    """What keeps ``state`` from loading into ``module`` (a missing, unexpected or misshapen key), or None."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = [k for k in own if k in state and own[k].shape != state[k].shape]
    if missing:
        return f"missing {missing[0]}"
    if unexpected:
        return f"unexpected {unexpected[0]}"
    if wrong:
        return f"{wrong[0]} has shape {tuple(state[wrong[0]].shape)}, model has {tuple(own[wrong[0]].shape)}"
    return None


def load_module_state(module: torch.nn.Module, state: Dict[str, torch.Tensor], what: str, path: Path) -> None:
    """Load weights, turning a shape or key mismatch into a one-line CheckpointError."""
    detail = misfit(module, state)
    if detail:
        raise CheckpointError(f"{path} does not fit this {what} ({detail}); it was written by another model "
                              "or config: use the run's own config.yaml")
    module.load_state_dict(state)


@contextlib.contextmanager
def _no_power_iterations():
    """Spectral norm's 15 power iterations at construction run as slow Python reference ops on the meta device
    (3 s for BigGAN-lite's 30 layers) and change no shape: the shape probe skips them."""
    from torch.nn.utils import parametrizations

    cls = getattr(parametrizations, "_SpectralNorm", None)
    original = getattr(cls, "_power_method", None)
    if original is None:
        yield
        return
    cls._power_method = lambda self, weight_mat, n_power_iterations: None
    try:
        yield
    finally:
        cls._power_method = original


def build_checked(build: Callable[[], M], tensors: Dict[str, torch.Tensor], parts: Dict[str, str],
                  path: Path) -> M:
    """``build()`` a model from a checkpoint's own config, once its shapes are known to fit the checkpoint.

    The model is first built on the meta device (nothing allocated) and each sub-module named in
    ``parts`` (attribute path -> tensor prefix; ``""`` = the model itself) is compared with the
    saved tensors, so a config that claims a model far larger than the file (a crafted or corrupt
    header) is a one-line CheckpointError instead of an out-of-memory."""
    try:
        with torch.device("meta"), _no_power_iterations():
            probe = build()
    except (GanforgeError, ValueError, RuntimeError, OverflowError, MemoryError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path} has a model config that does not build ({first}); the checkpoint is "
                              "corrupt or was written by another ganforge") from None
    for name, prefix in parts.items():
        state = unprefixed(prefix, tensors)
        detail = misfit(probe.get_submodule(name), state)
        if detail:
            raise CheckpointError(f"{path} holds tensors that do not fit its own model config ({detail}); the "
                                  "checkpoint is corrupt or was edited: use another checkpoint of the run")
    return build()


# ----------------------------------------------------------------------------- optimizer state
def optimizer_tensors(opt: torch.optim.Optimizer, prefix: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    """Split an optimizer state dict into tensors (moments, step) and JSON (param groups)."""
    sd = opt.state_dict()
    tensors: Dict[str, torch.Tensor] = {}
    scalars: Dict[str, Any] = {}
    for pid, state in sd["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{pid}.{key}"] = value
            else:
                scalars[f"{pid}.{key}"] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def restore_optimizer(opt: torch.optim.Optimizer, prefix: str, tensors: Dict[str, torch.Tensor],
                      meta: Dict[str, Any]) -> None:
    state: Dict[int, Dict[str, Any]] = {}
    start = prefix + "."
    for name, value in tensors.items():
        if name.startswith(start):
            pid, key = name[len(start):].split(".", 1)
            state.setdefault(int(pid), {})[key] = value
    for name, value in meta["scalars"].items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    # safetensors stores tensors contiguous: give moments back their parameter's memory layout
    # (e.g. channels-last), so that the resumed update runs the very same kernels
    for group in opt.param_groups:
        for param in group["params"]:
            for key, value in opt.state.get(param, {}).items():
                if torch.is_tensor(value) and value.shape == param.shape:
                    opt.state[param][key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


# ----------------------------------------------------------------------------- RNG state
def rng_state() -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    np_state = np.random.get_state()
    meta = {"python": [random.getstate()[0], list(random.getstate()[1]), random.getstate()[2]],
            "numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]]}
    return tensors, meta


def restore_rng(tensors: Dict[str, torch.Tensor], meta: Dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    version, internal, gauss = meta["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, *rest = meta["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), *rest))


# ----------------------------------------------------------------------------- files in a run
def checkpoint_files(folder: Path) -> List[Path]:
    """Checkpoints in ``folder`` sorted by step (temporary files ignored)."""
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _STEP_FILE.match(p.name))]
    return [p for _, p in sorted(found)]


def checkpoint_path(folder: Path, step: int) -> Path:
    return folder / f"step_{step:07d}.safetensors"


def prune(folder: Path, keep: int, protect: Optional[Path] = None) -> None:
    files = checkpoint_files(folder)
    for path in files[:-keep] if keep > 0 else []:
        if path != protect:
            path.unlink(missing_ok=True)


def remove_temporaries(folder: Path) -> int:
    """Delete the temporary files of checkpoint writes that were killed half-way (call it holding the run's lock:
    no other process writes there then); returns how many."""
    stale = list(folder.glob(".*.safetensors.tmp*")) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def latest_loadable(folder: Path) -> Optional[Path]:
    """The newest checkpoint whose header reads; a truncated newest one falls back to the one before."""
    for path in reversed(checkpoint_files(folder)):
        try:
            read_metadata(path)
            return path
        except CheckpointError:
            continue
    return None


def load_generator_model(path: Path, tensors: Dict[str, torch.Tensor], meta: Dict[str, Any], family: str,
                         build: Callable[[], M], use_ema: bool = True) -> M:
    """A family's model, built from its checkpoint config by ``build()`` and checked against the file, with the
    generator's weights (the EMA copy when there is one and ``use_ema``) loaded; refuses another family's file."""
    if meta.get("family") != family:
        raise CheckpointError(f"{path} holds a {meta.get('family')} model; use the command for that family")
    prefix = "ema" if use_ema and meta.get("ema") else "generator"
    model = build_checked(build, tensors, {"generator": prefix}, path)
    load_module_state(model.generator, unprefixed(prefix, tensors), "generator", path)
    return model

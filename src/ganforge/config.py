"""Typed run configuration: dataclasses loaded from YAML and ``--set a.b=value`` overrides.

Every key is checked: an unknown key fails listing the valid ones, a value of the wrong type or
outside its range fails naming the key, the allowed values and the fix. The resolved config is
saved as ``config.yaml`` in every run folder, so a run can always be reproduced and resumed.

The generic loader (:func:`from_dict`) serves any config dataclass; other model families (text,
music) define their own dataclasses and reuse it.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Type, TypeVar

import yaml

from .errors import ConfigError

T = TypeVar("T")


def option(default: Any, *, min: Optional[float] = None, max: Optional[float] = None,
           choices: Optional[Iterable[Any]] = None, help: str = "") -> Any:
    """A dataclass field with a default, an allowed range or set of choices and a help text."""
    meta = {"min": min, "max": max, "choices": tuple(choices) if choices else None, "help": help}
    return field(default=default, metadata=meta)


# --------------------------------------------------------------------------- image family config
@dataclass
class DataConfig:
    name: str = option("embedded", help="embedded (MNIST test split in the package), mnist, "
                       "fashion-mnist, or folder")
    dir: Optional[str] = option(None, help="folder holding the data files (default: $GANFORGE_DATA "
                                "or the download cache); for name=folder, the image folder")
    split: str = option("train", choices=("train", "test"))
    download: bool = option(False, help="download missing files from the canonical source")
    mirror: Optional[str] = option(None, help="base URL or folder to download from instead")
    limit: int = option(0, min=0, help="use only the first N images (0 = all)")


@dataclass
class ModelConfig:
    name: str = option("dcgan", help="a registered model: see `ganforge models`")
    latent_dim: int = option(100, min=1)
    image_size: int = option(28, min=8)
    channels: int = option(1, choices=(1, 3))
    num_classes: int = option(0, min=0, help="> 0 makes the model class-conditional")
    width: int = option(64, min=1, help="base channel count (DCGAN) / first hidden size (MLP)")
    spectral_norm: bool = option(False, help="spectral normalisation on discriminator layers")
    dropout: float = option(0.3, min=0.0, max=0.95, help="discriminator dropout (MLP GAN)")
    conditioning: str = option("projection", choices=("projection", "concat"),
                               help="how a conditional discriminator sees the label")
    pack: int = option(1, min=1, help="PacGAN (Lin et al. 2018): the discriminator judges this many samples "
                       "jointly, stacked along channels; unconditional models only; batch_size must divide")


@dataclass
class LossConfig:
    name: str = option("nonsaturating", help="a registered loss: see `ganforge losses`")
    gp_weight: float = option(10.0, min=0.0, help="gradient penalty weight (wgan-gp)")
    clip_value: float = option(0.01, min=0.0, help="weight clipping bound (wgan)")
    r1_weight: float = option(0.0, min=0.0, help="R1 penalty on real data (0 = off)")


@dataclass
class TrainConfig:
    steps: int = option(2000, min=0, help="generator steps (0 = no limit: stop at max_minutes)")
    max_minutes: float = option(0.0, min=0.0, help="stop after this wall time (0 = no limit)")
    batch_size: int = option(64, min=1)
    lr_g: float = option(2e-4, min=0.0)
    lr_d: float = option(2e-4, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.999, min=0.0, max=1.0)
    d_steps: int = option(1, min=1, help="discriminator steps per generator step")
    lr_decay_steps: int = option(0, min=0, help="decay both learning rates linearly to zero over the last N of "
                                               "train.steps (0 = constant)")
    ema_decay: float = option(0.999, min=0.0, max=1.0, help="EMA of G weights (0 = off)")
    seed: int = option(0, min=0)
    log_every: int = option(25, min=1)
    sample_every: int = option(500, min=1, help="sample grid (PNG + TensorBoard) every N steps")
    checkpoint_every: int = option(500, min=1)
    keep_checkpoints: int = option(3, min=1, help="keep the last K checkpoints")
    device: str = option("auto", help="auto, cpu, cuda or cuda:N")
    precision: str = option("auto", choices=("auto", "fp32", "bf16", "fp16"),
                            help="auto: bf16 where the hardware runs it natively, else fp32; fp16 (CUDA) "
                                 "uses loss scaling")
    threads: int = option(0, min=0, help="CPU threads (0 = torch default)")
    channels_last: bool = option(True, help="channels-last memory layout for convolutional models")
    compile: bool = option(False, help="torch.compile the generator and discriminator (pays on long runs)")
    eval_every: int = option(0, min=0, help="score samples every N steps into metrics.jsonl (0 = off)")
    eval_metrics: str = option("fid", help="metrics for eval_every, the first picks the best checkpoint")
    eval_samples: int = option(2000, min=10, help="samples scored at each evaluation")
    eval_ref: str = option("auto", help="reference for eval_every (auto: the data set's test split)")


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


# --------------------------------------------------------------------------- generic loader
def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp).replace("typing.", ""))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"config key {key!r} must be a mapping of {_type_name(tp)} fields, got {value!r}")
        return from_dict(tp, value, prefix=key + ".")
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif origin in (list, tuple) and isinstance(value, (list, tuple)):
        (inner, *_) = typing.get_args(tp) or (Any,)
        return origin(_coerce(v, inner, key) if inner is not Any else v for v in value)
    elif tp is Any:
        return value
    raise ConfigError(f"config key {key!r} must be {_type_name(tp)}, got {value!r}; fix the value")


def _check_range(f: dataclasses.Field, value: Any, key: str) -> None:
    meta = f.metadata
    if value is None:
        return
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"config key {key!r} is {value!r}; choose one of {', '.join(map(str, meta['choices']))}")
    if meta.get("min") is not None and value < meta["min"]:
        raise ConfigError(f"config key {key!r} is {value!r}; it must be >= {meta['min']}")
    if meta.get("max") is not None and value > meta["max"]:
        raise ConfigError(f"config key {key!r} is {value!r}; it must be <= {meta['max']}")


def from_dict(cls: Type[T], data: Dict[str, Any], prefix: str = "") -> T:
    """Build dataclass ``cls`` from a (nested) dict, checking keys, types and ranges."""
    if not isinstance(data, dict):
        raise ConfigError(f"config {prefix.rstrip('.') or 'file'} must be a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise ConfigError(f"unknown config key '{prefix}{unknown[0]}'; valid keys: "
                          f"{', '.join(prefix + k for k in fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(value, hints[name], prefix + name)
        _check_range(fields[name], kwargs[name], prefix + name)
    return cls(**kwargs)


def to_dict(cfg: Any) -> Dict[str, Any]:
    return dataclasses.asdict(cfg)


def parse_overrides(pairs: Iterable[str]) -> Dict[str, Any]:
    """Turn ``["train.lr_g=1e-4", "model.name=mlp"]`` into a nested dict (values parsed as YAML)."""
    out: Dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"override {pair!r} is not KEY=VALUE; write e.g. --set train.lr_g=1e-4")
        key, raw = pair.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw != "" else ""
        except yaml.YAMLError:
            value = raw
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {pair!r} conflicts with another override of {part!r}")
        node[parts[-1]] = value
    return out


def merge(base: Dict[str, Any], update: Dict[str, Any]) -> Dict[str, Any]:
    """Deep-merge ``update`` into a copy of ``base``."""
    out = dict(base)
    for k, v in update.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def read_yaml(path: str | Path) -> Dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist; check the path")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"config file {path} is not valid YAML ({first}); fix its syntax") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of sections, got {type(data).__name__}")
    return data


def load_config(cls: Type[T], path: Optional[str | Path] = None, overrides: Iterable[str] = (),
                base: Optional[Dict[str, Any]] = None) -> T:
    """Defaults <- ``base`` dict <- YAML file <- ``--set`` overrides, checked at every key."""
    data: Dict[str, Any] = dict(base or {})
    if path is not None:
        data = merge(data, read_yaml(path))
    data = merge(data, parse_overrides(overrides))
    return from_dict(cls, data)


def save_yaml(cfg: Any, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")


def same_config(saved: Any, current: Any) -> bool:
    """Whether a config dict saved in a checkpoint equals the dataclass ``current``; keys that were added to the
    dataclass after the checkpoint was written take their defaults (so old runs stay resumable)."""
    if not isinstance(saved, dict):
        return False
    try:
        return dataclasses.asdict(from_dict(type(current), saved)) == dataclasses.asdict(current)
    except ConfigError:
        return False

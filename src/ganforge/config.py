"""Typed run configuration: dataclasses loaded from YAML and ``--set a.b=value`` overrides.

Every key is checked: an unknown key fails listing the valid ones, a value of the wrong type or
outside its range fails naming the key, the allowed values and the fix. The resolved config is
saved as ``config.yaml`` in every run folder, so a run can always be reproduced and resumed.

This module is the generic loader (:func:`from_dict`); each family defines its own dataclasses
(``ganforge.image.config``, ``ganforge.text.config``) and the engine's shared training keys live in
``ganforge.engine.config``. Numbers must be finite: ``.nan`` or ``.inf`` in a YAML file or an
override is an error naming the key.
"""
from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import field
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Type, TypeVar

import yaml

from ganforge.errors import ConfigError

T = TypeVar("T")


def option(default: Any, *, min: Optional[float] = None, max: Optional[float] = None,
           choices: Optional[Iterable[Any]] = None, help: str = "") -> Any:
    """A dataclass field with a default, an allowed range or set of choices and a help text."""
    meta = {"min": min, "max": max, "choices": tuple(choices) if choices else None, "help": help}
    return field(default=default, metadata=meta)


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
        if isinstance(value, str):   # YAML 1.1 reads 1e-5 (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ConfigError(f"config key {key!r} is {value!r}; it must be a finite number")
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


def to_yaml(cfg: Any) -> str:
    return yaml.safe_dump(to_dict(cfg), sort_keys=False)


def save_yaml(cfg: Any, path: str | Path) -> None:
    """Write a config as YAML, atomically (a killed write leaves the previous file)."""
    from ganforge.files import atomic_write_text

    atomic_write_text(Path(path), to_yaml(cfg))


def same_config(saved: Any, current: Any) -> bool:
    """Whether a config dict saved in a checkpoint equals the dataclass ``current``; keys that were added to the
    dataclass after the checkpoint was written take their defaults (so old runs stay resumable)."""
    if not isinstance(saved, dict):
        return False
    try:
        return dataclasses.asdict(from_dict(type(current), saved)) == dataclasses.asdict(current)
    except ConfigError:
        return False

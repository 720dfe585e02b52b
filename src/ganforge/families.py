"""Model families (image, text, music ...): how the CLI finds who trains and samples a model.

A family registers the names of its models and the functions that run its commands. ``ganforge
train NAME`` asks each family whether it knows NAME; ``ganforge sample RUN`` reads the family
from the run's ``run.json``. Adding a family is one module that calls :func:`register_family`.
"""
from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

from .errors import GanforgeError


@dataclass
class Family:
    name: str
    models: Callable[[], List[str]]
    train: Callable[[argparse.Namespace], int]
    sample: Optional[Callable[[argparse.Namespace], int]] = None
    evaluate: Optional[Callable[[argparse.Namespace], int]] = None


FAMILIES: Dict[str, Family] = {}


def register_family(family: Family) -> Family:
    FAMILIES[family.name] = family
    return family


def all_models() -> Dict[str, str]:
    """model name -> family name, over every registered family."""
    return {m: f.name for f in FAMILIES.values() for m in f.models()}


def family_of_model(name: str) -> Family:
    models = all_models()
    if name not in models:
        close = difflib.get_close_matches(name, list(models), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise GanforgeError(f"unknown model {name!r}: {hint}choose one of {', '.join(sorted(models))}")
    return FAMILIES[models[name]]


def family_named(name: str) -> Family:
    if name not in FAMILIES:
        raise GanforgeError(f"this run is of model family {name!r}, which this ganforge does not know; "
                            "upgrade ganforge")
    return FAMILIES[name]


FAMILY_MODULES = ["ganforge.cli.image", "ganforge.cli.text"]


def load_families() -> None:
    """Import every family module so that it registers itself."""
    import importlib

    for module in FAMILY_MODULES:
        importlib.import_module(module)

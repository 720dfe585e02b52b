"""The model registry: ``@register_model``, ``create_model`` and ``list_models`` (as in timm).

A model may declare the config it trains best with as a ``defaults`` attribute of its factory
(``{"loss": {"name": "hinge"}, "train": {...}}``): ``ganforge train`` and the studio apply it under the
user's YAML, flags and ``--set`` (:func:`model_defaults`).
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Any, Dict, List, Optional

from ganforge.config import from_dict
from ganforge.image.config import ModelConfig
from ganforge.registry import Registry

MODELS = Registry("model")
register_model = MODELS.register


def create_model(name: Optional[str] = None, config: Optional[ModelConfig] = None, **overrides: Any):
    """Build a registered model: ``create_model("dcgan", image_size=32, channels=3, num_classes=10)``."""
    cfg = config or ModelConfig()
    if name is not None:
        overrides["name"] = name
    if overrides:
        cfg = from_dict(ModelConfig, {**dataclasses.asdict(cfg), **overrides})
    return MODELS.create(cfg.name, cfg)


def list_models() -> List[str]:
    return MODELS.names()


def model_defaults(name: Optional[str]) -> Dict[str, Dict[str, Any]]:
    """The config sections a model recommends (its factory's ``defaults``; {} for most models and unknown names)."""
    if not name or name not in MODELS.names():
        return {}
    return copy.deepcopy(getattr(MODELS.get(name), "defaults", {}))

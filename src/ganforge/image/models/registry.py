"""The model registry: ``@register_model``, ``create_model`` and ``list_models`` (as in timm)."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional

from ganforge.config import from_dict
from ganforge.image.config import ModelConfig
from ganforge.registry import Registry

MODELS = Registry("model")
register_model = MODELS.register
_DEFAULTS: Dict[str, Dict[str, Any]] = {}


def set_model_defaults(name: str, sections: Dict[str, Any]) -> None:
    """Config keys a model starts from before the user's (``ganforge train NAME``): e.g. StyleGAN2's Adam betas."""
    _DEFAULTS[name] = sections


def model_defaults(name: Optional[str]) -> Dict[str, Any]:
    return _DEFAULTS.get(name or "", {})


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

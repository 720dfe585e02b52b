"""Ablation and insertion: switch units off or on (everywhere or in a region) and measure what changes.

An :class:`Intervention` sets units of one layer to a value: 0 switches them off (ablation), each unit's
typical high activation (its mean above threshold, :attr:`LayerResult.on_values`) switches them on
(insertion, as GANPaint does). A region (a mask at image size, e.g. a brush stroke) is shrunk to the
layer's size by area averaging and blends the change in: ``a' = a * (1 - r) + value * r``, so a unit
is fully set where the region covers its whole cell and untouched outside it.

:func:`measure` generates the same latents with and without the interventions and reports, per
concept, the share of pixels in it (inside the region when there is one) and the share of images
that have any, plus for 28x28 digits the shipped MNIST classifier's labels: how many changed, and how
many still match the class a conditional model was asked for. :func:`unit_study` compares the top
units of a concept with random draws of as many units of the same layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ganforge.errors import GanforgeError
from ganforge.image.data.images import to_unit_range
from ganforge.image.dissect.concepts import Segmenter
from ganforge.image.dissect.units import Dissection, generate_with_maps


@dataclass
class Intervention:
    layer: str
    units: Sequence[int]
    values: torch.Tensor                 # one value per unit (0 = off)
    region: Optional[torch.Tensor] = None  # float/bool [H, W] at image size, or [N, H, W]; None = everywhere

    def apply(self, out: torch.Tensor) -> torch.Tensor:
        units = torch.as_tensor(list(self.units), dtype=torch.long, device=out.device)
        if len(units) == 0:
            return out
        out = out.clone()
        value = self.values.to(out.device, out.dtype)[None, :, None, None]
        if self.region is None:
            out[:, units] = value.expand(out.shape[0], -1, *out.shape[2:])
            return out
        r = self.region.float()
        r = r[None, None] if r.dim() == 2 else r[:, None]
        r = F.interpolate(r, size=out.shape[2:], mode="area").to(out.device, out.dtype)
        out[:, units] = out[:, units] * (1 - r) + value * r
        return out


def ablate(layer: str, units: Sequence[int], region=None) -> Intervention:
    return Intervention(layer, list(units), torch.zeros(len(units)), region)


def insert(d: Dissection, layer: str, units: Sequence[int], region=None, strength: float = 1.0) -> Intervention:
    """Switch ``units`` on at their typical high activation (times ``strength``)."""
    values = d.layers[layer].on_values[list(units)] * strength
    return Intervention(layer, list(units), values, region)


def generate(g, z: torch.Tensor, y: Optional[torch.Tensor], interventions: Sequence[Intervention] = (),
             batch_size: int = 100) -> torch.Tensor:
    """Images (uint8) of latents ``z`` with the interventions applied."""
    by_layer: Dict[str, List[Intervention]] = {}
    for iv in interventions:
        by_layer.setdefault(iv.layer, []).append(iv)

    def edit(name: str, out: torch.Tensor) -> torch.Tensor:
        for iv in by_layer.get(name, ()):
            out = iv.apply(out)
        return out

    images, _ = generate_with_maps(g.generator, z, y, list(by_layer), batch_size, edit=edit)
    return images


class LabelReader:
    """A domain classifier's labels for 28x28 grayscale images (the shipped MNIST one by default); ``None`` for
    other images, or when the run's data has no classifier (``for_data``)."""

    def __init__(self, weights: Optional[Path] = None, enabled: bool = True):
        self.weights, self.enabled, self._model = weights, enabled, None

    @classmethod
    def for_data(cls, data: Optional[str]) -> "LabelReader":
        """The classifier of a run's data set (``run.json``'s ``data``: mnist, embedded, fashion-mnist ...)."""
        from ganforge.image.metrics.classifier import DOMAINS, default_weights

        domain = (data or "").split(":")[0]
        if domain not in DOMAINS:
            return cls(enabled=False)
        path = default_weights(domain)
        return cls(path, enabled=path.is_file())

    def __call__(self, images: torch.Tensor) -> Optional[torch.Tensor]:
        if not self.enabled or tuple(images.shape[1:]) != (1, 28, 28):
            return None
        if self._model is None:
            from ganforge.image.metrics.classifier import default_weights, load_classifier

            self._model = load_classifier(self.weights or default_weights("mnist"))[0].eval()
        with torch.no_grad():
            return torch.cat([self._model(to_unit_range(images[s:s + 500]))[1].argmax(1)
                              for s in range(0, len(images), 500)])


def concept_stats(masks: np.ndarray, concepts: Sequence[str], region: Optional[np.ndarray]) -> Dict[str, Dict]:
    """Per concept: ``area`` (share of pixels, inside the region if any) and ``present`` (share of images with any)."""
    out = {}
    for k, c in enumerate(concepts):
        m = masks[:, k]
        if region is not None:
            m = m & region
            pixels = float(np.broadcast_to(region, m.shape).sum()) or 1.0
            area = float(m.sum()) / pixels
        else:
            area = float(m.mean())
        out[c] = {"area": area, "present": float(m.reshape(len(m), -1).any(1).mean())}
    return out


@dataclass
class Effect:
    before: Dict[str, Dict[str, float]]
    after: Dict[str, Dict[str, float]]
    labels_changed: Optional[float] = None
    matches_before: Optional[float] = None   # share of labels the classifier agrees with (conditional models)
    matches_after: Optional[float] = None
    images: Optional[torch.Tensor] = None    # the edited images (not in the JSON)

    def change(self, concept: str, key: str = "present") -> float:
        """Relative change of ``key`` of a concept (-0.6: 60 % fewer); 0 when there was none before."""
        b = self.before[concept][key]
        return (self.after[concept][key] - b) / b if b > 0 else 0.0

    def to_json(self) -> Dict[str, object]:
        return {"before": self.before, "after": self.after, "labels_changed": self.labels_changed,
                "matches_before": self.matches_before, "matches_after": self.matches_after}


class Baseline:
    """Seeded latents and their unedited images, masks and labels, shared by every intervention measured."""

    def __init__(self, g, segmenter: Segmenter, concepts: Sequence[str], samples: int, seed: int,
                 labels: Optional[int] = None, batch_size: int = 100, reader: Optional[LabelReader] = None):
        self.g, self.segmenter, self.concepts, self.batch_size = g, segmenter, list(concepts), batch_size
        self.z, self.y = g.draw(samples, labels, seed)
        self.images = generate(g, self.z, self.y, (), batch_size)
        self.masks = segmenter(self.images.numpy(), self.concepts)
        self.reader = reader or LabelReader()
        self.labels = self.reader(self.images)

    def measure(self, interventions: Sequence[Intervention], region: Optional[np.ndarray] = None) -> Effect:
        images = generate(self.g, self.z, self.y, interventions, self.batch_size)
        masks = self.segmenter(images.numpy(), self.concepts)
        effect = Effect(concept_stats(self.masks, self.concepts, region), concept_stats(masks, self.concepts, region),
                        images=images)
        labels = self.reader(images)
        if labels is not None and self.labels is not None:
            effect.labels_changed = float((labels != self.labels).float().mean())
            if self.y is not None:
                effect.matches_before = float((self.labels == self.y).float().mean())
                effect.matches_after = float((labels == self.y).float().mean())
        return effect


def unit_study(base: Baseline, d: Dissection, concept: str, mode: str = "ablate", units: int = 8, draws: int = 5,
               layer: Optional[str] = None, region: Optional[torch.Tensor] = None, seed: int = 0) -> Dict[str, object]:
    """Ablate (or insert) the top ``units`` of a concept, and ``draws`` random sets of as many units of the same
    layer; the JSON-ready result holds each effect and the relative change of the concept's presence and area."""
    if mode not in ("ablate", "insert"):
        raise GanforgeError(f"unknown intervention {mode!r}; use ablate or insert")
    layer = layer or d.best_layer(concept, units)
    channels = d.layers[layer].layer.channels
    if not 1 <= units <= channels:
        raise GanforgeError(f"cannot switch {units} units of layer {layer} ({channels} units); pass 1..{channels}")
    top = [u for u, _ in d.top_units(concept, layer, units)]
    make = (lambda us: ablate(layer, us, region)) if mode == "ablate" else (lambda us: insert(d, layer, us, region))
    where = None if region is None else region.numpy().astype(bool)
    top_effect = base.measure([make(top)], where)
    rng = np.random.default_rng(seed)
    random_sets = [sorted(int(u) for u in rng.choice(channels, units, replace=False)) for _ in range(draws)]
    random_effects = [base.measure([make(us)], where) for us in random_sets]
    others = [c for c in base.concepts if c != concept]

    def changes(e: Effect) -> Dict[str, object]:
        other = [e.change(c, "present") for c in others]
        return {"presence_change": e.change(concept, "present"), "area_change": e.change(concept, "area"),
                "others_presence_change": float(np.mean(other)) if other else None}

    return {"concept": concept, "mode": mode, "layer": layer, "units": top,
            "top": {**top_effect.to_json(), **changes(top_effect)},
            "random": [{"units": us, **e.to_json(), **changes(e)} for us, e in zip(random_sets, random_effects)],
            "top_images": top_effect.images, "random_images": [e.images for e in random_effects]}

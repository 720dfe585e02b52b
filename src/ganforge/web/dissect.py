"""The studio's Dissect page: paint a concept into a sample, GANPaint-style (Bau et al. 2019).

The page picks an image run and a concept, shows a seeded sample, and the person brushes a region on
it; ``POST /api/dissect/paint`` switches the concept's top units on (or off) in that region and
returns the new image. The top units come from a small dissection of the run
(:func:`ganforge.image.dissect.units.dissect` on ``SAMPLES`` samples), computed once per checkpoint
and kept in a small cache; runs and checkpoints are found and loaded through the Create page's
:class:`~ganforge.web.create.GeneratorCache` (image runs only). Interventions hook the generator's
modules, so requests that use a generator take turns.

    GET  /dissect                    the page
    POST /api/dissect/prepare        {run, checkpoint?} -> concepts, layers, top units, classes
    POST /api/dissect/paint          {run, concept, mask: [H*W numbers in 0..1], mode: on|off, seed, label?,
                                      units, strength} -> original and edited image, units, changes
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import torch
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.config import from_dict, option
from ganforge.errors import ConfigError, GanforgeError
from ganforge.image.dissect.intervene import ablate, concept_stats, generate, insert
from ganforge.image.dissect.report import data_uri
from ganforge.image.dissect.study import Subject, prepare
from ganforge.image.dissect.units import Dissection, dissect
from ganforge.media.images import make_grid
from ganforge.web.create import GeneratorCache
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import RunsFolder

SAMPLES = 256       # samples of the page's dissection (a few seconds for the README's DCGAN on a CPU)
QUANTILE = 0.04
SCALE = 8           # the images the page shows are this many times the model's size


@dataclass
class PrepareRequest:
    run: str = option("", help="run folder name under the studio's runs folder")
    checkpoint: Optional[int] = option(None, min=0)


@dataclass
class PaintRequest:
    run: str = option("")
    checkpoint: Optional[int] = option(None, min=0)
    concept: str = option("loop")
    mode: str = option("on", choices=("on", "off"), help="on: insert the concept's units; off: ablate them")
    seed: int = option(0, min=0, max=2**31 - 1)
    label: Optional[int] = option(None, min=0)
    units: int = option(8, min=1, max=4096)
    strength: float = option(1.0, min=0.0, max=20.0, help="insertion value as a multiple of the units' typical high")
    layer: Optional[str] = option(None, help="default: the layer whose top units match the concept best")
    mask: Tuple[float, ...] = option((), help="the brushed region, row by row, H*W numbers in 0..1")


class Dissections:
    """One small dissection per checkpoint (the newest few kept), and the lock every use of a generator takes."""

    def __init__(self, runs: RunsFolder, size: int = 2):
        self.generators = GeneratorCache(runs, size=size)
        self.size = size
        self._cache: "OrderedDict[str, Tuple[Subject, Dissection]]" = OrderedDict()
        self.lock = threading.Lock()

    def get(self, run: str, checkpoint: Optional[int]) -> Tuple[Subject, Dissection]:
        family = self.generators.runs.run_folder(run).info().get("family")
        if family != "image":
            raise GanforgeError(f"run {run!r} is a {family} run: GAN Dissection takes image runs (a dcgan or "
                                "upconv-dcgan)")
        g = self.generators.load(run, checkpoint)
        key = str(g.source)
        with self.lock:
            if key in self._cache and self._cache[key][0].g is g:   # the same load of the same checkpoint
                self._cache.move_to_end(key)
                return self._cache[key]
            subject = prepare(g)
            d = dissect(g, subject.segmenter, subject.concepts, subject.layers, SAMPLES, QUANTILE)
            self._cache[key] = (subject, d)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
            return subject, d

    def describe(self, run: str, checkpoint: Optional[int]) -> Dict[str, Any]:
        subject, d = self.get(run, checkpoint)
        g = subject.g
        return {"run": run, "step": g.step, "model": subject.model, "num_classes": g.num_classes,
                "image_size": list(d.images.shape[-2:]), "segmenter": subject.segmenter.name,
                "concepts": subject.concepts, "layers": [layer.describe() for layer in subject.layers],
                "top_units": {c: {"layer": (best := d.best_layer(c, 8)), "units": d.top_units(c, best, 8)}
                              for c in subject.concepts}}

    def paint(self, data: Dict[str, Any]) -> Dict[str, Any]:
        req = from_dict(PaintRequest, data)
        subject, d = self.get(req.run, req.checkpoint)
        g = subject.g
        if req.concept not in subject.concepts:
            raise GanforgeError(f"unknown concept {req.concept!r}; this run's segmenter {subject.segmenter.name!r} "
                                f"has {', '.join(subject.concepts)}")
        if req.label is not None and (not g.num_classes or req.label >= g.num_classes):
            raise GanforgeError(f"class {req.label} is out of range; this model has "
                                + (f"classes 0..{g.num_classes - 1}" if g.num_classes else "no classes (pick random)"))
        h, w = d.images.shape[-2:]
        region = mask_of(req.mask, h, w)
        layer = req.layer or d.best_layer(req.concept, req.units)
        if layer not in d.layers:
            raise GanforgeError(f"layer {layer!r} was not dissected; choose from {', '.join(d.layers)}")
        units = [u for u, _ in d.top_units(req.concept, layer, min(req.units, d.layers[layer].layer.channels))]
        if not bool((region > 0).any()):
            units = []   # nothing painted: the sample as it is
        change = (insert(d, layer, units, region, req.strength) if req.mode == "on" else ablate(layer, units, region))
        with self.lock:
            z, y = g.draw(1, req.label, req.seed)
            before = generate(g, z, y)
            after = generate(g, z, y, [change])
        masks = subject.segmenter(torch.cat([before, after]).numpy(), [req.concept])
        inside = region.numpy() > 0
        stats = [concept_stats(m[None, None], [req.concept], inside)[req.concept]["area"] for m in masks[:, 0]]
        moved = (before != after).any(1)[0].numpy()
        return {"layer": layer, "units": units, "concept": req.concept, "mode": req.mode,
                "label": None if y is None else int(y[0]), "seed": req.seed,
                "original": data_uri(make_grid(before, padding=0), SCALE),
                "edited": data_uri(make_grid(after, padding=0), SCALE),
                "area_before": stats[0], "area_after": stats[1],
                "changed_inside": int((moved & inside).sum()), "changed_outside": int((moved & ~inside).sum()),
                "painted": int(inside.sum())}


def mask_of(values: Tuple[float, ...], h: int, w: int) -> torch.Tensor:
    """The brushed region as a float [h, w] tensor (all 0: nothing painted, the sample comes back unchanged)."""
    if len(values) != h * w:
        raise ConfigError(f"the mask has {len(values)} values; this model's images need {h}x{w} = {h * w}")
    region = torch.tensor(values, dtype=torch.float32).reshape(h, w)
    if bool(((region < 0) | (region > 1)).any()):
        raise ConfigError("mask values must lie between 0 and 1")
    return region


def dissect_routes(runs: RunsFolder) -> List[Route]:
    """The Dissect page and its API, for :func:`ganforge.web.app.create_app`."""
    state = Dissections(runs)

    async def prepare_run(request: Request) -> Response:
        req = from_dict(PrepareRequest, await read_json(request))
        return reply(await run_in_threadpool(state.describe, req.run, req.checkpoint))

    async def paint(request: Request) -> Response:
        return reply(await run_in_threadpool(state.paint, await read_json(request)))

    return [Route("/api/dissect/prepare", prepare_run, methods=["POST"]),
            Route("/api/dissect/paint", paint, methods=["POST"])]


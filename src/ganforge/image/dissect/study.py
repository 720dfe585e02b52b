"""A whole dissection of a run: load it, dissect its layers, ablate and insert each concept's top units, report.

    from ganforge.image.dissect.study import DissectConfig, dissect_run
    dissect_run("runs/dcgan-...", "report/", DissectConfig(samples=1000, concepts=("loop",)))

This is what ``ganforge dissect`` runs; :func:`prepare` (the loaded generator, its layers, the segmenter
and the concepts, all checked) is shared with the studio's Dissect page.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch

from ganforge.config import option
from ganforge.errors import GanforgeError
from ganforge.image.dissect.concepts import Segmenter, get_segmenter, load_plugin, pick_concepts
from ganforge.image.dissect.intervene import Baseline, LabelReader, unit_study
from ganforge.image.dissect.units import Dissection, Layer, dissect, pick_layers, probe


@dataclass
class DissectConfig:
    samples: int = option(1000, min=1, help="generated samples the units are dissected on")
    quantile: float = option(0.04, min=1e-6, max=0.5, help="a unit fires where its activation is in its top share "
                             "(Bau et al. use 0.01 on 256 px scenes; digit concepts cover 2-6 % of a 28 px image)")
    layers: Tuple[str, ...] = option((), help="feature maps to dissect (default: each block's nonlinearity)")
    segmenter: Optional[str] = option(None, help="concept segmenter (default: digit-strokes for grayscale images)")
    concepts: Tuple[str, ...] = option((), help="concepts to measure (default: all the segmenter's)")
    top: int = option(5, min=1, help="top units listed per concept")
    units: int = option(8, min=1, help="units switched off / on per concept in the studies")
    draws: int = option(5, min=0, help="random sets of as many units, for comparison")
    study_samples: int = option(500, min=1, help="samples each ablation / insertion is measured on")
    insertion: bool = option(True, help="also insert each concept's top units in the centre of the image")
    seed: int = option(0, min=0)
    batch_size: int = option(100, min=1)
    device: str = option("cpu")


@dataclass
class Subject:
    """A loaded generator with the layers, segmenter and concepts a dissection of it uses."""

    g: Any                       # ganforge.image.pipeline.LoadedGenerator
    model: str
    layers: List[Layer]
    every_layer: List[Layer]
    segmenter: Segmenter
    concepts: List[str]


def load_image_run(target: str | Path, device: str = "cpu"):
    """The :class:`LoadedGenerator` of an image run (or checkpoint); one-line errors for anything else."""
    from ganforge.family import family_of_run, load

    path = Path(target)
    if not path.exists():
        raise GanforgeError(f"no run or checkpoint at {target}; pass a run folder made by `ganforge train`")
    family = family_of_run(path)
    if family.name != "image":
        raise GanforgeError(f"{target} is a {family.name} run; GAN Dissection takes image runs (a dcgan or "
                            "upconv-dcgan trained with `ganforge train`)")
    return load(path, device=device)


def prepare(g, layers=(), segmenter: Optional[str] = None, concepts=()) -> Subject:
    model = g.config.name
    every, default = probe(g.generator, g.config.latent_dim, g.num_classes)
    chosen = pick_layers(every, default, list(layers), model)
    seg = get_segmenter(segmenter, g.config.channels)
    return Subject(g, model, chosen, every, seg, pick_concepts(seg, list(concepts)))


def centre_region(size: Tuple[int, int]) -> torch.Tensor:
    h, w = size
    region = torch.zeros(h, w)
    region[h // 4:h - h // 4, w // 4:w - w // 4] = 1.0
    return region


def run_dissection(subject: Subject, cfg: DissectConfig, reader: Optional[LabelReader] = None,
                   quiet: bool = True) -> Tuple[Dissection, Baseline, List[Dict], List[Dict]]:
    """The dissection, the baseline samples of the studies, and the ablation and insertion studies."""
    from tqdm import tqdm

    d = dissect(subject.g, subject.segmenter, subject.concepts, subject.layers, cfg.samples, cfg.quantile,
                cfg.seed, cfg.batch_size, quiet)
    units = min(cfg.units, min(layer.channels for layer in subject.layers))
    base = Baseline(subject.g, subject.segmenter, subject.concepts, cfg.study_samples, cfg.seed + 1,
                    batch_size=cfg.batch_size, reader=reader)
    ablations, insertions = [], []
    region = centre_region(tuple(d.images.shape[-2:]))
    for concept in tqdm(subject.concepts, desc="ablate/insert", unit="concept", disable=quiet or None, leave=False):
        ablations.append(unit_study(base, d, concept, "ablate", units, cfg.draws, seed=cfg.seed))
        if cfg.insertion:
            insertions.append(unit_study(base, d, concept, "insert", units, cfg.draws, region=region, seed=cfg.seed))
    return d, base, ablations, insertions


def dissect_run(target: str | Path, out: str | Path, cfg: Optional[DissectConfig] = None, plugins=(),
                quiet: bool = True) -> Path:
    """Dissect a run and write the report into ``out``; returns the HTML file."""
    from ganforge.engine.run_folder import run_folder_of
    from ganforge.image.dissect.report import write_report

    cfg = cfg or DissectConfig()
    for plugin in plugins:
        load_plugin(plugin)
    g = load_image_run(target, cfg.device)
    subject = prepare(g, cfg.layers, cfg.segmenter, cfg.concepts)
    run = run_folder_of(target)
    data = run.info().get("data") if run.is_run() else None
    d, base, ablations, insertions = run_dissection(subject, cfg, LabelReader.for_data(data), quiet)
    info = {"run": str(target), "model": subject.model, "step": g.step, "data": data or "?",
            "conditional": bool(g.num_classes), "checkpoint": Path(g.source).name}
    return write_report(Path(out), d, info, ablations, insertions, base, cfg.top)

"""``ganforge eval`` of a translation run: what can be scored without a learned metric, on the held-out split.

pix2pix: the mean absolute error (L1, on [-1, 1]) and PSNR of its translations against the targets of
the test pairs. CycleGAN: the round-trip errors A -> B -> A and B -> A -> B. When the run's data is a
set built by ``ganforge data build`` (labels and a ``dataset.json``), the learned metrics of
:mod:`ganforge.translation.metrics` follow with their card: the classifier's accuracy on translations
next to its ceiling on real targets, FID and KID against the target test split, paired or cycle L1,
and (``--metrics ...,cycada``) the CyCADA table.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from ganforge.engine.run_folder import RunFolder, run_folder_of
from ganforge.errors import DataError
from ganforge.family import load
from ganforge.media.reading import to_unit_range
from ganforge.translation.data.folders import load_translation_data


def psnr(x: torch.Tensor, y: torch.Tensor) -> float:
    """PSNR in dB of images in [-1, 1] (peak-to-peak 2)."""
    mse = float(((x - y) ** 2).mean())
    return float("inf") if mse == 0 else 10 * math.log10(4.0 / mse)


def default_metrics(paired: bool) -> str:
    return "fcn_accuracy,translated_fid,translated_kid," + ("paired_l1" if paired else "cycle_l1")


def learned_scores(t: Any, data_dir: str, paired: bool, metrics: Optional[str], limit: int, seed: int) -> Any:
    """The registered translation metrics of ``t`` on a built data set (its test split), with their card."""
    from ganforge.translation.metrics import evaluate_translation

    direction = t.config.direction if paired else "AtoB"
    back = "BtoA" if direction == "AtoB" else "AtoB"
    reverse = None if paired else (lambda x: t.translate(x, back))
    return evaluate_translation(lambda x: t.translate(x, direction), data_dir, direction,
                                metrics or default_metrics(paired), reverse=reverse, n=limit or None, seed=seed)


def evaluate_run(target: str | Path, device: str = "cpu", limit: int = 0, metrics: Optional[str] = None,
                 seed: int = 0) -> Dict[str, Any]:
    t = load(target, device=device)
    run: RunFolder = run_folder_of(Path(target))
    data_dir = run.info().get("data_dir") if run.is_run() else None
    if not data_dir or not Path(data_dir).is_dir():
        raise DataError(f"the data folder of {target} ({data_dir or 'not recorded'}) is not there; translation runs "
                        "are scored on their data's test split, so restore the folder")
    c = t.config
    paired = c.name == "pix2pix"
    try:
        data = load_translation_data(data_dir, "test", c.image_size, c.channels_a, c.channels_b, paired, limit)
        split = "test"
    except DataError:
        data = load_translation_data(data_dir, "train", c.image_size, c.channels_a, c.channels_b, paired, limit)
        split = "train (no test split)"
    a, b = to_unit_range(data.a), to_unit_range(data.b)
    values: Dict[str, Any] = {"source": str(t.source), "step": t.step, "split": split}
    if paired:
        source, target_ = (a, b) if c.direction == "AtoB" else (b, a)
        out = t.translate(source, c.direction)
        values.update(l1=float((out - target_).abs().mean()), psnr=psnr(out, target_), pairs=len(source))
        print(f"{t.source} (step {t.step}) on {len(source)} {split} pairs {c.direction}: "
              f"L1 {values['l1']:.4f}, PSNR {values['psnr']:.2f} dB")
    else:
        _, aba = t.cycle(a, "AtoB")
        _, bab = t.cycle(b, "BtoA")
        values.update(cycle_l1_a=float((aba - a).abs().mean()), cycle_l1_b=float((bab - b).abs().mean()),
                      images_a=len(a), images_b=len(b))
        print(f"{t.source} (step {t.step}) on the {split} split: round-trip L1 A->B->A {values['cycle_l1_a']:.4f} "
              f"({len(a)} images), B->A->B {values['cycle_l1_b']:.4f} ({len(b)} images)")
    if (Path(data_dir) / "dataset.json").is_file():
        score = learned_scores(t, data_dir, paired, metrics, limit, seed)
        print(score)
        values["learned"] = score.to_dict()
    else:
        print(f"{data_dir} has no labels (it was not built by `ganforge data build`): the classifier accuracy, FID/KID "
              "and CyCADA scores need a built data set; the L1 scores above are all that apply here")
    return values

"""``ganforge eval`` of a translation run: what can be scored without a learned metric, on the held-out split.

pix2pix: the mean absolute error (L1, on [-1, 1]) and PSNR of its translations against the targets of
the test pairs. CycleGAN: the round-trip errors A -> B -> A and B -> A -> B. Learned metrics
(FID of translations, a digit classifier's accuracy on them) come from
``ganforge.translation.metrics``; the lines printed say which scores these are.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict

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


def evaluate_run(target: str | Path, device: str = "cpu", limit: int = 0) -> Dict[str, Any]:
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
    print("available here: L1/PSNR against targets (pix2pix) and round-trip L1 (CycleGAN); FID of translations and "
          "classifier accuracy are not part of this evaluation yet")
    return values

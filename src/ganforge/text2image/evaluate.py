"""``ganforge eval`` of a text-to-image run: R-precision and attribute accuracy of stage I and stage II, and the floor.

The captions are the first ``n`` of the run's data's test split (one image each, seeded); the R-precision
distractors come from the same test captions. Beside the run's rows stand the real data's own figures:
the test canvases themselves at 64x64, and the same canvases box-averaged to stage I's size (then resized
back as generated stage I images are), the best each resolution can score under this protocol.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import torch.nn.functional as F

from ganforge.engine.run_folder import run_folder_of
from ganforge.errors import DataError
from ganforge.family import load
from ganforge.metrics.evaluate import Score
from ganforge.text2image.data.dataset import load_captioned
from ganforge.text2image.metrics.matcher import load_matcher
from ganforge.text2image.metrics.scores import AttributeJudge, evaluate_images

ROWS = [("r_precision", "R-precision (1 of 100)"), ("attr_digit", "digit"), ("attr_thickness", "thickness"),
        ("attr_slant", "slant"), ("attr_size", "size"), ("attr_position", "position"), ("attr_all", "all attributes")]


def table(scores: Dict[str, Score]) -> str:
    """A markdown table: one row per figure, one column per scored source."""
    lines = ["| metric | " + " | ".join(scores) + " |", "|---|" + "---:|" * len(scores)]
    for key, label in ROWS:
        cells = [f"{s.values[key]:.3f}" if key in s.values else "-" for s in scores.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate_run(target: str | Path, device: str = "cpu", n: int = 0, seed: int = 0, quiet: bool = False
                 ) -> Dict[str, Any]:
    """Score a run's stage I (and stage II) and the real test canvases; prints the table and the card."""
    g = load(target, device=device)
    run = run_folder_of(Path(target))
    data_dir = run.info().get("data_dir") if run.is_run() else None
    if not data_dir or not Path(data_dir).is_dir():
        raise DataError(f"the data folder of {target} ({data_dir or 'not recorded'}) is not there; text2image runs "
                        "are scored on their data's test captions, so restore the folder (or rebuild it)")
    test = load_captioned(data_dir, "test")
    n = min(n or 1000, len(test))
    tokens, items, pool = test.tokens[:n], test.items[:n], test.tokens
    captions = test.captions[:n]
    matcher, _, _ = load_matcher()
    judge = AttributeJudge(test.thresholds, device=device)
    common = dict(pool=pool, thresholds=test.thresholds, reference=test.name, seed=seed, matcher=matcher, judge=judge)
    scores: Dict[str, Score] = {}
    for stage in range(g.config.stages, 0, -1):
        images = g.sample(captions, n=n, seed=seed, stage=stage)
        scores[f"stage {'I' * stage} (step {g.step})"] = evaluate_images(images, tokens, items, source=str(g.source),
                                                                          **common)
    scores["real 64x64"] = evaluate_images(test.images[:n], tokens, items, source="real test canvases", **common)
    size = g.config.stage1_size
    low = F.adaptive_avg_pool2d(test.images[:n].float(), size).round().byte()
    scores[f"real at {size}x{size}"] = evaluate_images(low, tokens, items, source=f"real test canvases at {size}px",
                                                       **common)
    if not quiet:
        print(table(scores))
        print(next(iter(scores.values())).card.lines())
    return {name: s.to_dict() for name, s in scores.items()}

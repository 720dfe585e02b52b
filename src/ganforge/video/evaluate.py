"""``ganforge eval`` of a video run: its clips and the real data's own figures, scored the same way.

The reference is the test split of the run's data (a Moving MNIST folder built by ``ganforge data build``;
a plain folder of clips is its own reference). Beside the run's scores stand the real data's: as many
training clips as generated ones, scored against the same reference with the same classifier (train vs
test), the floor each metric can reach. A conditional run is sampled with drawn labels, so its digit
accuracy (the share of frames the classifier reads as the asked-for digit) is printed too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

from ganforge.engine.run_folder import run_folder_of
from ganforge.errors import DataError
from ganforge.family import load
from ganforge.metrics.evaluate import Score
from ganforge.video.data.clips import is_built, load_clips
from ganforge.video.metrics.scores import DEFAULT_METRICS, evaluate_clips
from ganforge.video.metrics.views import ClipJudge

ROWS = [("frame_fid", "frame FID", "{:.2f}"), ("frame_kid", "frame KID", "{:.4f}"),
        ("digit_consistency", "digit consistency", "{:.3f}"), ("digit_accuracy", "digit accuracy", "{:.3f}"),
        ("acd", "ACD", "{:.3f}"), ("motion_speed", "speed (px/frame)", "{:.2f}"),
        ("motion_speed_w1", "speed W1 to real", "{:.3f}"), ("motion_bounces", "bounces per clip", "{:.2f}"),
        ("motion_bounce_w1", "bounces W1 to real", "{:.3f}")]


def table(scores: Dict[str, Score]) -> str:
    """A markdown table: one row per metric, one column per scored source (e.g. mocogan, tgan, real data)."""
    names = list(scores)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, label, fmt in ROWS:
        if any(key in s.values for s in scores.values()):
            cells = [fmt.format(s.values[key]) if key in s.values else "-" for s in scores.values()]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def real_figures(data_dir: str, frames: int, size: int, channels: int, n: int, metrics: str, seed: int,
                 judge: ClipJudge, reference) -> Score:
    """The real data's own figures: ``n`` training clips scored against the reference."""
    train = load_clips(data_dir, "train", frames, size, channels, limit=n)
    return evaluate_clips(train.clips, reference.clips, metrics, labels=train.labels, seed=seed, judge=judge,
                          reference_name=reference.name, source="real data (train clips)")


def evaluate_run(target: str | Path, device: str = "cpu", n: int = 0, metrics: Optional[str] = None,
                 seed: int = 0, quiet: bool = False) -> Dict[str, Any]:
    """Score a video run and the real data; prints the table and the card; returns both scores as dicts."""
    g = load(target, device=device)
    run = run_folder_of(Path(target))
    data_dir = run.info().get("data_dir") if run.is_run() else None
    if not data_dir or not Path(data_dir).is_dir():
        raise DataError(f"the data folder of {target} ({data_dir or 'not recorded'}) is not there; video runs are "
                        "scored against their data's test split, so restore the folder")
    c = g.config
    split = "test" if is_built(Path(data_dir)) else "train"
    reference = load_clips(data_dir, split, c.frames, c.image_size, c.channels)
    n = n or min(500, len(reference))
    metrics = metrics or ",".join(DEFAULT_METRICS)
    judge = ClipJudge(device=device)
    clips, labels = g.sample(n, seed=seed, return_labels=True)
    scores = {f"{c.name} (step {g.step})": evaluate_clips(clips, reference.clips, metrics, labels=labels, seed=seed,
                                                          judge=judge, reference_name=reference.name,
                                                          source=str(g.source))}
    scores["real data"] = real_figures(data_dir, c.frames, c.image_size, c.channels, n, metrics, seed, judge,
                                       reference)
    if not quiet:
        print(table(scores))
        print(next(iter(scores.values())).card.lines())
    return {name: s.to_dict() for name, s in scores.items()}

"""Several extractors' opinions of the same sample sets: one table, and a plain line where their rankings disagree.

``ganforge eval --extractor all`` scores the samples under every shipped extractor of the domain;
:func:`table` prints one row per extractor (FID, KID, precision, recall). With ``--compare`` (a score
saved by ``ganforge eval --out``) each extractor ranks the two sets by each metric, and
:func:`disagreements` names every metric on which two extractors rank them in opposite orders, e.g.
``disagreement on FID: mnist-classifier says A < B (12.3 vs 15.1), mnist-autoencoder says A > B``.
Ties (equal values) rank nothing.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Sequence

# metric -> whether lower is better; the columns of the table
DIRECTIONS = {"fid": True, "kid": True, "precision": False, "recall": False}
LABELS = {"fid": "FID", "kid": "KID", "precision": "precision", "recall": "recall"}


def table(scores: Mapping[str, Mapping[str, float]]) -> str:
    """One row per extractor: FID, KID, precision, recall (a dash where a metric was not computed)."""
    name_width = max([len("extractor")] + [len(n) for n in scores])
    head = f"  {'extractor':{name_width}s}" + "".join(f" {LABELS[m]:>10s}" for m in DIRECTIONS)
    rows = [head]
    for name, values in scores.items():
        cells = "".join(f" {values[m]:10.4g}" if m in values else f" {'-':>10s}" for m in DIRECTIONS)
        rows.append(f"  {name:{name_width}s}{cells}")
    return "\n".join(rows)


def disagreements(a: Mapping[str, Mapping[str, float]], b: Mapping[str, Mapping[str, float]],
                  a_name: str = "A", b_name: str = "B") -> List[str]:
    """Lines naming each metric on which two extractors rank sets ``a`` and ``b`` differently.

    ``a`` and ``b`` map an extractor's name to its scores of that set; only extractors and metrics
    present on both sides count. "A < B" means A's value is smaller (for FID, A is better)."""
    lines = []
    for metric, lower_better in DIRECTIONS.items():
        says: Dict[str, List[str]] = {"<": [], ">": []}
        shown: Dict[str, str] = {}
        for name in a:
            if name not in b or metric not in a[name] or metric not in b[name]:
                continue
            x, y = a[name][metric], b[name][metric]
            if x == y:
                continue
            sign = "<" if x < y else ">"
            says[sign].append(name)
            shown[name] = f"{name} says {a_name} {sign} {b_name} ({x:.4g} vs {y:.4g})"
        if says["<"] and says[">"]:
            better = "lower" if lower_better else "higher"
            parts = [shown[n] for n in says["<"] + says[">"]]
            lines.append(f"disagreement on {LABELS[metric]} ({better} is better): " + ", ".join(parts))
    return lines


def agreement_line(lines: List[str], extractors: int, a_name: str, b_name: str,
                   metrics: Sequence[str] = tuple(DIRECTIONS)) -> str:
    """What ``ganforge eval --compare`` prints after the rankings: the disagreements, or that there are none on
    ``metrics`` (those both sides computed)."""
    if lines:
        return "\n".join(lines)
    names = [LABELS[m] for m in metrics if m in LABELS]
    if not names:
        return f"no metric of the table (FID, KID, precision, recall) was scored on both sides of {a_name} and {b_name}"
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"all {extractors} extractors rank {a_name} and {b_name} the same way on {said}"

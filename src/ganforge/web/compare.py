"""The studio's Compare page: several runs (of any families) side by side: curves, samples at matched steps, scores.

Each run's rows are read through :class:`~ganforge.web.runs.RunsFolder` (so through the run folder's
safe readers). Scores are compared only where their protocol cards agree, as ``ganforge eval`` and the
best-checkpoint logic do (:func:`ganforge.metrics.protocol.differences`, which ignores the reference's
display name): a metric whose runs were measured with different cards is listed, each score with its
card, but marked not comparable and not ranked.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ganforge.errors import GanforgeError
from ganforge.web.runs import RunsFolder, sample_files

MAX_RUNS = 8
CARD_IGNORED = ("reference",)   # a reference's display name; its hash and count are compared


def card_differences(a: Optional[Dict[str, Any]], b: Optional[Dict[str, Any]]) -> List[str]:
    """The card fields on which two scores' protocol cards differ (a score without a card differs from one with)."""
    if a is None or b is None:
        return [] if a is b else ["card"]
    keys = sorted((set(a) | set(b)) - set(CARD_IGNORED))
    return [k for k in keys if a.get(k) != b.get(k)]


def latest_scores(rows: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """metric -> {"value", "step", "card"} of the run's newest evaluation of it."""
    out: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        card = row.get("card") if isinstance(row.get("card"), dict) else None
        for metric, value in (row.get("values") or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[metric] = {"value": value, "step": row.get("step"), "card": card}
    return out


def score_table(runs: Dict[str, Dict[str, Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """One row per metric: each run's latest score and card, and whether the cards let them be compared."""
    metrics = sorted({m for scores in runs.values() for m in scores if not m.endswith("_std")})
    table = []
    for metric in metrics:
        entries = {name: scores[metric] for name, scores in runs.items() if metric in scores}
        cards = [e["card"] for e in entries.values()]
        diff = sorted({d for c in cards[1:] for d in card_differences(cards[0], c)})
        table.append({"metric": metric, "scores": entries, "comparable": not diff and len(entries) > 1,
                      "why": (f"measured with different protocol cards ({', '.join(diff)} differ): re-evaluate the "
                              "runs with the same protocol to compare them") if diff else
                             ("only one run has this score" if len(entries) < 2 else None)})
    return table


def compare_runs(folder: RunsFolder, names: List[str]) -> Dict[str, Any]:
    if not names:
        raise GanforgeError("pick runs to compare: /api/compare?runs=NAME,NAME,...")
    if len(names) > MAX_RUNS:
        raise GanforgeError(f"compare at most {MAX_RUNS} runs at a time (got {len(names)})")
    out, scores = [], {}
    for name in dict.fromkeys(names):
        run = folder.run_folder(name)
        info = run.info()
        metrics = run.metrics_rows()[0]
        scores[name] = latest_scores(metrics)
        events = [e for e in run.events_rows()[0] if e.get("event") in ("set", "forked")]
        out.append({"name": name, "family": info.get("family"), "model": info.get("model"),
                    "parent": info.get("parent"), "stats": run.stats_rows()[0], "metrics": metrics,
                    "events": events, "samples": sample_files(run), "status": run.status()})
    return {"runs": out, "scores": score_table(scores)}

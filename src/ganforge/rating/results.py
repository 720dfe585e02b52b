"""A study's results (HYPE-infinity per run and setting, overall and per rater) and its CSV export.

Every rating of a study is one row (:func:`rating_rows`), read in one query; results and the CSV are
both made from these rows, so the page, ``ganforge rate results`` and the export always agree.
A rater who calls an attention check "real" is left out of the scores (and listed) unless
``include_inattentive``; attention checks never count towards HYPE themselves. Scripted raters
(programs, in tests) are counted and flagged wherever raters appear.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Dict, List, Optional

from ganforge.rating.stats import DEFAULT_RESAMPLES, hype_infinity
from ganforge.rating.study import Ratings

CSV_COLUMNS = ("study", "rater", "scripted", "session", "item", "kind", "run", "setting_name", "setting",
               "answer", "correct", "response_ms", "rated_at", "item_sha256")


def rating_rows(ratings: Ratings, study: str) -> List[Dict[str, Any]]:
    """Every rating of ``study`` with its rater and item, oldest first within each rater."""
    with ratings.db.transaction() as tx:
        sid, name, _, _, setting_name = ratings.study_row(tx, study)[:5]
        rows = tx.query(
            "SELECT s.rater, s.scripted, s.id, i.id, i.kind, i.run, i.setting, r.answer, r.correct, r.response_ms, "
            "r.created, i.sha256 FROM ratings r JOIN sessions s ON r.session_id = s.id "
            "JOIN items i ON r.item_id = i.id WHERE s.study_id = ? ORDER BY s.rater, r.created, i.id", (sid,))
    keys = CSV_COLUMNS[1:]
    out = []
    for rater, scripted, session, item, kind, run, setting, answer, correct, ms, created, digest in rows:
        values = (rater, bool(scripted), session, item, kind, run, setting_name if kind == "generated" else None,
                  setting, answer, bool(correct), ms, created, digest)
        out.append({"study": name, **dict(zip(keys, values))})
    return out


def _score(generated: List[bool], real: List[bool], resamples: int, seed: int) -> Optional[Dict[str, Any]]:
    if not generated or not real:
        return None
    return hype_infinity(generated, real, resamples=resamples, seed=seed).as_dict()


def results(ratings: Ratings, study: str, resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
            include_inattentive: bool = False) -> Dict[str, Any]:
    """HYPE-infinity with its bootstrap interval: over the study, per (run, setting) and per rater."""
    info = ratings.study(study)
    rows = rating_rows(ratings, study)
    raters: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        r = raters.setdefault(row["rater"], {"rater": row["rater"], "scripted": row["scripted"], "ratings": 0,
                                             "attention_failed": 0, "attention_seen": 0})
        r["ratings"] += 1
        if row["kind"] == "attention":
            r["attention_seen"] += 1
            r["attention_failed"] += row["answer"] == "real"
    excluded = sorted(name for name, r in raters.items() if r["attention_failed"] and not include_inattentive)
    counted = [row for row in rows if row["rater"] not in excluded and row["kind"] != "attention"]

    def correct(kind: str, **match: Any) -> List[bool]:
        return [row["correct"] for row in counted
                if row["kind"] == kind and all(row[k] == v for k, v in match.items())]

    groups = []
    keys = sorted({(row["run"], row["setting"]) for row in counted if row["kind"] == "generated"},
                  key=lambda k: (k[0], -1.0 if k[1] is None else k[1]))
    for run, setting in keys:
        score = _score(correct("generated", run=run, setting=setting), correct("real", run=run), resamples, seed)
        groups.append({"run": Path(run).name, "run_path": run, "setting_name": info["setting"], "setting": setting,
                       "score": score})
    for name, r in raters.items():
        mine = [row for row in rows if row["rater"] == name and row["kind"] != "attention"]
        r["excluded"] = name in excluded
        r["score"] = _score([x["correct"] for x in mine if x["kind"] == "generated"],
                            [x["correct"] for x in mine if x["kind"] == "real"], resamples, seed)
    return {"study": info, "overall": _score(correct("generated"), correct("real"), resamples, seed),
            "groups": groups, "raters": sorted(raters.values(), key=lambda r: r["rater"]),
            "excluded_raters": excluded, "counted_ratings": len(counted),
            "method": "HYPE-infinity (Zhou et al. 2019): error rate over a balanced real/generated stream, "
                      f"95 % percentile bootstrap over responses (stratified), {resamples} resamples"}


def export_csv(ratings: Ratings, study: str, out: Optional[str | Path] = None) -> str:
    """Every rating of a study as CSV text (one row per rating; written to ``out`` too when given)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rating_rows(ratings, study):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    text = buffer.getvalue()
    if out is not None:
        from ganforge.files import atomic_write_text

        atomic_write_text(Path(out), text)
    return text


def format_results(res: Dict[str, Any]) -> List[str]:
    """The results as lines of text (what ``ganforge rate results`` prints)."""
    info = res["study"]

    def line(label: str, score: Optional[Dict[str, Any]]) -> str:
        if score is None:
            return f"  {label:<34} not enough ratings yet (needs real and generated answers)"
        return (f"  {label:<34} HYPE {100 * score['hype']:5.1f} %  [{100 * score['low']:.1f}, "
                f"{100 * score['high']:.1f}]  fooled {100 * score['fake_as_real']:.1f} %  "
                f"real->fake {100 * score['real_as_fake']:.1f} %  (n={score['n_generated']}+{score['n_real']})")

    human = info["raters"] - info["scripted_raters"]
    out = [f"study {info['name']}: {info['raters']} rater(s) ({human} people, {info['scripted_raters']} scripted), "
           f"{info['ratings']} ratings", line("overall", res["overall"])]
    for g in res["groups"]:
        setting = "default" if g["setting"] is None else f"{g['setting']:g}"
        out.append(line(f"{g['run']} ({g['setting_name']} {setting})", g["score"]))
    if res["excluded_raters"]:
        out.append(f"  left out (failed an attention check): {', '.join(res['excluded_raters'])}")
    out.append(f"  {res['method']}")
    return out

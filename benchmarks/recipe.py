"""The unconditional recipe against the textbook loop, at equal wall clock, under every shipped extractor (issue #22).

    GANFORGE_DATA=/path/to/shared/data python benchmarks/recipe.py --recipes default,ema-ramp --budgets 1,3,10 \
        --out DIR                                   # MNIST, the textbook loop and each recipe, 1/3/10 minutes
    python benchmarks/recipe.py --data folder:DIR/trainB --ref DIR/testB --out DIR2   # a second data set
    python benchmarks/recipe.py --tiny              # the whole path end to end in a minute (nothing measured)

Each entry trains in its own child process, one at a time (the machine must be otherwise idle: the
budgets are wall clock), and writes 10,000 seeded samples at every budget (minutes of *training* clock:
the time spent sampling at a mark is not counted). The entries are:

- ``textbook``: PyTorch-GAN's 32 px MNIST DCGAN trained the popular way (``benchmarks/textbook_dcgan.py``);
- each recipe: ``ganforge train dcgan``'s defaults (28 px, precision ``auto``, the model's recommended settings)
  with the recipe's ``--set`` overrides (``RECIPES`` below, or ``--recipe NAME=key=value,key=value``). A recipe's
  samples come from the run's sampling generator (the EMA when kept), as ``ganforge sample`` draws them.

The parent then scores every sample set with FID and precision/recall (k = 3) against ``--ref`` under each
extractor of ``--extractors`` (default: the three shipped MNIST extractors), with the floor (real training
images against the reference) beside them. The textbook's 32 px samples are scored the clean-fid way:
resized to 28 px (bilinear, the filter its data loader used), with the reference taking the same round
trip 28 -> 32 -> 28. Prints the table, and for each recipe and budget whether it beats the textbook's
longest budget under *every* extractor on FID, precision and recall at once. Results go to
``OUT/recipe.json``; finished entries are kept there, so running the command again only adds what is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
EXTRACTORS = ("mnist-classifier", "mnist-resnet", "mnist-autoencoder")
# name -> `--set` overrides of `ganforge train dcgan`'s defaults ("default" is the shipped default itself). The
# candidates of the search were measured against the defaults before it, so they start from PREVIOUS.
PREVIOUS = ["train.batch_size=64", "train.lr_g=0.0002", "train.lr_d=0.0002", "train.ema_half_life_images=0",
            "train.ema_rampup=0"]   # and EMA decay 0.999
RECIPES: Dict[str, List[str]] = {
    "default": [],
    "previous-default": PREVIOUS,
    "ema-ramp": PREVIOUS + ["train.ema_half_life_images=10000", "train.ema_rampup=0.05"],
    "ema-ramp-b32": PREVIOUS + ["train.ema_half_life_images=10000", "train.ema_rampup=0.05", "train.batch_size=32"],
    "ema-ramp-b16": PREVIOUS + ["train.ema_half_life_images=10000", "train.ema_rampup=0.05", "train.batch_size=16"],
    "ema-ramp-b32-lr3": PREVIOUS + ["train.ema_half_life_images=10000", "train.ema_rampup=0.05", "train.batch_size=32",
                                    "train.lr_g=0.0003", "train.lr_d=0.0003"],
    "hinge-sn": PREVIOUS + ["loss.name=hinge", "model.spectral_norm=true"],
    "upconv": PREVIOUS + ["model.name=upconv-dcgan"],
}


# ----------------------------------------------------------------------------- the data
def data_section(spec: str, data_dir) -> dict:
    """``mnist`` (from ``--data-dir`` / $GANFORGE_DATA), ``embedded``, or ``folder:PATH``."""
    if spec.startswith("folder:"):
        return {"name": "folder", "dir": spec.split(":", 1)[1]}
    return {"name": spec, "dir": data_dir} if spec == "mnist" else {"name": spec}


def training_images(spec: str, data_dir) -> torch.Tensor:
    from ganforge.image.config import DataConfig
    from ganforge.image.data import load_dataset

    return load_dataset(DataConfig(**data_section(spec, data_dir)), 28, 1).images


# ----------------------------------------------------------------------------- one child: train, sample at marks
def child(entry: str, overrides: List[str], spec: str, data_dir, marks_s: List[float], n: int, threads: int,
          out_dir: Path) -> List[dict]:
    """Train ``entry`` until each mark (seconds of training clock); write ``n`` samples (.npz) and a grid there."""
    from ganforge.media.images import make_grid, save_png

    torch.set_num_threads(threads)
    if entry == "textbook":
        sys.path.insert(0, str(HERE))
        from textbook_dcgan import TextbookDCGAN

        gan = TextbookDCGAN(training_images(spec, data_dir)[:, 0].numpy())
        chunk, sample, steps = (lambda: gan.train(steps=10)), (lambda k: gan.sample(k, seed=0)), (lambda: gan.steps)
        batch = gan.batch_size
    else:
        from ganforge.config import from_dict, merge, parse_overrides
        from ganforge.image.config import RunConfig
        from ganforge.image.models import model_defaults
        from ganforge.image.task import ImageTrainer

        changes = parse_overrides(overrides)
        base = merge(model_defaults(changes.get("model", {}).get("name", "dcgan")),   # as `ganforge train` does
                     {"data": data_section(spec, data_dir), "train": {"threads": threads, "steps": 10_000_000}})
        cfg = from_dict(RunConfig, merge(base, changes))
        trainer = ImageTrainer(cfg, Path(tempfile.mkdtemp(prefix=f"recipe-{entry}-")), quiet=True)
        trainer.start(resume=False)
        for module in trainer.state.modules.values():
            module.train()

        def chunk() -> None:
            for _ in range(10):
                trainer.train_step()

        sample, steps = (lambda k: trainer.task.fixed_samples(k, seed=0)), (lambda: trainer.step)
        batch = cfg.train.batch_size
    clock, results, marks = 0.0, [], sorted(marks_s)
    while marks:
        start = time.perf_counter()
        chunk()
        clock += time.perf_counter() - start
        if clock >= marks[0]:
            images = sample(n)
            stem = out_dir / f"{entry}-{marks[0] / 60:g}min"
            np.savez_compressed(f"{stem}.npz", images=images.numpy())
            save_png(make_grid(images[:64], nrow=8), Path(f"{stem}.png"), scale=2)
            results.append({"budget_min": marks.pop(0) / 60, "train_s": round(clock, 1), "steps": steps(),
                            "images_per_s": round(steps() * batch / clock, 1), "npz": f"{stem}.npz"})
    return results


# ----------------------------------------------------------------------------- the parent
FLOOR = "floor (real training images)"


def set_name(entry: str, result: dict) -> str:
    """A sample set's name in the table and the score cache, e.g. ``default 10 min``."""
    return f"{entry} {result['budget_min']:g} min"


def score_all(entries: Dict[str, List[dict]], args, out: Path) -> Dict[str, dict]:
    """{extractor: {set name: {fid, precision, recall}}} for every sample set and the floor (cached in ``out``)."""
    from ganforge.metrics import Evaluator

    cache_path = out / "scores.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    real = training_images(args.data, args.data_dir)[:args.n]
    sets = [(FLOOR, None)] + [(set_name(e, r), r["npz"]) for e, rs in entries.items() for r in rs]
    for extractor in args.extractors.split(","):
        evaluator = Evaluator(args.ref, extractor, data_dir=args.data_dir, resize="bilinear")
        done = cache.setdefault(extractor, {})
        for name, npz in sets:
            if name in done:
                continue
            images = real if npz is None else torch.from_numpy(np.load(npz)["images"])
            values = evaluator.score(images, "fid,pr", source=name).values
            done[name] = {k: float(values[k]) for k in ("fid", "precision", "recall")}
            print(f"  {extractor:18s} {name:34s} FID {done[name]['fid']:8.2f}  P {done[name]['precision']:.3f}  "
                  f"R {done[name]['recall']:.3f}", flush=True)
            cache_path.write_text(json.dumps(cache, indent=1))
    return cache


def forget_scores(out: Path, entry: str) -> None:
    """Drop the cached scores of ``entry``'s sample sets (it was trained again)."""
    path = out / "scores.json"
    if path.exists():
        cache = json.loads(path.read_text())
        for sets in cache.values():
            for name in [n for n in sets if n.startswith(f"{entry} ")]:
                del sets[name]
        path.write_text(json.dumps(cache, indent=1))


def beats(scores: Dict[str, dict], mine: str, theirs: str) -> List[str]:
    """The extractors and metrics on which set ``mine`` does *not* beat ``theirs`` (empty: beats on all)."""
    misses = []
    for extractor, sets in scores.items():
        a, b = sets[mine], sets[theirs]
        for metric, lower in (("fid", True), ("precision", False), ("recall", False)):
            if not ((a[metric] < b[metric]) if lower else (a[metric] > b[metric])):
                misses.append(f"{extractor} {metric} {a[metric]:.3g} vs {b[metric]:.3g}")
    return misses


def report(entries: Dict[str, List[dict]], scores: Dict[str, dict]) -> str:
    extractors = list(scores)
    head = "| set | steps | img/s | " + " | ".join(f"{e} FID / P / R" for e in extractors) + " |"
    lines = [head, "|" + "---|" * (3 + len(extractors))]
    info = {set_name(e, r): r for e, rs in entries.items() for r in rs}
    names = [FLOOR] + list(info)
    for name in names:
        r = info.get(name, {})
        cells = [f"{scores[e][name]['fid']:.1f} / {scores[e][name]['precision']:.2f} / "
                 f"{scores[e][name]['recall']:.2f}" for e in extractors]
        lines.append(f"| {name} | {r.get('steps', '')} | {r.get('images_per_s', '')} | " + " | ".join(cells) + " |")
    if "textbook" in entries:
        longest = set_name("textbook", entries["textbook"][-1])
        lines.append("")
        for name in names[1:]:
            if name.startswith("textbook"):
                continue
            misses = beats(scores, name, longest)
            lines.append(f"- {name} against {longest}: " + ("beats it under every extractor on FID, precision and "
                                                              "recall" if not misses else "misses " + "; ".join(misses)))
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--recipes", default="default", help=f"comma-separated, from: {', '.join(RECIPES)}")
    p.add_argument("--recipe", action="append", default=[], help="an extra recipe NAME=key=value,key=value")
    p.add_argument("--no-textbook", action="store_true", help="skip the textbook loop")
    p.add_argument("--budgets", default="1,3,10", help="minutes of training clock at which to sample")
    p.add_argument("--data", default="mnist", help="mnist, embedded or folder:PATH")
    p.add_argument("--ref", default="mnist:test", help="the reference set (default mnist:test)")
    p.add_argument("--data-dir", default=os.environ.get("GANFORGE_DATA"))
    p.add_argument("--extractors", default=",".join(EXTRACTORS))
    p.add_argument("--n", type=int, default=10000, help="samples per set")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--out", default="benchmarks/results/recipe")
    p.add_argument("--tiny", action="store_true", help="seconds-long budgets and 200 samples, embedded data")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--overrides", default="[]", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.tiny:
        args.budgets, args.n, args.data, args.ref = "0.05,0.1", 200, "embedded", "embedded"
        args.out = args.out if args.out != "benchmarks/results/recipe" else tempfile.mkdtemp(prefix="recipe-tiny-")
    marks = [float(b) * 60 for b in args.budgets.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.child:
        res = child(args.child, json.loads(args.overrides), args.data, args.data_dir, marks, args.n, args.threads, out)
        print(json.dumps(res))
        return
    recipes = {name: RECIPES[name] for name in args.recipes.split(",") if name}
    for extra in args.recipe:
        name, _, sets = extra.partition("=")
        recipes[name] = [s for s in sets.split(",") if s]
    plan = ({} if args.no_textbook else {"textbook": []}) | recipes
    state_path = out / "recipe.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {"entries": {}}
    from ganforge.engine.runtime import cpu_name, native_bf16

    state["cpu"] = f"{cpu_name()}, native bf16: {'yes' if native_bf16(torch.device('cpu')) else 'no'}"
    print(f"CPU: {state['cpu']}; {args.threads} threads; budgets {args.budgets} min; data {args.data}", flush=True)
    for entry, overrides in plan.items():
        done = state["entries"].get(entry)
        if done and done["overrides"] == overrides and [r["budget_min"] for r in done["results"]] == \
                [m / 60 for m in sorted(marks)]:
            continue
        print(f"training {entry} {' '.join(overrides)}", flush=True)
        cmd = [sys.executable, __file__, "--child", entry, "--overrides", json.dumps(overrides), "--data", args.data,
               "--budgets", args.budgets, "--n", str(args.n), "--threads", str(args.threads), "--out", str(out)]
        if args.data_dir:
            cmd += ["--data-dir", args.data_dir]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{entry} failed: {(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
        state["entries"][entry] = {"overrides": overrides, "results": json.loads(proc.stdout.strip().splitlines()[-1])}
        state_path.write_text(json.dumps(state, indent=1))
        forget_scores(out, entry)
    entries = {e: state["entries"][e]["results"] for e in plan}
    print("scoring", flush=True)
    scores = score_all(entries, args, out)
    scores = {e: scores[e] for e in args.extractors.split(",")}
    text = report(entries, scores)
    (out / "recipe.md").write_text(f"CPU: {state['cpu']}; {args.threads} threads\n\n{text}\n")
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    main()

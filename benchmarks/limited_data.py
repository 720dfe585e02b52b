"""The limited-data curve: FID and KID on MNIST subsets, without augmentation, with ADA and with DiffAugment.

    python benchmarks/limited_data.py [--model stylegan2] [--sizes 500,1000,2000,5000,60000]
                                      [--augments none,ada,diffaugment] [--minutes 1] [--samples 10000]
                                      [--threads 2] [--data-dir DIR] [--out benchmarks/results/limited_data]
                                      [--set KEY=VALUE ...]
    python benchmarks/limited_data.py --tiny   # every step: a tiny DCGAN, 2 steps, 200 samples (< 1 min)

For each subset size N and augmentation (``augment.kind``), trains ``--model`` (default: stylegan2
when this ganforge has it, else dcgan) on the first N images of the MNIST train split
(``data.limit``: a fixed subset, the same for every run; MNIST's train order is not sorted by class,
so its first 500 hold every digit 39-66 times) for ``--minutes`` of wall clock (``--max-minutes``
of ``ganforge train``; or ``--steps`` steps, which may share a machine), then scores ``--samples`` samples of the run (its EMA generator when it
keeps one, fixed seed) against the MNIST test split with the shipped MNIST classifier's features
(the card printed): FID and KID (subsets of 1000, or of the sample count when fewer). A row "real"
scores the same number of real train images, the floor of the figures.

Writes OUT/results.json (after every run: the script resumes, skipping finished runs; a run
killed half-way is trained again from scratch), OUT/limited_data.md (one table) and
OUT/limited_data.png (FID against subset size, one line per augmentation). Run folders go to OUT/runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import torch

FULL = 60000


def run_key(size: int, augment: str) -> str:
    return f"{size}-{augment}"


def train_one(model: str, size: int, augment: str, args, run_dir: Path) -> dict:
    """Train one configuration to its budget; returns steps, seconds and ADA's final p."""
    from ganforge.config import load_config, merge
    from ganforge.family import family_of_model

    family = family_of_model(model)
    if args.tiny:
        budget = {"steps": 2, "max_minutes": 0}
    else:
        budget = {"steps": args.steps, "max_minutes": 0} if args.steps else {"steps": 0, "max_minutes": args.minutes}
    data = {"model": {"name": model}, "data": {"name": "mnist", "dir": args.data_dir, "limit": 0 if size >= FULL else size},
            "train": {"seed": args.seed, **budget}, "augment": {"kind": augment}}
    if args.tiny:
        data = merge(data, {"model": {"width": 8, "latent_dim": 16}, "train": {"batch_size": 16, "log_every": 2}})
    cfg = load_config(family.config_class, base=merge(family.model_defaults(model), data), overrides=args.overrides)
    if run_dir.exists():                  # killed half-way last time: train it again from the start
        shutil.rmtree(run_dir)
    trainer = family.trainer(cfg, run_dir, quiet=args.tiny)
    start = time.monotonic()
    trainer.fit()
    augmenter = getattr(trainer.task, "augment", None)
    p = float(augmenter.p) if augmenter is not None and augment == "ada" else None
    return {"size": size, "augment": augment, "model": model, "steps": trainer.step,
            "train_s": round(time.monotonic() - start, 1), "p": p, "run": str(run_dir)}


def score(evaluator, samples, name: str, seed: int) -> dict:
    n = len(samples)
    s = evaluator.score(samples, "fid,kid", seed=seed, source=name, options={"kid_subset_size": min(1000, n)})
    return {"fid": s.values["fid"], "kid": s.values["kid"], "kid_std": s.values.get("kid_std"),
            "card": s.card.to_dict()}


def table(results: Dict[str, dict], sizes: List[int], augments: List[str], samples: int, floor: dict) -> str:
    head = "| images | " + " | ".join(f"{a} FID | {a} KID" + (" | ada p" if a == "ada" else "")
                                       for a in augments) + " |"
    cols = head.count("|") - 1
    lines = [head, "|" + "---|" * cols]
    for size in sizes:
        cells = []
        for a in augments:
            r = results.get(run_key(size, a))
            cells += [f"{r['fid']:.2f}", f"{r['kid']:.3g} ± {r['kid_std']:.2g}"] if r else ["", ""]
            if a == "ada":
                cells.append(f"{r['p']:.2f}" if r and r.get("p") is not None else "")
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    card = next(iter(results.values()))["card"] if results else {}
    lines += ["", f"FID and KID against {card.get('reference', 'mnist:test')} with {card.get('extractor', '?')} "
              f"features, {samples:,} samples per run; real train images score FID {floor['fid']:.2f}, "
              f"KID {floor['kid']:.3g} (the floor; KID is the unbiased MMD^2 as the metric returns it, unscaled, and may "
              "fall below 0). Steps per run are in results.json."]
    return "\n".join(lines) + "\n"


def plot(results: Dict[str, dict], sizes: List[int], augments: List[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for a in augments:
        xs = [s for s in sizes if run_key(s, a) in results]
        ax.plot(xs, [results[run_key(s, a)]["fid"] for s in xs], marker="o", label=a)
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s // 1000}k" if s >= 1000 else str(s) for s in sizes])
    ax.set_xlabel("training images")
    ax.set_ylabel("FID (MNIST classifier features, lower is better)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(title="augmentation")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="image model (default: stylegan2 when registered, else dcgan)")
    p.add_argument("--sizes", default="500,1000,2000,5000,60000", help="training subset sizes")
    p.add_argument("--augments", default="none,ada,diffaugment", help="augment.kind values to compare")
    p.add_argument("--minutes", type=float, default=1.0, help="wall-clock training budget of each run")
    p.add_argument("--steps", type=int, default=0,
                   help="a step budget instead of --minutes: the figures then do not depend on the machine's load, "
                        "so the runs may share it")
    p.add_argument("--samples", type=int, default=10000, help="samples scored per run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data-dir", default=os.environ.get("GANFORGE_DATA"), help="folder with mnist/*.gz")
    p.add_argument("--out", default="benchmarks/results/limited_data")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a config key for every run, e.g. --set augment.ada_kimg=50 (repeatable)")
    p.add_argument("--tiny", action="store_true", help="tiny DCGAN, 2 steps, 2 sizes, 200 samples, temporary folder")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    from ganforge.image.data import load_split
    t0 = time.monotonic()
    from ganforge.image.models import list_models
    from ganforge.metrics import Evaluator
    from ganforge.metrics.evaluate import read_samples

    model = args.model or ("stylegan2" if "stylegan2" in list_models() and not args.tiny else "dcgan")
    sizes = [500, 2000] if args.tiny else [int(s) for s in args.sizes.split(",")]
    augments = [a.strip() for a in args.augments.split(",") if a.strip()]
    samples = 200 if args.tiny else args.samples
    out = Path(tempfile.mkdtemp(prefix="limited-data-")) if args.tiny else Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    saved = json.loads(results_path.read_text()) if results_path.is_file() else {}
    results: Dict[str, dict] = saved.get("runs", {})
    budget = "2 steps" if args.tiny else (f"{args.steps} steps" if args.steps else f"{args.minutes:g} min")
    print(f"{model} on MNIST subsets {sizes}, augmentations {augments}, {budget} each, {samples} samples scored; "
          f"{torch.get_num_threads()} threads; results in {out}", flush=True)

    evaluator = Evaluator("mnist:test", extractor="mnist-classifier", data_dir=args.data_dir)
    real = load_split("mnist:train", args.data_dir).images
    floor = score(evaluator, real[torch.randperm(len(real), generator=torch.Generator().manual_seed(1))[:samples]],
                  "real train", args.seed)
    print(f"  reference and floor scored in {time.monotonic() - t0:.0f} s", flush=True)
    for size in sizes:
        for augment in augments:
            key = run_key(size, augment)
            if key in results:
                print(f"  {key}: done before (FID {results[key]['fid']:.2f})", flush=True)
                continue
            row = train_one(model, size, augment, args, out / "runs" / key)
            images, _ = read_samples(row["run"], samples, args.seed, args.data_dir)
            row.update(score(evaluator, images, key, args.seed))
            results[key] = row
            payload = {"model": model, "floor": floor, "runs": results}
            tmp = results_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload, indent=2))
            tmp.replace(results_path)
            p_text = f", p {row['p']:.2f}" if row["p"] is not None else ""
            print(f"  {key}: {row['steps']} steps in {row['train_s']:.0f} s{p_text}; FID {row['fid']:.2f}, "
                  f"KID {row['kid']:.3g}", flush=True)

    md = table(results, sizes, augments, samples, floor)
    (out / "limited_data.md").write_text(f"{model}, {budget} per run (measured by benchmarks/limited_data.py)\n\n{md}")
    plot(results, sizes, augments, out / "limited_data.png", f"{model}, {budget} per run on MNIST subsets")
    print("\n" + md + f"\nwrote {out / 'limited_data.md'} and {out / 'limited_data.png'}")
    if args.tiny:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()

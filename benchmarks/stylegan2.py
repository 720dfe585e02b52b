"""StyleGAN2-lite against the default DCGAN on full MNIST, each trained for the same wall time on a CPU.

    GANFORGE_DATA=/path/to/shared/data python benchmarks/stylegan2.py [--max-minutes 10] [--threads 2]
                                                                      [--conditional] [--n 10000] [--out DIR]
                                                                      [--docs docs/images]
    python benchmarks/stylegan2.py --tiny     # the whole path end to end in under a minute (nothing measured)

Trains ``dcgan`` (its defaults) and ``stylegan2`` (its defaults: width 32, latent 128, 4 mapping layers, Adam
0.0025 (0, 0.99), lazy R1 0.01 every 16 steps, path length 2 every 4, style mixing 0.9, EMA half-life 10k images
with ramp-up 0.05) with ``ganforge train MODEL --data mnist --max-minutes M --batch-size 64``, then scores
each run with ``ganforge eval RUN --ref mnist:test --metrics fid,kid --extractor mnist-classifier --n N`` (the
card of the DCGAN's 10-minute figure in docs/benchmarks.md) and prints the markdown table for docs/stylegan2.md:
model, steps reached, images a second, FID, KID. With ``--docs DIR`` it also writes the StyleGAN2 run's
style-mixing grid and truncation sweep there (``stylegan2-mix.png``, ``stylegan2-truncation.png``).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

MODELS = ("dcgan", "stylegan2")


def run_cli(argv) -> None:
    from ganforge.cli.main import run_or_exit

    run_or_exit(argv)


def run_stats(run: Path) -> dict:
    """Steps reached and mean images a second (the run's own stats rows)."""
    rows = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines() if line.strip()]
    rates = [r["images_per_s"] for r in rows if "images_per_s" in r]
    return {"steps": rows[-1]["step"] if rows else 0, "images_per_s": sum(rates) / len(rates) if rates else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-minutes", type=float, default=10.0, help="training time of each model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--conditional", action="store_true", help="both models class-conditional")
    parser.add_argument("--n", type=int, default=10000, help="samples scored for each model")
    parser.add_argument("--out", help="folder for the runs and scores (default: a temporary folder)")
    parser.add_argument("--docs", help="write the StyleGAN2 run's mixing grid and truncation sweep into this folder")
    parser.add_argument("--tiny", action="store_true", help="check the path end to end in under a minute")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out or tempfile.mkdtemp(prefix="ganforge-stylegan2-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.tiny:
        data = ["--data", "embedded", "--steps", "3", "--batch-size", "8", "--set", "model.width=4",
                "--set", "data.limit=256", "--set", "model.latent_dim=16"]
        score = ["--ref", "embedded", "--n", "64", "--kid-subsets", "4", "--kid-subset-size", "32"]
    else:
        data = ["--data", "mnist", "--max-minutes", args.max_minutes, "--batch-size", "64"]
        score = ["--ref", "mnist:test", "--n", args.n]
    print(f"{'tiny check' if args.tiny else f'{args.max_minutes:g} minutes a model'}, {args.threads} threads, "
          f"runs in {out}")
    results = {}
    for model in MODELS:
        run = out / "runs" / model
        if not (run / "checkpoints").is_dir():
            run_cli(["train", model, *data, *(["--conditional"] if args.conditional else []), "--out", out / "runs",
                     "--name", model, "--quiet", "--set", "train.sample_every=1000",
                     "--set", "train.checkpoint_every=100000", "--set", f"train.threads={args.threads}"])
        run_cli(["eval", run, *score, "--metrics", "fid,kid", "--extractor", "mnist-classifier",
                 "--out", out / f"{model}-score.json"])
        values = json.loads((out / f"{model}-score.json").read_text())["values"]
        results[model] = {**run_stats(run), **values}
    if args.docs:
        docs = Path(args.docs)
        docs.mkdir(parents=True, exist_ok=True)
        run = out / "runs" / "stylegan2"
        run_cli(["sample", run, "--mix", "0-5", "10-17", "--out", docs / "stylegan2-mix.png", "--no-provenance"])
        run_cli(["sample", run, "--truncation-sweep", "--n", "6", "--out", docs / "stylegan2-truncation.png",
                 "--no-provenance"])
    budget = "3 steps" if args.tiny else f"{args.max_minutes:g} min"
    print("\n| model | budget | steps | images/s | FID | KID |\n|---|---|---|---|---|---|")
    for model, r in results.items():
        print(f"| {model}{' (conditional)' if args.conditional else ''} | {budget} | {r['steps']:,} | "
              f"{r['images_per_s']:.0f} | {r['fid']:.2f} | {r['kid']:.4f} |")


if __name__ == "__main__":
    main()

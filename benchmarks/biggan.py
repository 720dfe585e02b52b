"""BigGAN-lite against the conditional DCGAN on MNIST at the same wall-clock budget (issue #15, acceptance 2).

    GANFORGE_DATA=/path/to/shared/data python benchmarks/biggan.py [--minutes 10] [--n 5000] [--threads 2]
                                                                   [--out DIR] [--docs docs/images]
    python benchmarks/biggan.py --tiny        # the whole path end to end in under a minute (nothing measured)

Trains ``ganforge train dcgan --conditional`` (its defaults) and ``ganforge train biggan --conditional`` (its
recommended settings: hinge loss, lr_g 5e-5 / lr_d 2e-4, betas (0, 0.999), 2 D steps a G step, orthogonal
regularisation 1e-4, width 32) for ``--minutes`` of wall clock each (sample grids and checkpoints included, the
same for both), 28 px, batch 64. Then each run's EMA generator is sampled at psi = none, 1.0, 0.8, 0.6, 0.4, 0.2
(the pipeline's truncated normal) and scored by the metrics core against the MNIST test split with the shipped
MNIST classifier (its card is printed): FID, IS, precision/recall, and the class accuracy of the conditional
samples (the classifier's top-1 on the class asked for). The real train split (its own labels) is the floor row.
Prints one markdown table (for docs/biggan.md) and writes one plot, precision (fidelity) against recall
(diversity) with psi marked, to ``OUT/biggan-truncation.png`` (and ``--docs``).

Resumable: ``OUT/biggan-benchmark.json`` keeps each finished training and each finished curve; run the same
command again to continue. A training cut short is started again (its wall-clock budget must be one sitting).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import torch

MODELS = {"dcgan-conditional": "dcgan", "biggan": "biggan"}
PSIS = (None, 1.0, 0.8, 0.6, 0.4, 0.2)


def run_cli(argv) -> None:
    from ganforge.cli.main import run_or_exit

    run_or_exit(argv)


def train(name: str, model: str, args, out: Path) -> dict:
    run = out / "runs" / name
    if run.exists():
        shutil.rmtree(run)          # cut short before: its budget must be one sitting
    data = ["--data", "embedded", "--steps", 2, "--batch-size", 8, "--set", "model.width=4"] if args.tiny else \
        ["--data", "mnist", "--max-minutes", args.minutes, "--batch-size", 64]
    if args.data_dir:
        data += ["--data-dir", args.data_dir]
    start = time.monotonic()
    run_cli(["train", model, "--conditional", "--out", out / "runs", "--name", name, "--quiet",
             "--set", f"train.threads={args.threads}", *data])
    from ganforge.engine.checkpoint import read_metadata
    from ganforge.engine.run_folder import find_checkpoint

    return {"run": str(run), "steps": int(read_metadata(find_checkpoint(run))["step"]),
            "minutes": (time.monotonic() - start) / 60}


def real_row(evaluator, args, n: int) -> dict:
    """The floor: the real train split (its true labels) scored as if it were samples."""
    from ganforge.image.data import load_split
    from ganforge.image.metrics.truncation import class_accuracy

    real = load_split("embedded" if args.tiny else "mnist:train", args.data_dir)
    images, labels = real.images[:n], real.labels[:n]
    score = evaluator.score(images, "fid,is,pr", seed=0, source="real")
    return {"psi": None, **score.values, "class_accuracy": class_accuracy(evaluator, images, labels)}


def table(results: dict) -> str:
    lines = ["| model | steps (minutes) | psi | FID ↓ | IS ↑ | precision ↑ | recall ↑ | class accuracy ↑ |",
             "|---|---|---|---|---|---|---|---|"]
    for name, entry in results.items():
        budget = f"{entry['steps']} ({entry['minutes']:.1f})" if "steps" in entry else "-"
        for row in entry["curve"]:
            psi = "none" if row["psi"] is None else f"{row['psi']:g}"
            lines.append(f"| {name} | {budget} | {psi} | {row['fid']:.2f} | {row['is']:.2f} | {row['precision']:.3f} | "
                         f"{row['recall']:.3f} | {row['class_accuracy']:.3f} |")
            budget = ""
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, entry in results.items():
        rows = entry["curve"]
        xs, ys = [r["recall"] for r in rows], [r["precision"] for r in rows]
        ax.plot(xs, ys, "o-" if name != "real MNIST (train)" else "k*", label=name)
        for r, x, y in zip(rows, xs, ys):
            if name != "real MNIST (train)":
                ax.annotate("none" if r["psi"] is None else f"{r['psi']:g}", (x, y), fontsize=7,
                            textcoords="offset points", xytext=(3, 3))
    ax.set_xlabel("recall (diversity)")
    ax.set_ylabel("precision (fidelity)")
    ax.set_title("truncation psi: fidelity against diversity (MNIST)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock training budget of each model")
    parser.add_argument("--n", type=int, default=5000, help="samples scored at each psi")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-dir", help="folder holding mnist/ (default: $GANFORGE_DATA)")
    parser.add_argument("--out", help="folder for the runs and the results (default: a temporary folder)")
    parser.add_argument("--docs", help="also write the plot into this folder (e.g. docs/images)")
    parser.add_argument("--tiny", action="store_true", help="check the path end to end in under a minute")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = 64 if args.tiny else args.n
    psis = (None, 1.0, 0.2) if args.tiny else PSIS

    from ganforge.engine.runtime import cpu_name
    from ganforge.family import load
    from ganforge.image.metrics.truncation import truncation_curve
    from ganforge.metrics.evaluate import Evaluator

    out = Path(args.out or tempfile.mkdtemp(prefix="biggan-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "biggan-benchmark.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    save = lambda: state_path.write_text(json.dumps(state, indent=2))   # noqa: E731
    print(f"CPU: {cpu_name()}, {args.threads} threads; MNIST 28 px, conditional; "
          f"{'tiny check' if args.tiny else f'{args.minutes:g} minutes a model'}; {n} samples a point")
    for name, model in MODELS.items():
        if "steps" not in state.get(name, {}):
            state[name] = train(name, model, args, out)
            save()
    if args.tiny:                   # 500 reference digits: the k-NN radii of 10,000 cost more than the tiny run
        from ganforge.image.data import load_split

        evaluator = Evaluator(load_split("embedded").images[:500], extractor="mnist-classifier", use_cache=False)
    else:
        evaluator = Evaluator("mnist:test", data_dir=args.data_dir)
    for name in MODELS:
        if "curve" not in state[name]:
            state[name]["curve"] = truncation_curve(load(state[name]["run"]), evaluator, psis=psis, n=n)
            save()
    if "real MNIST (train)" not in state:
        state["real MNIST (train)"] = {"curve": [real_row(evaluator, args, n)]}
        save()
    for name in MODELS:
        print(f"{name}: {state[name]['steps']} steps in {state[name]['minutes']:.1f} min")
    print()
    print(table(state))
    print()
    print(evaluator.card(n, 0).lines())
    plot(state, out / "biggan-truncation.png")
    if args.docs:
        plot(state, Path(args.docs) / "biggan-truncation.png")
    print(f"\nruns, scores ({state_path.name}) and the plot (biggan-truncation.png) in {out}")


if __name__ == "__main__":
    main()

"""Train and evaluate a set of configurations on a CPU; print FID, KID, IS, precision, recall, modes, wall time.

    python benchmarks/quality.py                       # everything (needs $GANFORGE_DATA with mnist/)
    python benchmarks/quality.py --only mixtures       # the 2D mixtures only (no data needed)
    python benchmarks/quality.py --only mnist --steps 1500 --n 10000

Sections:
- mnist:    model x loss on MNIST, scored against mnist:test with the domain classifier; the floor
            (real train images vs the test split, same protocol) is printed beside the table;
- stacked:  Stacked MNIST (1000 modes): modes covered by 26,000 samples and KL(modes || uniform);
- mixtures: 8 Gaussians on a ring, 25 on a grid: modes covered and share of high-quality samples.
The domain classifier must exist (``ganforge features train --data mnist``). Results also go to
``--out`` as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ganforge.config import from_dict
from ganforge.image.config import RunConfig  # noqa: E402
from ganforge.image.data import load_split  # noqa: E402
from ganforge.metrics import Evaluator  # noqa: E402
from ganforge.toy2d.mixtures import MixtureRun, train_mixture  # noqa: E402
from ganforge.image.metrics.stacked_mnist import stacked_mnist_coverage  # noqa: E402
from ganforge.image.pipeline import LoadedGenerator  # noqa: E402
from ganforge.image.task import ImageTrainer  # noqa: E402

MNIST_CONFIGS = [("dcgan", "nonsaturating"), ("dcgan", "hinge"), ("dcgan", "lsgan"), ("dcgan", "wgan-gp"),
                 ("mlp", "nonsaturating"), ("mlp", "hinge")]
PACGAN_ANCHORS = "PacGAN (Lin et al.) on Stacked MNIST: DCGAN 99 modes / KL 3.40, Unrolled GAN 48.7 / 4.32, " \
                 "VEEGAN 150 / 2.95, PacDCGAN2 1000 / 0.06"


def train_image_gan(run_dir: Path, model: str, loss: str, data: str, steps: int, channels: int = 1, width: int = 32,
                    batch: int = 64, extra: dict = None) -> float:
    cfg = {"model": {"name": model, "channels": channels, "width": width},
           "loss": {"name": loss}, "data": {"name": data, "dir": os.environ.get("GANFORGE_DATA")},
           "train": {"steps": steps, "batch_size": batch, "log_every": 100, "sample_every": min(steps, 1000),
                     "checkpoint_every": min(steps, 1000), "threads": torch.get_num_threads()}}
    for section, values in (extra or {}).items():
        cfg[section].update(values)
    # a run folder of an earlier invocation is continued (to more steps, or after an interruption); the wall
    # time reported is the sum over invocations, kept in the run folder
    run_dir.mkdir(parents=True, exist_ok=True)
    spent_file = run_dir / "benchmark_seconds.json"
    spent = json.loads(spent_file.read_text())["seconds"] if spent_file.exists() else 0.0
    t0 = time.monotonic()
    trainer = ImageTrainer(from_dict(RunConfig, cfg), run_dir, quiet=True)
    trainer.fit(resume=True)
    if trainer.resumed_from is not None:
        print(f"  continued {run_dir} from {trainer.resumed_from.name}", file=sys.stderr)
    spent += time.monotonic() - t0
    spent_file.write_text(json.dumps({"seconds": spent}))
    return spent


def digit_modes(images: torch.Tensor, classifier) -> dict:
    """Digit classes covered (>= 10 % of a fair share of the predicted classes) and KL from uniform."""
    import numpy as np

    from ganforge.metrics.coverage import histogram_coverage

    _, probs = classifier.extract(images)
    counts = np.bincount(probs.argmax(1), minlength=10)
    return histogram_coverage(counts, min_count=max(1, len(images) // 100))


def mnist_section(args, root: Path) -> list:
    from ganforge.metrics.features import create_extractor

    classifier = create_extractor("mnist-classifier")
    ev = Evaluator("mnist:test")
    opts = {"kid_subset_size": min(1000, args.n)}
    rows = []
    floor = ev.score(load_split("mnist:train", None).images[:args.n], "fid,kid,is,pr", source="real mnist:train",
                     options=opts)
    real_modes = digit_modes(load_split("mnist:train", None).images[:args.n], classifier)
    rows.append({"config": "floor: real train vs test", **floor.values, "modes": real_modes["modes"],
                 "class_kl": real_modes["kl"], "seconds": 0.0})
    card = floor.card
    for model, loss in MNIST_CONFIGS:
        width = 32 if model == "dcgan" else 64      # mlp 64: hidden 256/512/1024, the common MLP GAN
        run = root / f"{model}{width}-{loss}"
        seconds = train_image_gan(run, model, loss, "mnist", args.steps, width=width,
                                  extra={"model": {"dropout": 0.3}} if model == "mlp" else None)
        images = LoadedGenerator.load(run).sample(args.n, seed=0)
        score = ev.score(images, "fid,kid,is,pr", source=str(run), options=opts)
        modes = digit_modes(images, classifier)
        rows.append({"config": f"{model} width {width} x {loss}, {args.steps} steps", **score.values,
                     "modes": modes["modes"], "class_kl": modes["kl"], "seconds": seconds})
        print(f"  {rows[-1]['config']}: FID {score.values['fid']:.3g} ({seconds:.0f} s)", file=sys.stderr)
    return [{"card": card.to_dict(), "rows": rows}]


def stacked_section(args, root: Path) -> list:
    from ganforge.metrics.features import create_extractor

    classifier = create_extractor("mnist-classifier")
    run = root / "stacked"
    seconds = train_image_gan(run, "dcgan", args.stacked_loss, "stacked-mnist", args.stacked_steps, channels=3,
                              width=args.stacked_width, extra={"train": {"max_minutes": args.stacked_minutes,
                                                                         "lr_decay_steps": args.stacked_lr_decay},
                                                               "model": {"pack": args.stacked_pack}})
    generator = LoadedGenerator.load(run)
    step, images = generator.step, generator.sample(26000, seed=0)
    cov = stacked_mnist_coverage(images, classifier)
    real = load_split("stacked-mnist:train").images[:26000]
    floor = stacked_mnist_coverage(real, classifier)
    pack = f", PacGAN pack {args.stacked_pack}" if args.stacked_pack > 1 else ""
    decay = f", lr decayed to 0 over the last {args.stacked_lr_decay}" if args.stacked_lr_decay else ""
    return [{"config": f"dcgan width {args.stacked_width} x {args.stacked_loss}{pack}, {step} steps{decay}",
             **cov, "seconds": seconds, "classifier_sha256": classifier.weights_sha256},
            {"config": "floor: real Stacked MNIST (26,000 images)", **floor, "seconds": 0.0}]


def mixtures_section(args, root: Path) -> list:
    rows = []
    for name, steps in (("ring8", args.ring_steps), ("grid25", args.mixture_steps)):
        if steps == 0:
            continue
        run = MixtureRun(mixture=name, steps=steps, pack=args.pack, seed=0)
        result = train_mixture(run, quiet=False, progress=max(1, steps // 10),
                               run_dir=root / f"gan2d-{name}" if args.runs else None)
        rows.append({"config": f"{name}: MLP {run.layers}x{run.hidden}, {run.loss} + R1 {run.r1_weight}, "
                               f"lr {run.lr}, pack {run.pack}, EMA {run.ema_decay}, {run.steps} steps", **result})
        print(f"  {name}: {result['modes']}/{result['num_modes']} modes, {result['high_quality']:.1%} high quality",
              file=sys.stderr)
    return rows


def fmt(v, spec=".3g"):
    return "-" if v is None else format(v, spec)


def print_tables(results: dict) -> None:
    if "mnist" in results:
        block = results["mnist"][0]
        print("\nMNIST, scored against mnist:test (domain classifier features):")
        print("| configuration | FID | KID | IS | precision | recall | digit modes | class KL | wall time (s) |\n"
              "|---|---|---|---|---|---|---|---|---|")
        for r in block["rows"]:
            print(f"| {r['config']} | {fmt(r['fid'])} | {fmt(r['kid'])} ± {fmt(r['kid_std'], '.2g')} | "
                  f"{fmt(r['is'])} | {fmt(r['precision'])} | {fmt(r['recall'])} | {r['modes']}/10 | "
                  f"{r['class_kl']:.3f} | {r['seconds']:.0f} |")
        print("digit modes: classes predicted for >= 1 % of the samples (10 % of a fair share); class KL: KL of "
              "the predicted-class histogram from uniform")
        c = block["card"]
        print(f"protocol: {c['num_samples']} samples, seed {c['seed']}, reference {c['reference']} "
              f"(sha256 {c['reference_sha256'][:16]}), {c['extractor']} (sha256 {c['extractor_sha256'][:16]}), "
              f"resize {c['resize']}, ganforge {c['ganforge_version']}")
    if "stacked" in results:
        print("\nStacked MNIST (1000 modes, 26,000 samples, modes by the domain classifier on each channel):")
        print("| configuration | modes | KL | wall time (s) |\n|---|---|---|---|")
        for r in results["stacked"]:
            print(f"| {r['config']} | {r['modes']} | {r['kl']:.3f} | {r['seconds']:.0f} |")
        print(f"anchors: {PACGAN_ANCHORS}")
    if "mixtures" in results:
        print("\n2D mixtures (2,500 samples; high quality = within 3 std of a mode; a mode is covered with >= 10 "
              "high-quality samples):")
        print("| configuration | modes | high quality | KL | wall time (s) |\n|---|---|---|---|---|")
        for r in results["mixtures"]:
            print(f"| {r['config']} | {r['modes']}/{r['num_modes']} | {r['high_quality']:.1%} | {r['kl']:.3f} | "
                  f"{r['seconds']:.0f} |")
        for r in results["mixtures"]:
            print(f"{r['config'].split(':')[0]} during training (EMA generator, step: modes, high quality): " +
                  ", ".join(f"{t['step']}: {t['modes']}, {t['high_quality']:.0%}" for t in r.get("trajectory", [])))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="mnist,stacked,mixtures", help="comma list of sections")
    p.add_argument("--steps", type=int, default=1500, help="generator steps of each MNIST configuration")
    p.add_argument("--n", type=int, default=10000, help="samples scored per MNIST configuration")
    p.add_argument("--stacked-steps", type=int, default=3000)
    p.add_argument("--stacked-width", type=int, default=64)
    p.add_argument("--stacked-minutes", type=float, default=0.0, help="time budget of the Stacked MNIST run (0 = none)")
    p.add_argument("--stacked-loss", default="wgan-gp")
    p.add_argument("--stacked-lr-decay", type=int, default=0,
                   help="decay the learning rates linearly to 0 over the last N Stacked MNIST steps (0 = constant)")
    p.add_argument("--stacked-pack", type=int, default=1, help="PacGAN packing of the Stacked MNIST discriminator")
    p.add_argument("--mixture-steps", type=int, default=50000, help="steps of the 25-Gaussian grid run (0 = skip it)")
    p.add_argument("--ring-steps", type=int, default=10000, help="steps of the 8-Gaussian ring run (0 = skip it)")
    p.add_argument("--pack", type=int, default=2, help="PacGAN packing of the 2D discriminator")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy 2-core machine)")
    p.add_argument("--out", default="benchmarks/results/quality/last.json")
    p.add_argument("--runs", help="keep the run folders here (default: a temporary folder); a run folder already "
                   "there is continued, so a larger --steps / --stacked-steps extends it")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    results, t0 = {}, time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.runs or tmp)
        for section in sections:
            print(f"[{section}]", file=sys.stderr)
            if section == "mnist":
                results["mnist"] = mnist_section(args, root)
            elif section == "stacked":
                results["stacked"] = stacked_section(args, root)
            elif section == "mixtures":
                results["mixtures"] = mixtures_section(args, root)
            else:
                p.error(f"unknown section {section!r}")
    results["total_seconds"] = time.monotonic() - t0
    results["command"] = "python " + " ".join(sys.argv)
    print_tables(results)
    print(f"\ntotal wall time {results['total_seconds']:.0f} s on {args.threads} thread(s)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

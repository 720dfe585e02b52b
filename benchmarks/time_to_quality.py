"""Time to quality: FID reached by the textbook baseline and by ganforge within fixed wall-clock budgets.

Run through ``python benchmarks/speed.py --quality``. Each configuration trains in a child
process; when its training clock (sampling time excluded) passes a budget, it writes 10,000
seeded samples to an .npz. The parent then scores every .npz with ``ganforge.metrics.evaluate``
(FID against the MNIST test split, features of ganforge's MNIST domain classifier) and prints
the table, with the FID floor (real train split vs test split, same extractor) beside it.

A second check trains the baseline architecture in ganforge with fp32 and with bf16 for the same
number of steps, with several seeds (early GAN FIDs vary from seed to seed by more than the 10 %
at stake), and compares the mean FIDs (bf16 may be the default only if it costs <= 10 %).
Baseline samples are 32 px; they are resized to 28 px (bilinear, antialiased) for the classifier.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

SAMPLES = 10000


def write_samples(images: torch.Tensor, path: Path) -> None:
    from ganforge.image.data.images import resize_uint8

    if images.shape[-1] != 28:
        images = resize_uint8(images, 28)
    np.savez(path, images=images[:, 0].numpy())


def ganforge_sampler(trainer):
    from ganforge.image.data.images import to_uint8

    G = trainer.ema.module if trainer.ema is not None else trainer.G

    @torch.no_grad()
    def sample(n: int) -> torch.Tensor:
        was = G.training
        G.eval()
        g = torch.Generator().manual_seed(0)
        z = torch.randn(n, trainer.cfg.model.latent_dim, generator=g)
        k = trainer.cfg.model.num_classes
        y = torch.randint(0, k, (n,), generator=g) if k else None  # uniform classes, like the data
        out = torch.cat([to_uint8(G(z[i:i + 1000], y[i:i + 1000] if k else None)) for i in range(0, n, 1000)])
        G.train(was)
        return out

    return sample


def child(name: str, budgets_s: List[float], steps: int, data_dir, out_dir: Path, threads: int) -> List[dict]:
    """Train ``name`` (``config@seed``) until each budget (seconds of training) or ``steps``; write samples
    at each mark."""
    torch.set_num_threads(threads)
    name, _, seed = name.partition("@")
    sys.path.insert(0, str(Path(__file__).parent))
    import speed

    if name == "baseline":
        from textbook_dcgan import TextbookDCGAN

        from ganforge.image.config import DataConfig
        from ganforge.image.data import load_dataset

        data = load_dataset(DataConfig(**speed.data_config(data_dir)), 28, 1)
        gan = TextbookDCGAN(data.images[:, 0].numpy(), batch_size=speed.BATCH)
        run_chunk, sample = (lambda k: gan.train(steps=k)), gan.sample
        step_count = lambda: gan.steps  # noqa: E731
    else:
        trainer = speed.make_trainer(name, data_dir, Path(tempfile.mkdtemp()), seed=int(seed or 0))

        def run_chunk(k: int) -> None:
            for _ in range(k):
                trainer.train_step()

        sample, step_count = ganforge_sampler(trainer), (lambda: trainer.step)
    marks = sorted(budgets_s) if budgets_s else []
    clock, results = 0.0, []
    while True:
        start = time.perf_counter()
        run_chunk(10)
        clock += time.perf_counter() - start
        due = (marks and clock >= marks[0]) or (not marks and step_count() >= steps)
        if due:
            path = out_dir / f"{name}-{seed or 0}-{len(results)}.npz"
            write_samples(sample(SAMPLES), path)
            results.append({"budget_s": marks.pop(0) if marks else None, "train_s": clock, "steps": step_count(),
                            "npz": str(path)})
            if not marks:
                return results


def run(args) -> None:
    from ganforge.image.data import load_split
    from ganforge.metrics import evaluate

    out_dir = Path(tempfile.mkdtemp(prefix="ganforge-quality-"))
    budgets = [float(b) * 60 for b in args.budgets.split(",")]
    plan: Dict[str, dict] = {} if args.skip_budgets else {"baseline": {"budgets": budgets},
                                                           "ganforge-fast": {"budgets": budgets}}
    same_names = [f"ganforge-same-{p}@{seed}" for seed in range(args.seeds) for p in ("fp32", "bf16")]
    plan.update({name: {"steps": args.same_steps} for name in same_names})
    results: Dict[str, List[dict]] = {}
    for name, what in plan.items():
        cmd = [sys.executable, str(Path(__file__).parent / "speed.py"), "--quality-child", name, "--threads",
               str(args.threads), "--quality-out", str(out_dir),
               "--budgets", ",".join(str(b / 60) for b in what.get("budgets", [])),
               "--same-steps", str(what.get("steps", 0))]
        if args.data_dir:
            cmd += ["--data-dir", str(args.data_dir)]
        print(f"training {name} ({'budgets ' + args.budgets + ' min' if 'budgets' in what else str(what['steps']) + ' steps'})",
              flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed: {proc.stderr.strip().splitlines()[-1]}")
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])

    def fid(npz: str) -> float:
        return evaluate(npz, ref="mnist:test", metrics="fid", extractor="mnist-classifier",
                        data_dir=args.data_dir, num_samples=SAMPLES).values["fid"]

    train_split = load_split("mnist:train", args.data_dir).images[:SAMPLES]
    floor_path = out_dir / "real-train.npz"
    np.savez(floor_path, images=train_split[:, 0].numpy())
    floor = fid(str(floor_path))
    print(f"\nFID (MNIST test split, {SAMPLES} samples, mnist-classifier features); floor = real train vs test: "
          f"{floor:.3f}")
    print(f"{'configuration':28s} {'budget':>7s} {'steps':>7s} {'FID':>8s}")
    for name in ("baseline", "ganforge-fast"):
        for r in results.get(name, []):
            r["fid"] = fid(r["npz"])
            print(f"{name:28s} {r['budget_s'] / 60:6.1f}m {r['steps']:7d} {r['fid']:8.3f}")
    same: Dict[str, List[float]] = {"fp32": [], "bf16": []}
    for name in same_names:
        r = results[name][0]
        r["fid"] = fid(r["npz"])
        same[name.split("@")[0].rsplit("-", 1)[1]].append(r["fid"])
        print(f"{name:28s} {r['train_s'] / 60:6.1f}m {r['steps']:7d} {r['fid']:8.3f}")
    means = {p: float(np.mean(v)) for p, v in same.items()}
    stds = {p: float(np.std(v)) for p, v in same.items()}
    ratio = means["bf16"] / means["fp32"]
    print(f"same architecture after {args.same_steps} steps, {args.seeds} seeds: FID fp32 {means['fp32']:.1f} "
          f"± {stds['fp32']:.1f}, bf16 {means['bf16']:.1f} ± {stds['bf16']:.1f}; bf16 / fp32 = {ratio:.3f} "
          f"({'within' if ratio <= 1.10 else 'OUTSIDE'} the 10 % allowance)")
    if args.json:
        Path(args.json).write_text(json.dumps({"floor": floor, "results": results}, indent=2))

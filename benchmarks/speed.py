"""Speed of ganforge against the textbook PyTorch GAN loop, measured side by side in one run.

    python benchmarks/speed.py [--seconds 20] [--rounds 2] [--data-dir DIR]

Prints, for this machine: the fp32 and bf16 matrix-multiply peaks (measured here), the textbook
baseline (``benchmarks/textbook_dcgan.py``: PyTorch-GAN's 32 px MNIST DCGAN with a per-sample PIL
DataLoader, fp32), ganforge training the same architecture at the same batch size in fp32 and
bf16, ganforge's recommended fast MNIST configuration (images/s and peak memory), sampling
throughput and evaluation (feature extraction) throughput. Every figure comes from a child
process of its own (clean peak memory, no shared caches); rounds alternate between
configurations so that machine noise hits them alike, and the best round is reported.

MNIST comes from --data-dir or $GANFORGE_DATA (folder with mnist/*.gz); without either, the
embedded 10k test split is used.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
BATCH = 64

# name -> (model, image size, precision, extra model config). The fast configuration is
# unconditional like the baseline; with labels (num_classes=10, `--conditional`) the same network
# reaches a far lower FID in the same time (docs/benchmarks.md).
CONFIGS = {
    "ganforge-same-fp32": ("upconv-dcgan", 32, "fp32", {}),
    "ganforge-same-bf16": ("upconv-dcgan", 32, "bf16", {}),
    "ganforge-fast": ("dcgan", 28, "auto", {}),   # the precision `auto` picks on this machine
}


def data_config(data_dir):
    folder = Path(data_dir) if data_dir else None
    if folder and ((folder / "mnist").is_dir() or (folder / "train-images-idx3-ubyte.gz").exists()):
        return {"name": "mnist", "dir": str(data_dir)}
    return {"name": "embedded"}


def matmul_peak(dtype: torch.dtype, seconds: float = 2.0, n: int = 2048) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(2):
        a @ b
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        done += 1
    return 2 * n ** 3 * done / (time.perf_counter() - start) / 1e9


def flops_of(fn) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step, seconds: float) -> tuple[int, float]:
    for _ in range(3):
        step()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        done += 1
    return done, time.perf_counter() - start


# ----------------------------------------------------------------------------- children
def child_baseline(args) -> dict:
    sys.path.insert(0, str(HERE))
    from textbook_dcgan import TextbookDCGAN

    from ganforge.image.config import DataConfig
    from ganforge.image.data import load_dataset

    data = load_dataset(DataConfig(**data_config(args.data_dir)), 28, 1)
    gan = TextbookDCGAN(data.images[:, 0].numpy(), batch_size=BATCH)
    flops = flops_of(lambda: gan.train(steps=1)) / BATCH
    gan.train(steps=3)
    images_per_s = gan.train(seconds=args.seconds)
    return {"images_per_s": images_per_s, "gflop_per_image": flops / 1e9, "peak_rss_mb": peak_rss_mb()}


def make_trainer(name: str, data_dir, run_dir: Path, seed: int = 0):
    from ganforge.config import from_dict
    from ganforge.image.config import RunConfig
    from ganforge.image.task import ImageTrainer

    model, size, precision, extra = CONFIGS[name]
    cfg = from_dict(RunConfig, {"model": {"name": model, "image_size": size, **extra}, "data": data_config(data_dir),
                                "train": {"batch_size": BATCH, "precision": precision, "seed": seed}})
    trainer = ImageTrainer(cfg, run_dir, quiet=True)
    trainer.bad_step = torch.tensor(-1)
    return trainer


def child_trainer(args) -> dict:
    trainer = make_trainer(args.child, args.data_dir, Path(tempfile.mkdtemp()))
    flops = flops_of(trainer.train_step) / BATCH
    done, elapsed = timed(trainer.train_step, args.seconds)
    return {"images_per_s": done * BATCH / elapsed, "gflop_per_image": flops / 1e9, "peak_rss_mb": peak_rss_mb()}


def child_sample(args) -> dict:
    from ganforge.engine.runtime import autocast

    trainer = make_trainer("ganforge-fast", args.data_dir, Path(tempfile.mkdtemp()))
    G = trainer.task.G.eval()
    z = torch.randn(1000, 100)
    labels = None

    def step():
        with torch.no_grad(), autocast(trainer.device, trainer.precision):
            G(z, labels)

    done, elapsed = timed(step, args.seconds)
    return {"images_per_s": done * len(z) / elapsed, "peak_rss_mb": peak_rss_mb()}


def child_features(args) -> dict:
    from ganforge.metrics.features import create_extractor

    extractor = create_extractor("mnist-classifier")
    images = (torch.rand(1000, 1, 28, 28) * 255).to(torch.uint8)

    def step():
        extractor.extract(images)

    done, elapsed = timed(step, args.seconds)
    return {"images_per_s": done * len(images) / elapsed, "peak_rss_mb": peak_rss_mb()}


CHILDREN = {"baseline": child_baseline, "sample": child_sample, "features": child_features,
            **{name: child_trainer for name in CONFIGS}}


def run_child(name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--seconds", str(args.seconds), "--threads", str(args.threads)]
    if args.data_dir:
        cmd += ["--data-dir", str(args.data_dir)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time per configuration and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--data-dir", default=os.environ.get("GANFORGE_DATA"))
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--quality", action="store_true",
                        help="time to quality: FID of the baseline and of ganforge after fixed wall-clock budgets")
    parser.add_argument("--budgets", default="1,3,10", help="minutes of training for --quality (default 1,3,10)")
    parser.add_argument("--same-steps", type=int, default=1000,
                        help="--quality: steps of the fp32 vs bf16 check on the baseline architecture")
    parser.add_argument("--seeds", type=int, default=3, help="--quality: seeds of the fp32 vs bf16 check")
    parser.add_argument("--skip-budgets", action="store_true", help="--quality: only the fp32 vs bf16 check")
    parser.add_argument("--quality-child", help=argparse.SUPPRESS)
    parser.add_argument("--quality-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return
    if args.quality or args.quality_child:
        import time_to_quality

        if args.quality_child:
            budgets = [float(b) * 60 for b in args.budgets.split(",") if b]
            print(json.dumps(time_to_quality.child(args.quality_child, budgets, args.same_steps, args.data_dir,
                                                   Path(args.quality_out), args.threads)))
        else:
            time_to_quality.run(args)
        return

    from ganforge.engine.runtime import cpu_name, native_bf16

    native = native_bf16(torch.device("cpu"))
    print(f"CPU: {cpu_name()}, native bf16: {'yes' if native else 'no (AVX512-BF16/AMX absent: bf16 is emulated)'}; "
          f"precision auto = {'bf16' if native else 'fp32'}")
    print(f"torch {torch.__version__}, {args.threads} threads, {os.cpu_count()} CPUs, data: "
          f"{data_config(args.data_dir)['name']}; {args.rounds} rounds x {args.seconds:.0f} s per configuration")
    peaks = {"fp32": matmul_peak(torch.float32), "bf16": matmul_peak(torch.bfloat16)}
    print(f"matmul peak: fp32 {peaks['fp32']:.0f} GFLOP/s, bf16 {peaks['bf16']:.0f} GFLOP/s "
          f"(x{peaks['bf16'] / peaks['fp32']:.2f})")
    names = ["baseline", *CONFIGS, "sample", "features"]
    best: dict = {}
    for r in range(args.rounds):
        for name in names:
            result = run_child(name, args)
            print(f"  round {r + 1} {name:20s} {result.get('images_per_s', 0):8.0f} img/s {result.get('error', '')}",
                  flush=True)
            if "error" in result or result["images_per_s"] > best.get(name, {}).get("images_per_s", -1):
                best.setdefault(name, result)
                if "error" not in result:
                    best[name] = result
    base = best["baseline"]["images_per_s"]
    print()
    print(f"{'configuration':28s} {'img/s':>8s} {'x base':>7s} {'GFLOP/img':>9s} {'GFLOP/s':>8s} "
          f"{'%fp32pk':>7s} {'%bf16pk':>7s} {'peak MB':>8s}")
    labels = {"baseline": "textbook fp32 (baseline)", "ganforge-same-fp32": "ganforge same arch fp32",
              "ganforge-same-bf16": "ganforge same arch bf16", "ganforge-fast": "ganforge fast (dcgan28 auto)",
              "sample": "sampling (fast G, auto)", "features": "eval features (classifier)"}
    for name in names:
        r = best[name]
        if "error" in r:
            print(f"{labels[name]:28s} error: {r['error']}")
            continue
        gflop = r.get("gflop_per_image")
        gflops = r["images_per_s"] * gflop if gflop else None
        cells = [f"{r['images_per_s']:8.0f}", f"{r['images_per_s'] / base:7.2f}" if "gflop_per_image" in r else " " * 7,
                 f"{gflop:9.3f}" if gflop else " " * 9, f"{gflops:8.0f}" if gflops else " " * 8,
                 f"{100 * gflops / peaks['fp32']:6.0f}%" if gflops else " " * 7,
                 f"{100 * gflops / peaks['bf16']:6.0f}%" if gflops else " " * 7, f"{r['peak_rss_mb']:8.0f}"]
        print(f"{labels[name]:28s} " + " ".join(cells))
    if args.json:
        Path(args.json).write_text(json.dumps({"peaks": peaks, "results": best}, indent=2))


if __name__ == "__main__":
    main()

"""A detector trained on one GAN's samples, tested on every other generator ganforge has (Wang et al. 2020).

    python benchmarks/detect.py [--gen-steps 1500] [--n 2000] [--det-steps 1500] [--train-on dcgan|all]
                                [--out DIR] [--tiny]

1. Trains, in this process and with ``--gen-steps`` steps each, a run of every registered image model
   (``ganforge models``: mlp, dcgan, upconv-dcgan, and StyleGAN2/BigGAN-lite once registered) on MNIST,
   a class-conditional DCGAN, a pix2pix run on ``edges2digits`` and a CycleGAN run on ``mnist2sklearn``
   (data built with ``ganforge data build``).
2. Trains the detector (:mod:`ganforge.image.detect`) on ``--n`` real MNIST training digits against ``--n``
   samples (seed 0) of the ``--train-on`` generator, with Blur+JPEG+resize augmentation (p = 0.5) and
   without, for ``--det-steps`` steps each.
3. Reports the average precision of each detector on ``--n`` held-out real digits (MNIST test) against
   ``--n`` fresh samples (seed 1) of every generator: the cross-generator matrix; and, for the training
   generator, under JPEG (quality 90, 75, 50) and resizing (0.5x and back, 0.25x and back) of both classes.

``--tiny`` checks the whole script in under a minute (2-step generators, 64 images, 10 detector steps).
Needs MNIST under ``$GANFORGE_DATA`` (or ``--data-dir``). Tables go to docs/detection.md.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import torch


def train_generators(root: Path, args: argparse.Namespace) -> Dict[str, Path]:
    """name -> run folder of every generator, trained with ``args.gen_steps`` steps."""
    from ganforge.cli.main import main
    from ganforge.family import FAMILIES

    small = ["--set", "model.width=8", "--batch-size", "16"] if args.tiny else []
    common = ["--out", str(root / "runs"), "--quiet", "--seed", "0"]
    data = ["--data", "mnist"] + (["--data-dir", args.data_dir] if args.data_dir else [])
    runs: Dict[str, Path] = {}
    jobs = [(m, [m, *data]) for m in FAMILIES.get("image").models()]
    jobs.append(("dcgan (conditional)", ["dcgan", *data, "--conditional"]))
    n_data = str(max(64, args.n // 2))
    builds = {"pix2pix": "edges2digits", "cyclegan": "mnist2sklearn"}
    for model, dataset in builds.items():
        folder = root / dataset
        extra = ["--data-dir", args.data_dir] if args.data_dir else []
        if not (folder / "SHA256SUMS").is_file():   # built by an earlier invocation: reused
            assert main(["data", "build", dataset, "--out", str(folder), "--n", n_data, "--size", "28", *extra]) == 0
        tiny = ["--set", "model.blocks=1", "--set", "model.width=4", "--batch-size", "4"] if args.tiny else []
        jobs.append((model, [model, "--data", str(folder), "--set", "train.lr_decay_steps=0", *tiny]))
    own_steps = {k: int(v) for k, v in (item.split("=", 1) for item in args.model_steps)}
    for name, argv in jobs:
        t0 = time.perf_counter()
        steps = str(own_steps.get(name, args.gen_steps))
        run_name = name.replace(" ", "").replace("(", "-").replace(")", "")
        own_small = small if argv[0] not in builds else []
        run = root / "runs" / run_name
        if (run / "checkpoints").is_dir() and any((run / "checkpoints").iterdir()):   # an earlier invocation's run
            assert main(["train", "--resume", str(run), "--steps", steps, "--quiet"]) == 0, name
        else:
            assert main(["train", *argv, *common, "--steps", steps, *own_small, "--name", run_name]) == 0, name
        runs[name] = run
        print(f"  trained {name}: {steps} steps in {time.perf_counter() - t0:.0f} s", flush=True)
    return runs


def table(title: str, columns: List[str], rows: Dict[str, List[float]]) -> None:
    print(f"\n{title}\n\n| | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns))
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(f"{100 * v:.1f}" for v in values) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gen-steps", type=int, default=1500, help="training steps of each generator")
    parser.add_argument("--model-steps", nargs="*", default=[], metavar="MODEL=STEPS",
                        help="other step counts for some generators, e.g. stylegan2=500 biggan=500 (their steps cost "
                             "10x a DCGAN's on a CPU)")
    parser.add_argument("--n", type=int, default=2000, help="images per class for training and for testing")
    parser.add_argument("--det-steps", type=int, default=1500, help="detector training steps")
    parser.add_argument("--train-on", default="dcgan", help="the generator the detector learns ('all': each in turn)")
    parser.add_argument("--data-dir", help="folder holding mnist/*.gz (default: $GANFORGE_DATA)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="folder for the runs and detectors (default: a temporary folder)")
    parser.add_argument("--tiny", action="store_true", help="check the script end to end in under a minute")
    args = parser.parse_args()
    if args.tiny:
        args.gen_steps, args.n, args.det_steps = 2, 64, 10
    torch.set_num_threads(args.threads)

    from ganforge.cli.detect import run_images
    from ganforge.engine.runtime import cpu_name
    from ganforge.image.detect.data import fit, jpeg, real_images, resize_back
    from ganforge.image.detect.net import save_detector
    from ganforge.image.detect.train import average_precision, score, train_detector

    t0 = time.perf_counter()
    root = Path(args.out or tempfile.mkdtemp(prefix="detect-bench-"))
    print(f"CPU: {cpu_name()}, {torch.get_num_threads()} threads; {args.n} images per class, generators "
          f"{args.gen_steps} steps, detector {args.det_steps} steps; folder {root}")
    runs = train_generators(root, args)
    real_train = real_images("mnist:train", args.n, args.data_dir)
    real_test = real_images("mnist:test", args.n, args.data_dir)
    size, channels = real_train.shape[-1], real_train.shape[1]
    train_fake = {name: fit(run_images(str(run), args.n, seed=0), size, channels) for name, run in runs.items()}
    test_fake = {name: fit(run_images(str(run), args.n, seed=1), size, channels) for name, run in runs.items()}
    sources = list(runs) if args.train_on == "all" else [args.train_on]
    unknown = [s for s in sources if s not in runs]
    if unknown:
        raise SystemExit(f"--train-on {unknown[0]}: choose one of {', '.join(runs)} or all")
    matrix: Dict[str, List[float]] = {}
    robust: Dict[str, List[float]] = {}
    perturb = {"clean": lambda x: x, "JPEG q90": lambda x: jpeg(x, 90), "JPEG q75": lambda x: jpeg(x, 75),
               "JPEG q50": lambda x: jpeg(x, 50), "resize 0.5x": lambda x: resize_back(x, 0.5),
               "resize 0.25x": lambda x: resize_back(x, 0.25)}
    for source in sources:
        for p_aug, label in ((0.5, "Blur+JPEG+resize (0.5)"), (0.0, "no augmentation")):
            t1 = time.perf_counter()
            net, meta = train_detector(real_train, {source: train_fake[source]}, args.det_steps, p_augment=p_aug,
                                       seed=0)
            save_detector(net, root / f"detector-{source.replace(' ', '_')}-p{p_aug}", meta)
            p_real = score(net, real_test)
            row = f"{source}, {label}"
            matrix[row] = [average_precision(p_real, score(net, f)) for f in test_fake.values()]
            robust[row] = [average_precision(score(net, fn(real_test)), score(net, fn(test_fake[source])))
                           for fn in perturb.values()]
            print(f"  detector on {row}: {time.perf_counter() - t1:.0f} s", flush=True)
    table("Average precision (%) of detectors trained on real MNIST vs one generator (rows), tested on held-out "
          "MNIST vs each generator (columns)", list(test_fake), matrix)
    table("Robustness: average precision (%) on the training generator's held-out samples when both real and "
          "generated test images are perturbed", list(perturb), robust)
    print(f"\n{time.perf_counter() - t0:.0f} s in all")


if __name__ == "__main__":
    main()

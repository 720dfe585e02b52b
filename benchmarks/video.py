"""MoCoGAN against TGAN on Moving MNIST (1 digit, 16 frames, 32x32), each trained for the same wall time on a CPU.

    GANFORGE_DATA=/path/to/shared/data python benchmarks/video.py [--max-minutes 12] [--n 2000] [--eval-clips 500]
                                                                 [--threads 2] [--out DIR] [--docs docs]
    python benchmarks/video.py --tiny        # the whole path end to end in under a minute (nothing measured)

Builds Moving MNIST (``ganforge data build moving-mnist``, ``--n`` clips a split) into ``--out``, trains
``mocogan`` and ``tgan`` (``ganforge train``, their default sizes) for ``--max-minutes`` each, scores both and
the real data (training clips against the test split, the floor) with ``ganforge eval``'s metrics (frame FID
and KID with the shipped MNIST classifier, digit consistency, ACD, motion statistics), and prints the CPU,
the steps each model reached and the markdown table for docs/video.md. With ``--docs DIR`` it writes each
model's samples there as ``video-mocogan.gif``/``.mp4`` and ``video-tgan.gif``/``.mp4`` (8 clips, seed 0),
the content and motion walks of MoCoGAN (``video-mocogan-content.gif``, ``video-mocogan-motion.gif``)
and 8 real clips (``video-real.gif``).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

MODELS = ("mocogan", "tgan")


def run_cli(argv) -> None:
    from ganforge.cli.main import run_or_exit

    run_or_exit(argv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-minutes", type=float, default=12.0, help="training time of each model")
    parser.add_argument("--n", type=int, default=2000, help="Moving MNIST clips a split")
    parser.add_argument("--eval-clips", type=int, default=500, help="clips scored for each model and the real data")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="folder for the data set and the runs (default: a temporary folder)")
    parser.add_argument("--docs", help="write GIF/MP4 samples for the docs into this folder")
    parser.add_argument("--tiny", action="store_true", help="check the path end to end in under a minute")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tiny = ["--steps", "3", "--batch-size", "4", "--set", "model.width=4"] if args.tiny else []
    budget = [] if args.tiny else ["--max-minutes", args.max_minutes]
    n, clips = (16, 8) if args.tiny else (args.n, args.eval_clips)

    from ganforge.engine.runtime import cpu_name
    from ganforge.family import load
    from ganforge.video.data.clips import load_clips
    from ganforge.video.evaluate import evaluate_run, table
    from ganforge.metrics.evaluate import Score
    from ganforge.video.metrics import VideoCard

    out = Path(args.out or tempfile.mkdtemp(prefix="video-bench-"))
    data = out / "moving-mnist"
    print(f"CPU: {cpu_name()}, {torch.get_num_threads()} threads; Moving MNIST 1 digit, 16 frames, 32x32, "
          f"{n} clips a split; {'tiny check' if args.tiny else f'{args.max_minutes:g} minutes a model'}")
    if not (data / "dataset.json").is_file():
        run_cli(["data", "build", "moving-mnist", "--out", data, "--n", n, "--size", 32, "--frames", 16, "--digits", 1])
    scores, steps = {}, {}
    for model in MODELS:
        start = time.monotonic()
        run_cli(["train", model, "--data", data, "--out", out / "runs", "--name", model, "--quiet",
                 "--set", f"train.threads={args.threads}", *budget, *tiny])
        g = load(out / "runs" / model)
        steps[model] = (g.step, time.monotonic() - start)
        result = evaluate_run(out / "runs" / model, n=clips, quiet=True)
        for name, score in result.items():
            key = "real data (train vs test)" if name == "real data" else model
            scores[key] = Score.from_dict(score, VideoCard)
        if args.docs:
            docs = Path(args.docs)
            for suffix in (".gif", ".mp4"):
                g.save(g.sample(8, seed=0), docs / f"video-{model}{suffix}")
            if model == "mocogan":
                for space in ("content", "motion"):
                    g.save(g.interpolate(8, space=space, seed=0), docs / f"video-mocogan-{space}.gif")
    if args.docs:
        real = load_clips(data, "test", 16, 32, limit=8)
        load(out / "runs" / MODELS[0]).save(real.clips, Path(args.docs) / "video-real.gif")
    for model, (step, seconds) in steps.items():
        print(f"{model}: {step} steps in {seconds / 60:.1f} min (training, sampling and scoring)")
    real = scores.pop("real data (train vs test)")
    scores["real data (train vs test)"] = real
    print()
    print(table(scores))
    print()
    print(real.card.lines())
    (out / "video-benchmark.json").write_text(json.dumps({k: s.to_dict() for k, s in scores.items()}, indent=2))
    print(f"\nruns and scores in {out}" + (f"; samples in {args.docs}" if args.docs else ""))


if __name__ == "__main__":
    main()

"""Text to image (acceptance 3): StackGAN's stage I alone and stage I + II, with and without conditioning augmentation.

    GANFORGE_DATA=/path/to/shared/data python benchmarks/text2image.py [--stage1-steps 3000] [--stage2-steps 3000]
                                      [--text-steps 600] [--match-weight 0] [--n 20000]
                                      [--eval-images 1000] [--threads 2]
                                      [--out DIR] [--docs docs]
    python benchmarks/text2image.py --tiny        # the whole path end to end in under a minute (nothing measured)

Builds captioned digits (``ganforge data build captioned-digits``, ``--n`` train items) into ``--out`` and
trains two runs of ``stackgan`` (``ganforge train``, default sizes, the same seed and batch order):
stage I + II with conditioning augmentation and without (``model.ca=false``). Each first pre-trains its
text encoder for ``--text-steps`` (``train.text_steps``; 0 = none, the encoders trained by the GAN losses as
in the first measurement); ``--match-weight`` adds the generator's matching term under the run's own
matcher (``train.match_weight``). Stage I runs
``--stage1-steps``; stage II runs ``--stage2-steps`` more on top of the frozen stage I, so each run's
stage I is exactly the network a stage-I-only run (``model.stages=1``) would have made: the "stage I"
rows score it (``ganforge sample --stage 1``), the "stage I + II" rows the full pipeline. Each run is scored by ``ganforge eval``'s protocol on the first ``--eval-images`` test
captions (R-precision with the shipped text-image matcher, 1 of 100; attribute accuracy: digit, thickness,
slant, size, position, all), beside the real test canvases at 64x64 and at stage I's size (the floors).
Prints the CPU, each run's steps and wall time, and the markdown table for docs/text2image.md; with
``--docs DIR`` writes sample grids of fixed prompts (8 images each, seed 0) of the CA runs there as
``text2image-stage1.png`` and ``text2image-stage2.png`` (one row a prompt) with the prompts in
``text2image-prompts.txt``.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

PROMPTS = ("a thin seven left of a bold two", "a bold three above a thin one", "a large bold upright eight",
           "a small thin right-slanted four", "a medium regular left-slanted zero", "a bold nine right of a thin five")
RUNS = (("CA", []), ("no CA", ["--set", "model.ca=false"]))
ROWS = ("stage I, CA", "stage I, no CA", "stage I + II, CA", "stage I + II, no CA")


def run_cli(argv) -> None:
    from ganforge.cli.main import run_or_exit

    run_or_exit(argv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage1-steps", type=int, default=3000)
    parser.add_argument("--stage2-steps", type=int, default=3000)
    parser.add_argument("--text-steps", type=int, help="text encoder pre-training steps (train.text_steps; default: "
                        "the config's; 0 = none)")
    parser.add_argument("--match-weight", type=float, default=0.0, help="train.match_weight (needs --text-steps > 0)")
    parser.add_argument("--n", type=int, default=20000, help="captioned-digits train items (test: a tenth)")
    parser.add_argument("--eval-images", type=int, default=1000, help="test captions scored for each run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", help="training device (auto: CUDA when present)")
    parser.add_argument("--out", help="folder for the data set and the runs (default: a temporary folder)")
    parser.add_argument("--docs", help="write the sample grids of fixed prompts into this folder")
    parser.add_argument("--tiny", action="store_true", help="check the path end to end in under a minute")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    s1, s2, n, images = (2, 2, 200, 20) if args.tiny else (args.stage1_steps, args.stage2_steps, args.n,
                                                          args.eval_images)
    tiny = ["--batch-size", "8", "--set", "model.width=4", "--set", "data.limit=64", "--set", "train.text_batch_size=8"
            ] if args.tiny else []
    text = 2 if args.tiny else args.text_steps
    # samples only at the phases' ends (train.sample_every=1000000 below)
    text_flags = ([] if text is None else ["--set", f"train.text_steps={text}"]) + (
        ["--set", f"train.match_weight={args.match_weight}"] if args.match_weight else [])

    from ganforge.engine.runtime import cpu_name
    from ganforge.family import load
    from ganforge.text2image.evaluate import evaluate_run, table
    from ganforge.metrics.evaluate import Score
    from ganforge.text2image.metrics import TextToImageCard

    out = Path(args.out or tempfile.mkdtemp(prefix="text2image-bench-"))
    data = out / "captioned-digits"
    if not (data / "dataset.json").is_file():
        run_cli(["data", "build", "captioned-digits", "--out", data, "--n", n])
    scores, lines = {}, []
    for name, flags in RUNS:
        run = out / "runs" / name.replace(" ", "").replace(",", "-").replace("+", "")
        t0 = time.monotonic()
        if (run / "checkpoints").is_dir() and any((run / "checkpoints").iterdir()):   # an earlier invocation's run
            run_cli(["train", "--resume", run, "--steps", s2, "--quiet"])
        else:
            run_cli(["train", "stackgan", "--data", data, "--out", run.parent, "--name", run.name, "--quiet",
                     "--steps", s2, "--set", f"train.stage1_steps={s1}", "--set", f"train.threads={args.threads}",
                     "--device", args.device, "--set", "train.sample_every=1000000", *tiny, *text_flags, *flags])
        seconds = time.monotonic() - t0
        result = evaluate_run(run, n=images, quiet=True)
        stage_rows = [k for k in result if k.startswith("stage")]   # stage II first, then stage I
        scores[f"stage I + II, {name}"] = Score.from_dict(result[stage_rows[0]], TextToImageCard)
        scores[f"stage I, {name}"] = Score.from_dict(result[stage_rows[-1]], TextToImageCard)
        for floor in (k for k in result if k.startswith("real")):
            scores[floor] = Score.from_dict(result[floor], TextToImageCard)
        lines.append(f"{name}: {load(run).step} steps in {seconds / 60:.1f} min")
        if args.docs and name == "CA":
            g = load(run)
            docs = Path(args.docs)
            docs.mkdir(parents=True, exist_ok=True)
            prompts = [p for p in PROMPTS for _ in range(8)]
            for stage in range(1, g.config.stages + 1):
                g.save(g.sample(prompts, n=len(prompts), seed=0, stage=stage),
                       docs / f"text2image-stage{stage}.png", nrow=8)
            (docs / "text2image-prompts.txt").write_text("\n".join(PROMPTS) + "\n")
    order = list(ROWS) + [k for k in scores if k.startswith("real")]
    print(f"CPU: {cpu_name()}; device {args.device}; {args.threads} threads; text encoder "
          f"{'default' if text is None else text} steps, match weight {args.match_weight}, stage I {s1} steps, "
          f"stage II {s2} steps")
    print("\n".join(lines))
    print(table({k: scores[k] for k in order}))
    print(scores[ROWS[0]].card.lines())


if __name__ == "__main__":
    main()

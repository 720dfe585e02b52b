"""``ganforge detect``: train a detector of generated images, and score images with it (docs/detection.md).

    ganforge detect train --real mnist --fake runs/dcgan-... [RUN ...] --out detector
    ganforge detect FILE|DIR [...] --model detector

The generated images of a run are what it makes: an image run's seeded samples, a translation run's
translations of its own data's inputs (test split when there is one). The detector itself lives in
:mod:`ganforge.image.detect`.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List

import torch


def add_parser(sub) -> None:
    p = sub.add_parser("detect", help="detect generated images: `detect train` a CNN, `detect FILE|DIR` score images",
                       description="ganforge detect train --real DATA --fake RUN [RUN ...] --out DETECTOR | "
                                   "ganforge detect FILE|DIR [...] --model DETECTOR")
    p.add_argument("targets", nargs="*", metavar="FILE|DIR", help="images or folders to score, or: train")
    p.add_argument("--model", help="the detector to score with (DETECTOR from `detect train`)")
    p.add_argument("--real", help="train: real images: mnist, mnist:test, embedded, fashion-mnist or a folder")
    p.add_argument("--fake", nargs="+", metavar="RUN", help="train: runs whose images are the generated class")
    p.add_argument("--out", help="train: where to save the detector (DETECTOR.safetensors + .json); score: a JSON "
                                 "file of the scores")
    p.add_argument("--n", type=int, default=2000, help="train: real images and samples per run (default 2000)")
    p.add_argument("--steps", type=int, default=600, help="train: optimisation steps (default 600)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=16, help="train: channels of the first layer (default 16)")
    p.add_argument("--augment", type=float, default=0.5, help="train: probability of blur, of JPEG and of resize "
                                                              "per image (default 0.5; 0 = none)")
    p.add_argument("--size", type=int, default=0, help="train: image side (default: the real data's)")
    p.add_argument("--data-dir", help="folder holding the data files (default: $GANFORGE_DATA)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threshold", type=float, default=0.5, help="score: probability above which an image is "
                                                                "called generated (default 0.5)")
    p.set_defaults(func=run)


def run_images(run: str, n: int, seed: int = 0) -> torch.Tensor:
    """uint8 ``[n, C, H, W]`` images a run generates (image runs sample; translation runs translate their inputs)."""
    from ganforge.errors import GanforgeError
    from ganforge.family import family_of_run, load

    family = family_of_run(run).name
    g = load(run)
    if family == "image":
        return g.sample(n, seed=seed)
    if family == "translation":
        from ganforge.engine.run_folder import run_folder_of
        from ganforge.media.reading import to_uint8
        from ganforge.translation.data.folders import load_translation_data

        cfg = run_folder_of(run).config_dict()
        root, direction = Path(cfg["data"]["dir"]), g.directions[0]
        split = "test" if any((root / d).is_dir() for d in ("test", "testA")) else "train"
        a, b = g.config.channels_a, g.config.channels_b
        data = load_translation_data(root, split, g.image_size, a, b, paired=g.config.name == "pix2pix", limit=n)
        inputs = data.a if direction == "AtoB" else data.b
        return torch.cat([to_uint8(g.translate(inputs[s:s + 64].float() / 127.5 - 1, direction))
                          for s in range(0, len(inputs), 64)])
    raise GanforgeError(f"{run} is a {family} run, which makes no images; --fake takes image or translation runs")


def image_files(targets: List[str]) -> List[Path]:
    from ganforge.errors import GanforgeError
    from ganforge.media.reading import IMAGE_SUFFIXES, visible_images

    files: List[Path] = []
    for t in targets:
        path = Path(t)
        if path.is_dir():
            files += visible_images(sorted(path.iterdir()))
        elif path.is_file():
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                raise GanforgeError(f"{path} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))})")
            files.append(path)
        else:
            raise GanforgeError(f"{path} does not exist; pass image files or folders of images")
    if not files:
        raise GanforgeError(f"no images in {', '.join(targets)}; pass image files or folders of images")
    return files


def train(args: argparse.Namespace) -> int:
    from ganforge.errors import GanforgeError
    from ganforge.image.detect.data import real_images
    from ganforge.image.detect.net import save_detector
    from ganforge.image.detect.train import train_detector

    if not (args.real and args.fake and args.out):
        raise GanforgeError("detect train needs --real DATA --fake RUN [RUN ...] --out DETECTOR, e.g. "
                            "`ganforge detect train --real mnist --fake runs/dcgan-1 --out detector`")
    real = real_images(args.real, args.n, args.data_dir, args.size)
    fakes = {Path(r).name: run_images(r, args.n, args.seed) for r in args.fake}
    net, meta = train_detector(real, fakes, args.steps, args.batch_size, args.width, p_augment=args.augment,
                               seed=args.seed)
    meta.update(real=args.real, fake_runs=[str(r) for r in args.fake])
    path = save_detector(net, args.out, meta)
    print(f"trained a detector on {len(real)} real images ({args.real}) and {sum(meta['fake_sources'].values())} "
          f"generated ones ({', '.join(fakes)}) in {meta['seconds']:.1f} s: {path}\n"
          f"  score images: ganforge detect FILE|DIR --model {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    from ganforge.errors import GanforgeError

    if args.targets[:1] == ["train"]:
        if len(args.targets) > 1:
            raise GanforgeError(f"detect train takes no files (got {' '.join(args.targets[1:])}); give runs with "
                                "--fake RUN")
        return train(args)
    if not args.targets or not args.model:
        raise GanforgeError("detect needs images and a detector: `ganforge detect FILE|DIR --model DETECTOR` (train "
                            "one with `ganforge detect train`)")
    from ganforge.image.detect.net import load_detector
    from ganforge.image.detect.train import score_files

    net, meta = load_detector(args.model)
    scores = score_files(net, meta, image_files(args.targets))
    for path, p in scores:
        print(f"{p:.3f}  {'generated' if p >= args.threshold else 'real':9s}  {path}")
    flagged = sum(p >= args.threshold for _, p in scores)
    print(f"{flagged} of {len(scores)} image(s) scored as generated (threshold {args.threshold})")
    if args.out:
        Path(args.out).write_text(json.dumps({str(p): s for p, s in scores}, indent=1) + "\n")
    return 0

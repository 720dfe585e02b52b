"""``ganforge features``: train the image extractors (domain classifier, ``mnist-resnet``, ``mnist-autoencoder``),
fetch the Inception weights, list extractors and print their cards."""
from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.errors import GanforgeError

MNIST_EXTRACTORS = ("mnist-classifier", "mnist-resnet", "mnist-autoencoder")   # every shipped 28x28 extractor
# `features train --extractor NAME`: the training function and its default epochs
TRAINERS = {"classifier": ("ganforge.image.metrics.classifier:train_classifier", 3.0),
            "mnist-resnet": ("ganforge.image.metrics.resnet_classifier:train_resnet", 2.0),
            "mnist-autoencoder": ("ganforge.image.metrics.autoencoder:train_autoencoder", 3.0)}


def add_parser(sub) -> None:
    p = sub.add_parser("features", help="feature extractors for evaluation: train, download, list")
    fsub = p.add_subparsers(dest="features_command", metavar="ACTION")
    t = fsub.add_parser("train", help="train the domain classifier (28x28 digits or clothes; audio clips), seeded")
    t.add_argument("--extractor", default="classifier", choices=sorted(TRAINERS),
                   help="which image extractor: classifier (the domain classifier of --data, default), mnist-resnet "
                        "(residual, augmented, label smoothing) or mnist-autoencoder (no labels; linear probe)")
    t.add_argument("--data", default="mnist", help="mnist or fashion-mnist (default mnist), or the folder of an audio "
                   "set built by `ganforge data build notes|spoken-digits`")
    t.add_argument("--data-dir", help="folder holding the IDX files (default: $GANFORGE_DATA)")
    t.add_argument("--epochs", type=float, help="default 3 (classifier, autoencoder), 2 (mnist-resnet), 15 (audio)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--limit", type=int, default=0, help="train on the first N images only (0 = all)")
    t.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    t.add_argument("--out", help="weights file (default: the cache, where evaluation looks)")
    t.set_defaults(func=train)
    m = fsub.add_parser("train-matcher", help="train the text-image matcher of R-precision on a captioned-digits set")
    m.add_argument("--data", required=True, help="a folder built by `ganforge data build captioned-digits`")
    m.add_argument("--steps", type=int, default=1500)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    m.add_argument("--out", help="weights file (required while the package's shipped file, which evaluation "
                                 "reads, exists: name that file to replace it)")
    m.set_defaults(func=train_matcher)
    d = fsub.add_parser("download-inception", help="fetch the pt_inception weights (sha256 checked)")
    d.add_argument("--url", help="a mirror URL or local file instead of the canonical release")
    d.add_argument("--out", help="destination file (default: the cache, where evaluation looks)")
    d.set_defaults(func=download)
    ls = fsub.add_parser("list", help="list the registered feature extractors")
    ls.set_defaults(func=list_extractors)
    c = fsub.add_parser("card", help="print the card of shipped image extractors: weights sha256, data, test figures")
    c.add_argument("names", nargs="*", help="extractor names (default: every MNIST extractor)")
    c.set_defaults(func=print_cards)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def train(args: argparse.Namespace) -> int:
    import torch

    if args.epochs is not None and not 0 < args.epochs < float("inf"):
        raise GanforgeError(f"--epochs must be a number > 0 (got {args.epochs}); leave it out for the default")
    if args.limit < 0:
        raise GanforgeError(f"--limit must be >= 0 (got {args.limit}; 0 = all images)")
    if args.extractor != "classifier" and args.data not in ("mnist", "embedded"):
        raise GanforgeError(f"{args.extractor} is an MNIST extractor; pass --data mnist (or --data embedded)")
    if args.threads:
        torch.set_num_threads(args.threads)
    if Path(args.data).is_dir():   # a built audio set
        from ganforge.audio.metrics.classifier import train_classifier as train_audio

        info = train_audio(args.data, args.out, epochs=args.epochs or 15.0, seed=args.seed)
        print(f"trained the {info['data']} classifier in {info['seconds']} s: test accuracy {info['test_accuracy']:.4f}"
              f" ({info['primary']} {info['test_' + info['primary'] + '_accuracy']:.4f}) on {info['test_clips']} clips"
              f"\n  weights: {info['path']}\n  sha256:  {info['sha256']}")
        return 0
    import importlib

    where, epochs = TRAINERS[args.extractor]
    module, _, function = where.partition(":")
    trainer = getattr(importlib.import_module(module), function)
    info = trainer(args.data, args.out, epochs=args.epochs or epochs, seed=args.seed, data_dir=args.data_dir,
                   limit=args.limit)
    from ganforge.image.metrics.views import FIGURES

    figures = "  ".join(f"{k.replace('_', ' ')} {info[k]:.4f}" for k in FIGURES if k in info)
    print(f"trained {args.extractor} on {args.data} in {info['seconds']} s: {figures} on {info['test_images']} test "
          f"images\n  weights: {info['path']}\n  sha256:  {info['sha256']}")
    return 0




def print_cards(args: argparse.Namespace) -> int:
    from ganforge.image.metrics.views import print_card
    from ganforge.metrics.features import create_extractor

    for name in args.names or MNIST_EXTRACTORS:
        print_card(create_extractor(name).card())
    return 0


def train_matcher(args: argparse.Namespace) -> int:
    import torch

    from ganforge.text2image.metrics.matcher import SHIPPED, train_matcher as train

    if args.steps < 1:
        raise GanforgeError(f"--steps must be >= 1 (got {args.steps}); the shipped matcher took 1500")
    if not args.out and SHIPPED.is_file():   # the package's weights, which every text2image evaluation reads
        raise GanforgeError(f"this would replace the shipped matcher weights ({SHIPPED}); pass --out FILE (that "
                            "path itself to replace them on purpose)")
    if args.threads:
        torch.set_num_threads(args.threads)
    info = train(args.data, args.out, steps=args.steps, seed=args.seed)
    print(f"trained the text-image matcher in {info['seconds']} s: test R-precision {info['test_r_precision']:.4f} on "
          f"{info['test_items']} captions\n  weights: {info['path']}\n  sha256:  {info['sha256']}")
    return 0


def download(args: argparse.Namespace) -> int:
    from ganforge.image.metrics.inception import WEIGHTS_URL, download_inception

    path = download_inception(args.out, args.url or WEIGHTS_URL)
    print(f"Inception weights ready: {path}")
    return 0


def list_extractors(args: argparse.Namespace) -> int:
    from ganforge.metrics.features import EXTRACTORS

    for name in EXTRACTORS.names():
        doc = (EXTRACTORS.get(name).__doc__ or "").strip().splitlines()
        print(f"{name:26s} {doc[0] if doc else ''}")
    return 0

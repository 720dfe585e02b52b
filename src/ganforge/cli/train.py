"""``ganforge train``: train any registered model, or resume a run; dispatched to the model's family."""
from __future__ import annotations

import argparse

from ..families import family_named, family_of_model, load_families
from ..training.runs import read_run_info


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a GAN (default: DCGAN on the embedded MNIST digits)",
                       description="Train a model. With no arguments: DCGAN on the MNIST digits shipped in the "
                                   "package, a few minutes on a laptop CPU.")
    p.add_argument("model", nargs="?", default=None, help="model name (see `ganforge models`; default dcgan)")
    p.add_argument("--data", help="data set: embedded, mnist, fashion-mnist, folder (text: coco, a .txt file)")
    p.add_argument("--data-dir", help="folder holding the data files (default: $GANFORGE_DATA)")
    p.add_argument("--download", action="store_true", default=None, help="download missing data files")
    p.add_argument("--mirror", help="download from this URL or local folder instead of the canonical source")
    p.add_argument("--steps", type=int, help="number of generator steps (text GANs: adversarial steps; mle: MLE steps)")
    p.add_argument("--max-minutes", type=float, help="stop after this many minutes (a checkpoint is saved)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--loss", help="adversarial loss (see `ganforge losses`)")
    p.add_argument("--conditional", action="store_true", help="class-conditional model (labels from the data)")
    p.add_argument("--image-size", type=int)
    p.add_argument("--channels", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="auto (CUDA if present), cpu, cuda, cuda:N")
    p.add_argument("--precision", choices=("fp32", "bf16", "fp16"))
    p.add_argument("--out", default="runs", help="folder where run folders are created (default: runs)")
    p.add_argument("--name", help="run folder name (default: MODEL-TIMESTAMP)")
    p.add_argument("--config", help="YAML config file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set train.lr_g=1e-4 (repeatable)")
    p.add_argument("--resume", metavar="RUN", help="continue the run in this folder from its newest checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--eval-every", type=int, help="score samples every N steps (metrics.jsonl, best checkpoint)")
    p.add_argument("--eval-metrics", help="metrics for --eval-every, e.g. fid,kid (the first picks the best)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    load_families()
    if args.resume:
        info = read_run_info(args.resume)
        return family_named(info["family"]).train(args)
    return family_of_model(args.model or "dcgan").train(args)

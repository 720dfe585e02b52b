"""``ganforge translate RUN INPUT --out OUTPUT``: translate an image or a folder of images with a translation run."""
from __future__ import annotations

import argparse

from ganforge.cli.sample import add_provenance_flag, report_provenance
from ganforge.errors import GanforgeError
from ganforge.family import family_of_run


def add_parser(sub) -> None:
    p = sub.add_parser("translate", help="translate images with a pix2pix or CycleGAN run",
                       description="Translate an image (or every image of a folder) with a translation run. Inputs "
                                   "are resized to the model's size; outputs are PNGs (a folder of them, named as "
                                   "the inputs, for a folder or several files).")
    p.add_argument("run", help="run folder or checkpoint file of a pix2pix or cyclegan run")
    p.add_argument("input", nargs="+", help="an image file, a folder of images, or several image files")
    p.add_argument("--out", required=True, help="output image (.png) for one input image, else a folder")
    p.add_argument("--direction", choices=("AtoB", "BtoA"), help="AtoB or BtoA (default: the run's first: pix2pix "
                                                                 "learns one)")
    p.add_argument("--convert", action="store_true", help="convert colour inputs of a grayscale model to grayscale "
                                                          "(luminance) instead of refusing them")
    p.add_argument("--compare", action="store_true", help="write input | output (| round trip, CycleGAN) side by side")
    p.add_argument("--device", default="cpu")
    add_provenance_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    family = family_of_run(args.run)
    if family.name != "translation":
        raise GanforgeError(f"{args.run} is a run of the {family.name} family, which generates rather than translates; "
                            "`ganforge translate` takes pix2pix or cyclegan runs (sample this one with `ganforge "
                            "sample`)")
    from ganforge.family import load

    t = load(args.run, device=args.device)
    inputs = args.input[0] if len(args.input) == 1 else args.input
    from ganforge.provenance import origin_of

    origin = origin_of(t, enabled=args.provenance, action="translate", direction=args.direction or t.directions[0])
    written = t.translate_files(inputs, args.out, direction=args.direction, convert=args.convert, compare=args.compare,
                                origin=origin)
    print(f"translated {len(written)} image(s) {args.direction or t.directions[0]} with {t.source} (step {t.step}) "
          f"into {args.out}")
    report_provenance(args)
    return 0

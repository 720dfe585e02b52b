"""``ganforge dissect RUN --out report/``: GAN Dissection of an image run (units x concepts, ablation, insertion).

See docs/dissection.md. Every option is a key of
:class:`ganforge.image.dissect.study.DissectConfig` and is checked there (ranges, finite numbers).
"""
from __future__ import annotations

import argparse
from typing import List, Optional, Tuple

from ganforge.errors import GanforgeError


def _names(text: Optional[str], what: str) -> Tuple[str, ...]:
    if text is None:
        return ()
    names = [n.strip() for n in text.split(",")]
    if not any(names) or any(not n for n in names):
        raise GanforgeError(f"--{what} {text!r} has an empty name; give comma-separated names, e.g. "
                            + ("--layers blocks.2" if what == "layers" else "--concepts loop,junction"))
    return tuple(names)


def add_parser(sub) -> None:
    p = sub.add_parser("dissect", help="GAN Dissection: which units draw which concepts (image runs)",
                       description="Match each unit of the generator's feature maps with concepts (for digits: loops, "
                                   "stroke ends, junctions, bars), then switch the top units of each concept off "
                                   "and on and measure the effect against random units. Writes an HTML report.")
    p.add_argument("run", help="image run folder or checkpoint (a dcgan or upconv-dcgan)")
    p.add_argument("--out", required=True, help="folder for index.html, dissection.json and the figures")
    p.add_argument("--samples", type=int, help="generated samples to dissect on (default 1000)")
    p.add_argument("--quantile", type=float, help="a unit fires in its top share of activations (default 0.04)")
    p.add_argument("--layers", help="comma-separated feature maps (default: each block's nonlinearity)")
    p.add_argument("--segmenter", help="concept segmenter (default: digit-strokes for grayscale images)")
    p.add_argument("--concepts", help="comma-separated concepts (default: all of the segmenter's)")
    p.add_argument("--plugin", action="append", default=[], metavar="FILE.py|MODULE",
                   help="import a file or module that registers segmenters (@register_segmenter); repeatable")
    p.add_argument("--units", type=int, help="units switched off / on per concept (default 8)")
    p.add_argument("--draws", type=int, help="random unit sets to compare with (default 5)")
    p.add_argument("--study-samples", type=int, help="samples per ablation / insertion (default 500)")
    p.add_argument("--top", type=int, help="top units listed per concept (default 5)")
    p.add_argument("--no-insertion", action="store_true", help="skip the insertion study")
    p.add_argument("--list", action="store_true", help="list the run's layers and the segmenters, then stop")
    p.add_argument("--seed", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--device", default="cpu")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=dissect_command)


def config_of(args: argparse.Namespace):
    from ganforge.config import from_dict
    from ganforge.image.dissect.study import DissectConfig

    keys = {"samples": args.samples, "quantile": args.quantile, "segmenter": args.segmenter, "units": args.units,
            "draws": args.draws, "study_samples": args.study_samples, "top": args.top, "seed": args.seed,
            "batch_size": args.batch_size, "device": args.device}
    data = {k: v for k, v in keys.items() if v is not None}
    data["layers"], data["concepts"] = _names(args.layers, "layers"), _names(args.concepts, "concepts")
    data["insertion"] = not args.no_insertion
    return from_dict(DissectConfig, data)


def list_what(args: argparse.Namespace, plugins: List[str]) -> int:
    from ganforge.image.dissect.concepts import SEGMENTERS, load_plugin
    from ganforge.image.dissect.study import load_image_run, prepare

    for plugin in plugins:
        load_plugin(plugin)
    subject = prepare(load_image_run(args.run, args.device))
    print("layers (* = dissected by default):")
    for layer in subject.every_layer:
        print(f"  {'*' if layer in subject.layers else ' '} {layer.describe()}")
    print("segmenters:")
    for name in SEGMENTERS.names():
        seg = SEGMENTERS.get(name)
        print(f"  {name}: {', '.join(seg.concepts)} ({seg.description})")
    return 0


def dissect_command(args: argparse.Namespace) -> int:
    from ganforge.image.dissect.study import dissect_run

    if args.list:
        return list_what(args, args.plugin)
    cfg = config_of(args)
    html = dissect_run(args.run, args.out, cfg, plugins=args.plugin, quiet=args.quiet)
    if not args.quiet:
        print(f"wrote the dissection of {args.run} to {html} (numbers in {html.parent / 'dissection.json'})")
    return 0

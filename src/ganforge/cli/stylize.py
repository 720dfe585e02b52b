"""``ganforge stylize CONTENT STYLE --out OUT.png`` and ``ganforge stylize train STYLE --out MODEL``.

CONTENT and STYLE are image files or bundled names (``skimage:astronaut``, ``skimage:brick``,
``sklearn:china``; ``--list`` shows them). ``--method optimize`` (default) optimises the pixels
against a random multi-scale loss network (or VGG-19 with ``--vgg19 FILE``); ``--method
feedforward --model MODEL`` runs a network trained by ``stylize train``. The style and content
losses over time are written beside the output as JSON.
"""
from __future__ import annotations

import argparse

from ganforge.cli.sample import add_provenance_flag, report_provenance


def add_parser(sub) -> None:
    p = sub.add_parser("stylize", help="neural style transfer (optimisation or a trained feed-forward net)",
                       description="ganforge stylize CONTENT STYLE --out OUT.png | ganforge stylize train STYLE "
                                   "--out MODEL")
    p.add_argument("images", nargs="*", metavar="CONTENT STYLE",
                   help="content and style image (file or bundled name), or: train STYLE")
    p.add_argument("--out", help="output PNG (stylize) or model path (train)")
    p.add_argument("--method", default="optimize", help="optimize (default) or feedforward")
    p.add_argument("--model", help="feed-forward model trained by `stylize train` (with --method feedforward)")
    p.add_argument("--steps", type=int, help="optimisation steps (default 100) or training steps (default 300)")
    p.add_argument("--size", type=int, help="shorter image side (default 256; training crops default 128)")
    p.add_argument("--vgg19", help="VGG-19 weights as safetensors (torchvision's names) instead of random filters")
    p.add_argument("--style-weight", type=float, default=1.0)
    p.add_argument("--content-weight", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0, help="seed of the random loss network and the training crops")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.add_argument("--list", action="store_true", help="list the bundled image names")
    add_provenance_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from ganforge.errors import GanforgeError

    if args.list:
        from ganforge.datasets.bundled import bundled_names

        print("\n".join(bundled_names()))
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    training = bool(args.images) and args.images[0] == "train"
    want = "train STYLE" if training else "CONTENT STYLE"
    if len(args.images) != 2 or not args.out:
        raise GanforgeError(f"stylize takes {want} --out {'MODEL' if training else 'OUT.png'} (got "
                            f"{len(args.images)} image argument(s){'' if args.out else ' and no --out'}); "
                            "bundled names: `ganforge stylize --list`")
    if training:
        from ganforge.style.run import train

        info = train(args.images[1], args.out, steps=args.steps or 300, size=args.size or 128, vgg19=args.vgg19,
                     style_weight=args.style_weight, content_weight=args.content_weight, seed=args.seed)
        print(f"trained a feed-forward net for {info['style']} in {info['seconds']:.1f} s ({info['steps']} steps): "
              f"style loss {info['style_loss']:.4g}, content loss {info['content_loss']:.4g}\n  model: {info['path']}")
        return 0
    from ganforge.style.run import stylize

    rec = stylize(args.images[0], args.images[1], args.out, args.method, steps=args.steps or 100,
                  size=args.size or 256, model=args.model, vgg19=args.vgg19, style_weight=args.style_weight,
                  content_weight=args.content_weight, seed=args.seed, provenance=args.provenance)
    print(f"wrote {args.out} ({args.method}, {rec['seconds']:.2f} s): style loss {rec['style_loss']:.4g}, "
          f"content loss {rec['content_loss']:.4g}; losses over time in {args.out[:-4]}.json")
    report_provenance(args)
    return 0

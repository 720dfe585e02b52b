"""Style transfer on a CPU: Gatys-style optimisation against a trained feed-forward net, in one run.

    python benchmarks/stylize.py [--content skimage:astronaut] [--style skimage:brick] [--size 256]
                                 [--steps 100] [--train-steps 300] [--threads 2] [--out DIR]

Prints the CPU, then the style and content losses against time of (1) optimising the pixels for
``--steps`` steps and (2) training the feed-forward net for ``--train-steps`` steps, then the
feed-forward net's time and losses on the same content image, and the speed-up of one
stylisation (optimisation time / feed-forward time) and the number of images after which training
has paid for itself. The images and the JSON loss records go to ``--out``.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch


def table(title: str, rows: list) -> None:
    print(f"\n{title}\n  {'seconds':>8} {'step':>6} {'style loss':>11} {'content loss':>13}")
    for r in rows:
        print(f"  {r['seconds']:8.2f} {r['step']:6d} {r['style_loss']:11.4g} {r['content_loss']:13.4g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", default="skimage:astronaut")
    parser.add_argument("--style", default="skimage:brick")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="folder for the images and loss records (default: a temporary folder)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from ganforge.engine.runtime import cpu_name
    from ganforge.style.run import stylize, train

    out = Path(args.out or tempfile.mkdtemp(prefix="stylize-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"CPU: {cpu_name()}, {torch.get_num_threads()} threads; content {args.content}, style {args.style}, "
          f"{args.size} px")
    opt = stylize(args.content, args.style, out / "optimize.png", steps=args.steps, size=args.size, progress=False)
    table(f"optimisation ({args.steps} steps, loss network: {opt['loss_net']})", opt["history"])
    model = train(args.style, out / "model", steps=args.train_steps, progress=False)
    import json

    table(f"feed-forward training ({args.train_steps} steps of 4 crops of 128 px)",
          json.loads((out / "model.json").read_text())["history"])
    ff = stylize(args.content, args.style, out / "feedforward.png", method="feedforward", model=model["path"],
                 size=args.size, progress=False)
    print(f"\nfeed-forward stylisation: {ff['seconds']:.3f} s, style loss {ff['style_loss']:.4g}, content loss "
          f"{ff['content_loss']:.4g}")
    print(f"optimisation:             {opt['seconds']:.3f} s, style loss {opt['style_loss']:.4g}, content loss "
          f"{opt['content_loss']:.4g}")
    speedup = opt["seconds"] / max(ff["seconds"], 1e-9)
    print(f"speed-up of one stylisation: {speedup:.0f}x; training ({model['seconds']:.0f} s) pays for itself after "
          f"{model['seconds'] / max(opt['seconds'] - ff['seconds'], 1e-9):.1f} images\nimages and loss records: {out}")


if __name__ == "__main__":
    main()

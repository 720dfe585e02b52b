"""``ganforge project RUN IMAGE``: find the w (and optionally the noise) whose image matches a real image.

Writes the projected image (``--out``, default ``IMAGE-projected.png``, with provenance), its w as
``OUT.npy`` (float32 ``[num_ws, w_dim]``, the one w repeated per layer, ready for ``G.synthesis``) and
``OUT.json`` (the reconstruction error before and after, per step, and the settings). Runs whose model has no
mapping network are refused in one line; an image of another size or channel count is converted with a note.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ganforge.cli.sample import add_provenance_flag, report_provenance
from ganforge.errors import GanforgeError


def add_parser(sub) -> None:
    p = sub.add_parser("project", help="project a real image into a stylegan2 run's W space")
    p.add_argument("run", help="run folder or checkpoint file (a model with a mapping network: stylegan2)")
    p.add_argument("image", help="the image to project (PNG, JPEG, ...; converted to the model's size and channels)")
    p.add_argument("--steps", type=int, default=300, help="optimisation steps (default 300)")
    p.add_argument("--lr", type=float, default=0.1, help="Adam's peak learning rate (default 0.1)")
    p.add_argument("--noise", action="store_true", help="optimise the noise maps as well as w")
    p.add_argument("--pixels-only", action="store_true",
                   help="pixel MSE only (default for 1-channel models: plus the MNIST classifier's features)")
    p.add_argument("--label", type=int, help="class of the image (conditional models: the start of w)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="projected image .png (default IMAGE-projected.png)")
    p.add_argument("--device", default="cpu")
    add_provenance_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ganforge.family import family_of_run, load
    from ganforge.image.explore import require_mapping
    from ganforge.image.project import project, psnr, read_target
    from ganforge.media.writers import save_samples
    from ganforge.provenance import origin_of

    family = family_of_run(args.run)
    if family.name != "image":
        raise GanforgeError(f"projection works on image runs with a mapping network (stylegan2); {args.run} is a "
                            f"{family.name} run")
    if args.steps < 1 or not 0 < args.lr < float("inf"):
        raise GanforgeError(f"--steps must be >= 1 and --lr a number > 0 (got {args.steps}, {args.lr}); try "
                            "--steps 300 --lr 0.1")
    image = Path(args.image)
    if not image.is_file():
        raise GanforgeError(f"no image file {image}; give the path of a PNG or JPEG")
    out = Path(args.out or image.with_name(f"{image.stem}-projected.png"))
    if out.suffix.lower() != ".png":
        raise GanforgeError(f"cannot write the projection to {out}: use a .png file")
    g = load(args.run, device=args.device)
    require_mapping(g, "projection")
    target, note = read_target(image, g.config.channels, g.config.image_size)
    if note:
        print(f"note: {image.name}: {note} (the model makes {g.config.image_size}x{g.config.image_size} "
              f"{'grayscale' if g.config.channels == 1 else 'RGB'} images)", file=sys.stderr)
    result = project(g, target, steps=args.steps, lr=args.lr, optimize_noise=args.noise,
                     feature_weight=0.0 if args.pixels_only else 0.1, label=args.label, seed=args.seed,
                     progress=sys.stderr.isatty())
    origin = origin_of(g, args.seed, enabled=args.provenance, action="project", target=image.name)
    save_samples(result.image[None], out, "images", origin=origin, nrow=1)
    np.save(out.with_suffix(".npy"), result.w.numpy().astype(np.float32))
    report = {"run": str(g.source), "step": g.step, "target": str(image), "steps": args.steps, "lr": args.lr,
              "noise": args.noise, "loss": result.loss, "initial_mse": result.initial_error, "mse": result.error,
              "psnr_db": psnr(result.error), "mse_per_step": result.errors, "w_shape": list(result.w.shape)}
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"projected {image} into W of {g.source} (step {g.step}): MSE {result.initial_error:.4f} -> "
          f"{result.error:.4f} ({psnr(result.error):.1f} dB, {result.loss}); wrote {out}, "
          f"{out.with_suffix('.npy').name} and {out.with_suffix('.json').name}")
    report_provenance(args)
    return 0

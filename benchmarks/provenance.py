"""Does ganforge's invisible watermark survive what happens to images once shared?

    python benchmarks/provenance.py [--run RUN] [--n 200] [--scale 10] [--steps 300] [--tiny]

Samples ``--n`` images of a run (default: a DCGAN trained here on the embedded MNIST digits for
``--steps`` steps), enlarges each ``--scale`` times (nearest neighbour: 28 px digits become 280 px,
over the watermark's 256 x 256 minimum), embeds the 32-bit watermark of this user's key
(:mod:`ganforge.provenance.watermark`, dwtDct) and decodes it again after: nothing, PNG re-encoding,
JPEG quality 90 and 75, a resize to 0.5x and back, a 0.5x resize alone, and two crops (8 px off
the top-left edges, on the 8-pixel block grid, and 3 px, off it). Prints, per transformation, the mean
bit accuracy and the detection rate (at least 28 of 32 bits right) and, as the false-positive check,
the same on the unmarked images. ``--tiny`` checks the script end to end in seconds (8 images of an
untrained run). The table goes to docs/provenance.md.
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict

import numpy as np
from PIL import Image


def reencode(fmt: str, **options) -> Callable[[Image.Image], Image.Image]:
    def apply(img: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        img.save(buf, format=fmt, **options)
        return Image.open(io.BytesIO(buf.getvalue())).convert(img.mode)
    return apply


def resize(scale: float, back: bool) -> Callable[[Image.Image], Image.Image]:
    def apply(img: Image.Image) -> Image.Image:
        small = img.resize((round(img.width * scale), round(img.height * scale)), Image.BICUBIC)
        return small.resize(img.size, Image.BICUBIC) if back else small
    return apply


def crop(px: int) -> Callable[[Image.Image], Image.Image]:
    return lambda img: img.crop((px, px, img.width, img.height))


TRANSFORMS: Dict[str, Callable[[Image.Image], Image.Image]] = {
    "none": lambda img: img, "PNG re-encode": reencode("PNG"), "JPEG q90": reencode("JPEG", quality=90),
    "JPEG q75": reencode("JPEG", quality=75), "resize 0.5x and back": resize(0.5, True),
    "resize 0.5x": resize(0.5, False), "crop 8 px (on grid)": crop(8), "crop 3 px (off grid)": crop(3)}


def train_run(root: Path, steps: int) -> Path:
    cmd = [sys.executable, "-m", "ganforge.cli.main", "train", "dcgan", "--data", "embedded", "--out", str(root),
           "--name", "dcgan", "--quiet"]
    cmd += ["--steps", str(steps)] + (["--set", "model.width=8", "--batch-size", "16"] if steps <= 5 else [])
    subprocess.run(cmd, check=True)
    return root / "dcgan"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="an image run to sample (default: train a DCGAN here)")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--scale", type=int, default=10, help="nearest-neighbour enlargement of each sample")
    parser.add_argument("--steps", type=int, default=300, help="training steps of the DCGAN trained here")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tiny", action="store_true", help="8 images of a 2-step run: checks the script")
    args = parser.parse_args()
    if args.tiny:
        args.n, args.steps = 8, 2

    import ganforge
    from ganforge.media.images import make_grid
    from ganforge.provenance import identity
    from ganforge.provenance.watermark import MATCH_BITS, decode, embed

    t0 = time.perf_counter()
    run = Path(args.run) if args.run else train_run(Path(tempfile.mkdtemp(prefix="provenance-bench-")), args.steps)
    g = ganforge.load(run)
    images = g.sample(args.n, seed=args.seed)
    key = identity().key_id
    marked, plain = [], []
    for im in images:
        a = make_grid(im[None], nrow=1, padding=0)
        a = np.kron(a[..., 0] if a.shape[-1] == 1 else a, np.ones((args.scale, args.scale) + (() if a.shape[-1] == 1
                                                                                              else (1,)), np.uint8))
        a = a.astype(np.uint8)
        plain.append(Image.fromarray(a))
        out, info = embed(a, key)
        if not info["embedded"]:
            raise SystemExit(f"the watermark was not embedded: {info['reason']}; raise --scale")
        marked.append(Image.fromarray(out))
    size = marked[0].size
    print(f"{args.n} samples of {run} (step {g.step}), enlarged {args.scale}x to {size[0]}x{size[1]}, "
          f"watermark id {key:08x} ({MATCH_BITS}/32 bits = found); {time.perf_counter() - t0:.1f} s to prepare\n")
    print(f"| transformation | bit accuracy | detection rate | false positives (unmarked) |\n|---|---|---|---|")
    for name, fn in TRANSFORMS.items():
        found = [decode(np.asarray(fn(m)), key) for m in marked]
        false = [decode(np.asarray(fn(p)), key) for p in plain]
        if not found[0]["checked"]:
            print(f"| {name} | not decodable: {found[0]['reason']} | 0% | - |")
            continue
        acc = np.mean([f["bit_accuracy"] for f in found])
        rate = np.mean([f["found"] for f in found])
        fp = np.mean([f["found"] for f in false])
        print(f"| {name} | {acc:.3f} | {rate:.1%} | {fp:.1%} |")
    print(f"\n{time.perf_counter() - t0:.1f} s in all")


if __name__ == "__main__":
    main()

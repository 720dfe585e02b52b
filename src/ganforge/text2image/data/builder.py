"""Captioned digits built offline from MNIST: deterministic, checksummed, captions from MEASURED attributes.

    ganforge data build captioned-digits --out data/captioned-digits [--n 20000] [--seed 0]

Each item is a 64x64 canvas (black background) holding, with equal odds:

- **one digit**, an MNIST digit scaled by a uniform factor in [0.9, 1.8] (25-50 px) at a uniform position,
  captioned "a {size} {thickness} {slant} {digit}";
- **two digits** side by side (left|right halves) or stacked (top|bottom halves), each scaled by [0.8, 1.1]
  at a uniform position inside its half, captioned "a {thickness} {digit} {relation} a {thickness} {digit}"
  with the relation (left of, right of, above, below) drawn uniformly.

The attribute words are not drawn: each digit's thickness, slant and size are measured on the rendered
canvas by :mod:`ganforge.text2image.attributes` and bucketed at the terciles of the train split's values
(thickness and slant over every digit, size over the single digits), so the captions say what the pixels
show and the same functions check generated images. ``--n`` items in train (from MNIST train), ``n // 10``
(at least 1) in test (from MNIST test); every draw is a function of ``--seed`` and the split.

Layout: ``OUT/{train,test}/sheet-NNN.png`` (8-bit grayscale sheets of up to 1024 canvases, 32 a row, in
item order), ``OUT/{train,test}/captions.jsonl`` (per item: caption, layout, positions of the caption's
digits, digits, attribute words and measured values, the attributes the caption names),
``OUT/vocab.json`` (the caption vocabulary), ``OUT/dataset.json`` (options, counts, tercile thresholds,
sha256 of the MNIST files) and ``OUT/SHA256SUMS``. The same command gives the same bytes.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image
from tqdm import tqdm

from ganforge.config import from_dict, option
from ganforge.datasets.built import INFO, build_aside, check_target, mnist_split, split_rng
from ganforge.files import atomic_write_text
from ganforge.text2image import attributes as attr
from ganforge.text2image.captions import ATTRIBUTE_WORDS, RELATIONS, VOCAB, bucket, pair_caption, single_caption
from ganforge.version import __version__

FORMAT = "ganforge-captioned-digits/1"
NAME = "captioned-digits"
DESCRIPTION = ("captioned digits: 64x64 canvases of one or two MNIST digits, captions from measured thickness, "
               "slant, size and position")
CANVAS, SHEET_ROW, SHEET_ITEMS = 64, 32, 1024
SINGLE_SCALE, PAIR_SCALE = (0.9, 1.8), (0.8, 1.1)


@dataclass(frozen=True)
class CaptionOptions:
    n: int = option(20000, min=1, max=60000, help="items in train (test: n // 10, at least 1)")
    seed: int = option(0, min=0)
    data_dir: Optional[str] = None


def place(canvas: np.ndarray, digit: np.ndarray, scale: float, area: Tuple[int, int, int, int],
          rng: np.random.Generator) -> None:
    """Draw ``digit`` scaled by ``scale`` at a uniform position inside ``area`` (top, left, height, width)."""
    top, left, h, w = area
    side = min(h, w, int(round(28 * scale)))
    image = np.asarray(Image.fromarray(digit).resize((side, side), Image.BILINEAR))
    y, x = top + int(rng.integers(0, h - side + 1)), left + int(rng.integers(0, w - side + 1))
    np.maximum(canvas[y:y + side, x:x + side], image, out=canvas[y:y + side, x:x + side])


AREAS = {"centre": (0, 0, CANVAS, CANVAS), "left": (0, 0, CANVAS, CANVAS // 2),
         "right": (0, CANVAS // 2, CANVAS, CANVAS // 2), "top": (0, 0, CANVAS // 2, CANVAS),
         "bottom": (CANVAS // 2, 0, CANVAS // 2, CANVAS)}


def render(images: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator):
    """(canvas, item) of each of ``count`` items: the item holds layout, relation, positions, digits, values."""
    relations = sorted(RELATIONS)
    for _ in range(count):
        canvas = np.zeros((CANVAS, CANVAS), np.uint8)
        if rng.random() < 0.5:
            layout, relation, positions, scale = "single", None, ("centre",), SINGLE_SCALE
        else:
            relation = relations[int(rng.integers(len(relations)))]
            (layout, positions), scale = RELATIONS[relation], PAIR_SCALE
        index = rng.integers(0, len(images), size=len(positions))
        for i, position in zip(index, positions):
            place(canvas, images[i], float(rng.uniform(*scale)), AREAS[position], rng)
        values = attr.measure(canvas, layout, positions)
        values.pop("digits")
        yield canvas, {"layout": layout, "relation": relation, "positions": list(positions),
                       "digits": [int(labels[i]) for i in index],
                       "values": {k: [round(float(v), 4) for v in vs] for k, vs in values.items()}}


def thresholds(items: List[dict]) -> Dict[str, List[float]]:
    """Tercile thresholds of each attribute over the train items (size: single digits only)."""
    out = {}
    for name in ATTRIBUTE_WORDS:
        values = [v for it in items if name != "size" or it["layout"] == "single" for v in it["values"][name]]
        out[name] = [round(float(q), 4) for q in np.quantile(np.asarray(values), [1 / 3, 2 / 3])]
    return out


def caption(item: dict, cuts: Dict[str, List[float]]) -> dict:
    """The item with its attribute words, the attributes its caption names, and the caption."""
    words = {name: [bucket(v, cuts[name], ATTRIBUTE_WORDS[name]) for v in item["values"][name]]
             for name in ATTRIBUTE_WORDS}
    if item["layout"] == "single":
        text = single_caption(item["digits"][0], words["size"][0], words["thickness"][0], words["slant"][0])
        named = ["size", "thickness", "slant"]
    else:
        text = pair_caption(item["digits"], words["thickness"], item["relation"])
        named = ["thickness"]
    return {"caption": text, **item, "words": words, "named": named}


def sheets(canvases: List[np.ndarray]):
    """PNG sheets of up to SHEET_ITEMS canvases, SHEET_ROW a row (the last row padded with black)."""
    for start in range(0, len(canvases), SHEET_ITEMS):
        part = canvases[start:start + SHEET_ITEMS]
        rows = -(-len(part) // SHEET_ROW)
        sheet = np.zeros((rows * CANVAS, min(len(part), SHEET_ROW) * CANVAS), np.uint8)
        for k, c in enumerate(part):
            r, col = divmod(k, SHEET_ROW)
            sheet[r * CANVAS:(r + 1) * CANVAS, col * CANVAS:(col + 1) * CANVAS] = c
        yield start // SHEET_ITEMS, sheet


def build(out: str | Path, n: int = 20000, seed: int = 0, data_dir: Optional[str] = None, overwrite: bool = False,
          progress: bool = True) -> Dict[str, object]:
    """Build captioned digits into ``out`` (written aside, verified, moved into place); returns its dataset.json."""
    opts = from_dict(CaptionOptions, {"n": n, "seed": seed, "data_dir": data_dir})
    check_target(Path(out), overwrite)
    sources: Dict[str, str] = {}
    counts = {"train": opts.n, "test": max(1, opts.n // 10)}
    rendered: Dict[str, Tuple[List[np.ndarray], List[dict]]] = {}
    with tqdm(total=sum(counts.values()), desc=f"build {NAME}", unit="item", disable=None if progress else True) as bar:
        for split, count in counts.items():
            images, labels = mnist_split(split, data_dir, sources)
            canvases, items = [], []
            for canvas, item in render(images, labels, count, split_rng(opts.seed, split)):
                canvases.append(canvas)
                items.append(item)
                bar.update(1)
            rendered[split] = (canvases, items)
    cuts = thresholds(rendered["train"][1])

    def write(tmp: Path) -> Dict[str, object]:
        for split, (canvases, items) in rendered.items():
            folder = tmp / split
            folder.mkdir()
            for k, sheet in sheets(canvases):
                Image.fromarray(sheet).save(folder / f"sheet-{k:03d}.png", format="PNG")
            lines = [json.dumps(caption(item, cuts), sort_keys=True) for item in items]
            (folder / "captions.jsonl").write_text("\n".join(lines) + "\n")
        (tmp / "vocab.json").write_text(json.dumps({"words": list(VOCAB)}, indent=1) + "\n")
        info = {"format": FORMAT, "name": NAME, "kind": "text2image", "description": DESCRIPTION,
                "options": {k: v for k, v in asdict(opts).items() if k != "data_dir"}, "size": CANVAS,
                "counts": counts, "thresholds": cuts, "sheet": {"items": SHEET_ITEMS, "per_row": SHEET_ROW},
                "sources": dict(sorted(sources.items())), "ganforge_version": __version__}
        atomic_write_text(tmp / INFO, json.dumps(info, indent=2) + "\n")
        return info

    return build_aside(out, overwrite, write)

"""Reading a built captioned-digits set: canvases, caption tokens and the attribute records of one split.

    data = load_captioned("data/captioned-digits", "train")
    data.images        # uint8 [N, 1, 64, 64]
    data.tokens        # int64 [N, 12] padded token ids; data.lengths: int64 [N]
    data.items[i]      # caption, layout, positions, digits, attribute words and values (captions.jsonl)
    data.thresholds    # the tercile thresholds the captions were made with

The folder is verified against its SHA256SUMS first. ``--data captioned-digits`` (the name, not a folder)
means the default build in the cache (``$GANFORGE_CACHE/data/captioned-digits``), built on first use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
from PIL import Image

from ganforge.datasets.built import INFO, verify
from ganforge.errors import DataError
from ganforge.files import cache_dir
from ganforge.text2image.captions import VOCAB, tokens
from ganforge.text2image.data.builder import FORMAT, NAME, build

BUILD_HINT = f"build it with `ganforge data build {NAME} --out DIR` (about 30 s from MNIST)"


@dataclass
class CaptionedDigits:
    images: torch.Tensor            # uint8 [N, 1, S, S]
    tokens: torch.Tensor            # int64 [N, MAX_TOKENS]
    lengths: torch.Tensor           # int64 [N]
    items: List[dict]
    thresholds: Dict[str, List[float]]
    name: str
    root: Path

    def __len__(self) -> int:
        return len(self.images)

    @property
    def captions(self) -> List[str]:
        return [it["caption"] for it in self.items]

    def describe(self) -> str:
        return f"{len(self)} captioned canvases of {self.name} ({self.images.shape[-1]}x{self.images.shape[-1]})"


def resolve_folder(data: str, quiet: bool = False) -> Path:
    """The folder of ``--data``: a built folder as given, or for the name ``captioned-digits`` the default build
    in the cache (built now when missing)."""
    path = Path(data)
    if path.is_dir() or data != NAME:
        return path
    target = cache_dir() / "data" / NAME
    if not (target / INFO).is_file():
        if not quiet:
            print(f"building {NAME} into {target} (once, about 30 s)", flush=True)
        build(target, progress=not quiet)
    return target


def read_info(root: Path) -> dict:
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist; {BUILD_HINT}, or pass --data {NAME}")
    path = root / INFO
    try:
        info = json.loads(path.read_text()) if path.is_file() else {}
    except (ValueError, UnicodeDecodeError):
        info = {}
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise DataError(f"{root} is not a captioned-digits set (its {INFO} is missing or of another format); "
                        f"{BUILD_HINT}")
    return info


def load_captioned(root: str | Path, split: str = "train", limit: int = 0) -> CaptionedDigits:
    """One split of a built set (verified against SHA256SUMS), the first ``limit`` items (0 = all)."""
    root = Path(root)
    info = read_info(root)
    verify(root)
    vocab = json.loads((root / "vocab.json").read_text())["words"]
    if tuple(vocab) != VOCAB:
        raise DataError(f"{root} was built with another caption vocabulary than this ganforge's; rebuild it with "
                        f"`ganforge data build {NAME} --out {root} --overwrite`")
    folder = root / split
    items = [json.loads(line) for line in (folder / "captions.jsonl").read_text().splitlines() if line]
    items = items[:limit or None]
    size, per, row = int(info["size"]), int(info["sheet"]["items"]), int(info["sheet"]["per_row"])
    images = np.empty((len(items), 1, size, size), np.uint8)
    for k in range(0, len(items), per):
        with Image.open(folder / f"sheet-{k // per:03d}.png") as im:
            sheet = np.asarray(im.convert("L"))
        for j in range(min(per, len(items) - k)):
            r, c = divmod(j, row)
            images[k + j, 0] = sheet[r * size:(r + 1) * size, c * size:(c + 1) * size]
    ids, lengths = tokens([it["caption"] for it in items])
    return CaptionedDigits(torch.from_numpy(images), ids, lengths, items, info["thresholds"], f"{info['name']} {split}",
                           root)

"""The clips a video run trains on: a Moving MNIST folder built by ``ganforge data build`` or any folder of clips.

    data = load_clips("data/moving-mnist", "train", frames=16, size=32)
    data.clips       # uint8 [N, T, C, S, S]
    data.labels      # int64 [N, digits] (built sets), or None

A built set (``dataset.json`` of format ``ganforge-video-data/1``) is verified against its
``SHA256SUMS`` and read from its frame strips with their digit labels. Any other folder is a folder of
clip files (``.gif``, ``.mp4``, ``.webm``, ``.avi``, ``.mov``, ``.mkv``, multi-page ``.tif``; sub-folders
included, hidden files left out) read with imageio: each clip's first ``frames`` frames, resized whole
to ``size x size`` (bilinear, antialiased). An empty folder, an unreadable file, a clip with frames of
different sizes or with fewer frames than the model needs are one-line errors naming the file and the fix.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from ganforge.datasets.built import INFO, verify
from ganforge.errors import DataError
from ganforge.media.video import CLIP_SUFFIXES, read_clip
from ganforge.video.data.moving_mnist import FORMAT

BUILD_HINT = "build Moving MNIST with `ganforge data build moving-mnist --out DIR`"


@dataclass
class VideoData:
    clips: torch.Tensor                  # uint8 [N, T, C, S, S]
    labels: Optional[torch.Tensor]       # int64 [N, digits] or None
    name: str
    root: Path

    def __len__(self) -> int:
        return len(self.clips)

    @property
    def digits(self) -> int:
        return 0 if self.labels is None else self.labels.shape[1]

    def describe(self) -> str:
        n, t, c, h, w = self.clips.shape
        return f"{self.name} ({n} clips of {t} frames, {w}x{h}, {c} channel(s))"


def is_built(root: Path) -> bool:
    info = root / INFO
    return info.is_file() and json.loads(info.read_text()).get("format") == FORMAT


def load_clips(root: str | Path, split: str = "train", frames: int = 16, size: int = 32, channels: int = 0,
               limit: int = 0) -> VideoData:
    """The clips of ``root`` (a built set's ``split``, or a folder of clip files) as uint8 ``[N, T, C, S, S]``."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist; {BUILD_HINT}, or pass a folder of GIF/MP4 clips")
    if is_built(root):
        clips, labels, name = read_built(root, split, frames, limit)
    else:
        clips, labels, name = read_folder(root, frames, limit), None, root.name
    clips = fit(clips, size, channels)
    return VideoData(clips, labels, name, root)


def read_built(root: Path, split: str, frames: int, limit: int):
    verify(root)
    info = json.loads((root / INFO).read_text())
    have = info["options"]["frames"]
    if frames > have:
        raise DataError(f"{root} holds clips of {have} frames but the model makes {frames}; pass --set "
                        f"model.frames={have}, or build the set with --frames {frames}")
    folder = root / split
    labels = json.loads((folder / "labels.json").read_text())
    names = sorted(labels)[:limit or None]
    strips = np.stack([np.asarray(Image.open(folder / n)) for n in names])        # [N, S, T*S]
    n, s = strips.shape[0], strips.shape[1]
    clips = torch.from_numpy(strips.reshape(n, s, have, s).transpose(0, 2, 1, 3)[:, :frames, None].copy())
    return clips, torch.tensor([labels[k] for k in names], dtype=torch.int64), f"{info['name']} {split}"


def clip_files(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in CLIP_SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def read_folder(root: Path, frames: int, limit: int) -> List[np.ndarray]:
    files = clip_files(root)[:limit or None]
    if not files:
        raise DataError(f"no clips (.gif, .mp4, .webm, .avi, .mov, .mkv, .tif) in {root}; put short clips there, "
                        f"or {BUILD_HINT}")
    out = []
    for path in tqdm(files, desc="reading clips", unit="clip", leave=False, disable=None if len(files) > 32 else True):
        clip = read_clip(path, max_frames=frames)
        if len(clip) < frames:
            raise DataError(f"clip {path} has {len(clip)} frames but the model makes {frames}; remove it, or pass "
                            f"--set model.frames={len(clip)}")
        out.append(clip)
    return out


def fit(clips, size: int, channels: int) -> torch.Tensor:
    """Clips (a uint8 tensor ``[N, T, C, H, W]`` or arrays ``[T, H, W, C]``) -> ``[N, T, channels, size, size]``."""
    if isinstance(clips, list):
        want = channels or (3 if any(is_colour(c) for c in clips) else 1)
        return torch.stack([resize(torch.from_numpy(match(c, want)).permute(0, 3, 1, 2), size) for c in clips])
    if channels and clips.shape[2] != channels:
        clips = clips.expand(-1, -1, 3, -1, -1) if channels == 3 else clips.float().mean(2, keepdim=True).round()
    n, t = clips.shape[:2]
    return resize(clips.to(torch.uint8).flatten(0, 1), size).reshape(n, t, -1, size, size)


def is_colour(clip: np.ndarray) -> bool:
    return clip.shape[-1] == 3 and bool((clip[..., 0] != clip[..., 1]).any() or (clip[..., 1] != clip[..., 2]).any())


def match(clip: np.ndarray, channels: int) -> np.ndarray:
    if clip.shape[-1] == channels:
        return clip
    if channels == 3:
        return np.repeat(clip, 3, axis=-1)
    return np.round(clip.astype(np.float64) @ np.array([0.299, 0.587, 0.114]))[..., None].astype(np.uint8)


def resize(frames: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 ``[N, C, H, W]`` -> ``[N, C, size, size]``, bilinear and antialiased (as is when already that size)."""
    if tuple(frames.shape[-2:]) == (size, size):
        return frames.contiguous()
    out = F.interpolate(frames.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return out.round().clamp(0, 255).to(torch.uint8)

"""Video clips in and out: reading GIF/MP4/WebM/multi-page TIFF clips (imageio), writing GIF, MP4 and frame strips.

Clips are uint8 tensors ``[N, T, C, H, W]`` (C = 1 or 3), as video samplers return them.

- :func:`read_clip`: one file -> uint8 ``[T, H, W, C]``; an unreadable file or frames of different sizes
  are a one-line DataError naming the file and the fix;
- :func:`clip_frames`: a batch of clips -> one ``[H', W', C]`` grid per time step (all clips side by side);
- :func:`save_clips_gif`, :func:`save_clips_mp4` (H.264 in yuv420p through imageio-ffmpeg, which every
  browser plays; sizes padded to 16 px), :func:`save_clips_strip` (one clip per row, one frame per column).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch

from ganforge.errors import DataError, GanforgeError
from ganforge.files import atomic_write
from ganforge.media import images as img

CLIP_SUFFIXES = {".gif", ".mp4", ".webm", ".avi", ".mov", ".mkv", ".tif", ".tiff"}
MAX_FRAMES = 10000


def read_clip(path: Path, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The frames of a clip file as uint8 ``[T, H, W, C]`` (C = 1 or 3; alpha dropped), at most ``max_frames``."""
    import imageio.v3 as iio

    frames: List[np.ndarray] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # TIFF: pillow reads page by page (tifffile would group pages of one shape into a stack)
            plugin = "pillow" if Path(path).suffix.lower() in (".tif", ".tiff") else None
            for frame in iio.imiter(path, plugin=plugin):
                frames.append(np.asarray(frame))
                if len(frames) >= max_frames:
                    break
    except Exception as exc:   # imageio's plugins raise OSError, ValueError, RuntimeError...: all mean unreadable
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read clip {path} ({reason}); it is corrupt or not a video: remove it or re-encode "
                        "it (e.g. ffmpeg -i IN -pix_fmt yuv420p OUT.mp4)") from None
    if not frames:
        raise DataError(f"clip {path} holds no frames; remove it or re-encode it")
    shapes = [f.shape[:2] for f in frames]
    odd = next((i for i, s in enumerate(shapes) if s != shapes[0]), None)
    if odd is not None:
        (h0, w0), (h1, w1) = shapes[0], shapes[odd]
        raise DataError(f"clip {path} has frames of different sizes ({w0}x{h0} at frame 0, {w1}x{h1} at frame "
                        f"{odd}); re-encode it at one size (e.g. ffmpeg -i IN -vf scale={w0}:{h0} OUT.mp4)")
    return np.stack([as_hwc(f, path) for f in frames])


def as_hwc(frame: np.ndarray, path: Path) -> np.ndarray:
    """A decoded frame as uint8 ``[H, W, 1]`` or ``[H, W, 3]``."""
    if frame.dtype != np.uint8:
        peak = 65535.0 if frame.dtype == np.uint16 else max(float(frame.max()), 1.0)
        frame = (frame.astype(np.float64) / peak * 255.0).round().clip(0, 255).astype(np.uint8)
    if frame.ndim == 2:
        return frame[:, :, None]
    if frame.ndim == 3 and frame.shape[2] in (1, 3, 4):
        return frame[:, :, :3] if frame.shape[2] == 4 else frame
    raise DataError(f"clip {path} has frames of shape {frame.shape}; expected grayscale or RGB frames")


def check_clips(clips: torch.Tensor) -> torch.Tensor:
    if not torch.is_tensor(clips) or clips.dtype != torch.uint8 or clips.dim() != 5 or clips.shape[2] not in (1, 3):
        shape = tuple(clips.shape) if torch.is_tensor(clips) else type(clips).__name__
        raise GanforgeError(f"clips must be uint8 [N, T, C, H, W] with C 1 or 3, got {shape}; sample them with "
                            "ganforge.load(RUN).sample(n)")
    return clips


def clip_frames(clips: torch.Tensor, nrow: Optional[int] = None, padding: int = 2) -> List[np.ndarray]:
    """One ``[H', W', C]`` grid per time step: every clip's frame t side by side (a single clip: no border)."""
    clips = check_clips(clips)
    pad = 0 if len(clips) == 1 else padding
    return [img.make_grid(clips[:, t], nrow=nrow, padding=pad) for t in range(clips.shape[1])]


def save_clips_gif(clips: torch.Tensor, path: Path, fps: int = 8, scale: int = 2, nrow: Optional[int] = None) -> Path:
    return img.save_gif(clip_frames(clips, nrow), path, duration_ms=round(1000 / fps), scale=scale)


def save_clips_mp4(clips: torch.Tensor, path: Path, fps: int = 8, scale: int = 2, nrow: Optional[int] = None) -> Path:
    """H.264 MP4 (yuv420p) through imageio-ffmpeg; frames enlarged ``scale`` times, padded to multiples of 16."""
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (its ffmpeg binary)
    except ImportError:
        raise GanforgeError("writing MP4 needs imageio-ffmpeg: pip install imageio-ffmpeg, or write a .gif") from None
    frames = [f.repeat(scale, 0).repeat(scale, 1) for f in clip_frames(clips, nrow)]
    h, w = frames[0].shape[:2]
    H, W = -(-h // 16) * 16, -(-w // 16) * 16
    rgb = [np.pad(np.repeat(f, 3, 2) if f.shape[2] == 1 else f, ((0, H - h), (0, W - w), (0, 0))) for f in frames]

    def write(tmp: Path) -> None:
        named = tmp.with_name(tmp.name + ".mp4")   # ffmpeg picks its muxer by the suffix
        writer = imageio.get_writer(named, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                    pixelformat="yuv420p", macro_block_size=16, ffmpeg_log_level="error",
                                    output_params=["-movflags", "+faststart"])
        try:
            for frame in rgb:
                writer.append_data(frame)
        finally:
            writer.close()
        os.replace(named, tmp)
    atomic_write(Path(path), write)
    return Path(path)


def save_clips_strip(clips: torch.Tensor, path: Path, scale: int = 2) -> Path:
    """A PNG with one row per clip and one column per frame."""
    clips = check_clips(clips)
    return img.save_png(img.make_grid(clips.flatten(0, 1), nrow=clips.shape[1]), path, scale=scale)


def save_clips_npz(clips: torch.Tensor, path: Path, labels: Optional[torch.Tensor] = None) -> Path:
    payload = {"clips": check_clips(clips).permute(0, 1, 3, 4, 2).numpy()}
    if labels is not None:
        payload["labels"] = labels.cpu().numpy().astype(np.int64)
    atomic_write(Path(path), lambda tmp: np.savez_compressed(open(tmp, "wb"), **payload))
    return Path(path)

"""Training the detector, scoring images and files, and average precision.

    net, meta = train_detector(real, {"dcgan-run": fakes}, steps=600)     # uint8 [N, C, H, W] tensors
    save_detector(net, "detector", meta)
    p = score(net, images)                                                # probability of "generated"
    ap = average_precision(p_real, p_fake)

Batches hold half real and half generated images, drawn seeded; each is augmented
(:func:`~ganforge.image.detect.data.augment`) and the net is trained with binary cross-entropy (Adam).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ganforge.errors import DataError, GanforgeError
from ganforge.image.detect.data import augment, fit, to_float
from ganforge.image.detect.net import DetectorNet


def train_detector(real: torch.Tensor, fakes: Dict[str, torch.Tensor], steps: int = 600, batch: int = 64,
                   width: int = 16, lr: float = 1e-3, p_augment: float = 0.5, seed: int = 0,
                   progress: bool = True) -> Tuple[DetectorNet, Dict[str, Any]]:
    """A detector of ``real`` (uint8 ``[N, C, S, S]``) against the generated images of each source in ``fakes``."""
    if steps < 1 or batch < 2:
        raise GanforgeError(f"detector training needs steps >= 1 and batch >= 2 (got {steps}, {batch})")
    if not fakes or any(len(f) == 0 for f in fakes.values()) or len(real) == 0:
        raise DataError("the detector needs real images and generated images of at least one run")
    size, channels = real.shape[-1], real.shape[1]
    fake = torch.cat([fit(f, size, channels) for f in fakes.values()])
    torch.manual_seed(seed)
    net = DetectorNet(channels, width)
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(0.9, 0.999))
    g = torch.Generator().manual_seed(seed)
    half = batch // 2
    history: List[Dict[str, float]] = []
    t0 = time.perf_counter()
    bar = tqdm(range(1, steps + 1), desc="training detector", unit="step", leave=False,
               disable=None if progress else True)
    for step in bar:
        xr = real[torch.randint(len(real), (half,), generator=g)]
        xf = fake[torch.randint(len(fake), (half,), generator=g)]
        x = to_float(augment(torch.cat([xr, xf]), p_augment, seed * 1_000_003 + step))
        y = torch.cat([torch.zeros(half), torch.ones(half)])
        loss = F.binary_cross_entropy_with_logits(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 20 == 0 or step == steps:
            history.append({"step": step, "loss": float(loss.detach()), "seconds": time.perf_counter() - t0})
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
    meta = {"size": size, "channels": channels, "width": width, "steps": steps, "batch": batch, "lr": lr,
            "p_augment": p_augment, "seed": seed, "real_count": len(real),
            "fake_sources": {k: len(v) for k, v in fakes.items()}, "seconds": time.perf_counter() - t0,
            "history": history}
    return net.eval().requires_grad_(False), meta


@torch.no_grad()
def score(net: DetectorNet, images: torch.Tensor, meta: Dict[str, Any] | None = None, chunk: int = 512) -> np.ndarray:
    """Probability of "generated" for each uint8 image (fitted to the detector's size and channels first)."""
    if meta is not None:
        images = fit(images, int(meta["size"]), int(meta["channels"]))
    out = [torch.sigmoid(net(to_float(images[s:s + chunk]))) for s in range(0, len(images), chunk)]
    return torch.cat(out).numpy() if out else np.zeros(0)


def average_precision(p_real: np.ndarray, p_fake: np.ndarray) -> float:
    """Average precision of "generated" (positives: ``p_fake``), as Wang et al. report it."""
    from sklearn.metrics import average_precision_score

    y = np.concatenate([np.zeros(len(p_real)), np.ones(len(p_fake))])
    return float(average_precision_score(y, np.concatenate([p_real, p_fake])))


def score_files(net: DetectorNet, meta: Dict[str, Any], files: Sequence[Path]) -> List[Tuple[Path, float]]:
    """(file, probability generated) for each image file (read by the shared reader, bombs refused)."""
    from ganforge.media.reading import read_image, to_mode

    channels = int(meta["channels"])
    out = []
    for path in tqdm(files, desc="scoring", unit="img", leave=False, disable=None if len(files) > 32 else True):
        arr = np.asarray(to_mode(read_image(path), channels))
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        out.append((path, float(score(net, torch.from_numpy(arr.copy())[None], meta)[0])))
    return out

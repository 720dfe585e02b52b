"""Spectrograms of clips: log-magnitude STFT (``torch.stft``), SpecGAN's normalisation, Griffin-Lim, images.

SpecGAN (Donahue et al. 2019): a 256-point STFT with hop 128 of a 16384-sample clip gives 128
frames x 128 bins (the Nyquist bin dropped); the log magnitude is normalised per frequency bin to
zero mean and unit variance over the training set, clipped at 3 standard deviations and scaled to
[-1, 1]. The generator makes such images; :func:`griffin_lim` (fast Griffin-Lim, momentum 0.99)
recovers a phase to hear them. :func:`spectrogram_image` draws any clip as a uint8 image (time
left to right, low frequencies at the bottom) for sample PNGs and the studio.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch

EPS = 1e-6
CLIP = 3.0


def window(n_fft: int, device=None) -> torch.Tensor:
    return torch.hann_window(n_fft, device=device)


def log_magnitude(waves: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """``[N, L]`` float clips -> ``[N, n_fft / 2, L / hop]`` log magnitudes (top bin and last frame dropped)."""
    spec = torch.stft(waves.float(), n_fft, hop, window=window(n_fft, waves.device), center=True,
                      return_complex=True)
    frames = waves.shape[-1] // hop
    return torch.log(spec.abs()[:, :n_fft // 2, :frames] + EPS)


def bin_statistics(log_mag: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-bin mean and standard deviation ``[bins]`` over clips and frames."""
    flat = log_mag.transpose(0, 1).reshape(log_mag.shape[1], -1).double()
    return flat.mean(1).float(), flat.std(1).clamp_min(1e-3).float()


def normalise(log_mag: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Log magnitudes -> SpecGAN's [-1, 1] images ``[N, 1, bins, frames]``."""
    z = (log_mag - mean[:, None]) / std[:, None]
    return (z.clamp(-CLIP, CLIP) / CLIP).unsqueeze(1)


def denormalise(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """[-1, 1] images ``[N, 1, bins, frames]`` -> magnitudes ``[N, bins, frames]``."""
    log_mag = images.squeeze(1).float() * CLIP * std[:, None] + mean[:, None]
    return (log_mag.exp() - EPS).clamp_min(0.0)


def griffin_lim(magnitude: torch.Tensor, n_fft: int, hop: int, length: int, iters: int = 16,
                momentum: float = 0.99, seed: int = 0) -> torch.Tensor:
    """Magnitudes ``[N, n_fft / 2, frames]`` (as :func:`log_magnitude` cut them) -> waveforms ``[N, length]``."""
    n, bins, frames = magnitude.shape
    full = torch.zeros(n, bins + 1, frames + 1, dtype=magnitude.dtype, device=magnitude.device)
    full[:, :bins, :frames] = magnitude
    full[:, :bins, frames] = magnitude[:, :, -1]
    win = window(n_fft, magnitude.device)
    g = torch.Generator().manual_seed(seed)
    angles = torch.polar(torch.ones(full.shape), 2 * np.pi * torch.rand(full.shape, generator=g)).to(full.device)
    previous = torch.zeros_like(angles)
    for _ in range(iters):
        wave = torch.istft(full * angles, n_fft, hop, window=win, center=True, length=length)
        rebuilt = torch.stft(wave, n_fft, hop, window=win, center=True, return_complex=True)
        accelerated = rebuilt - (momentum / (1 + momentum)) * previous
        angles = accelerated / accelerated.abs().clamp_min(1e-16)
        previous = rebuilt
    wave = torch.istft(full * angles, n_fft, hop, window=win, center=True, length=length)
    return wave.clamp(-1.0, 1.0)


def spectrogram_image(wave: torch.Tensor, n_fft: int = 256, hop: int = 64, floor_db: float = -80.0) -> np.ndarray:
    """One clip ``[L]`` -> a uint8 image ``[bins, frames]``, low frequencies at the bottom, 0 dB = the clip's peak."""
    spec = torch.stft(wave.float()[None], n_fft, hop, window=window(n_fft), center=True, return_complex=True)[0]
    db = 20 * torch.log10(spec.abs() + 1e-8)
    db = (db - db.max()).clamp_min(floor_db)
    image = ((db - floor_db) / -floor_db * 255.0).round().to(torch.uint8)
    return image.flip(0).numpy()


def spectrogram_grid(waves: torch.Tensor, columns: int = 4) -> np.ndarray:
    """Clips ``[N, L]`` -> one uint8 RGB grid of their spectrograms (magma colours)."""
    from matplotlib import colormaps

    from ganforge.media.images import make_grid

    colours = colormaps["magma"](np.arange(256))[:, :3]
    tiles = [(colours[spectrogram_image(w)] * 255).round().astype(np.uint8) for w in waves]
    batch = torch.from_numpy(np.stack(tiles)).permute(0, 3, 1, 2)
    return make_grid(batch, nrow=columns)

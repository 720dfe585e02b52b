"""Helpers of the audio tests: sine clips, WAV folders of them, a tiny WaveGAN/SpecGAN config."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ganforge.config import from_dict, merge

torch.set_num_threads(min(2, os.cpu_count() or 1))


def sine(freq: float, rate: int = 16000, seconds: float = 0.2, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def write_sines(root: Path, classes=("low", "high"), per: int = 6, rate: int = 16000) -> Path:
    """A WAV folder with one sub-folder per class (sines of 220 Hz and 880 Hz, several phases)."""
    from ganforge.media.audio import write_wav

    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per):
            write_wav(root / name / f"{i}.wav", sine(220.0 * 4 ** k, rate, phase=i), rate)
    return root


def tiny_audio_config(data: Path, **sections):
    from ganforge.audio.config import RunConfig

    base = {"model": {"name": "wavegan", "length": 1024, "width": 4, "latent_dim": 8, "n_fft": 64, "hop": 32,
                      "griffin_lim_iters": 2},
            "data": {"dir": str(data)},
            "train": {"steps": 4, "batch_size": 4, "d_steps": 2, "log_every": 2, "sample_every": 2,
                      "checkpoint_every": 2, "keep_checkpoints": 5, "threads": 1, "sample_count": 2}}
    return from_dict(RunConfig, merge(base, sections))

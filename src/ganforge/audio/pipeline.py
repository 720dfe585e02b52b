"""Sampling a trained audio generator: seeded clips, a chosen class (pitch, digit), WAV and spectrogram files.

    g = ganforge.load("runs/wavegan-...")         # newest checkpoint (EMA weights when kept)
    clips = g.sample(8, seed=0)                    # float32 [8, length] in [-1, 1]
    clips = g.sample(8, labels=60)                 # conditional: pitch 60 (a class name), or a class index
    g.save(clips, "a.wav")                         # one after another; a folder: one WAV each; .png: spectrograms

Labels are class names when the classes are numbers (pitches, digits) and class indices otherwise
(instrument or folder names, listed by ``g.classes``).
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np
import torch

from ganforge.audio import spectral
from ganforge.audio.config import ModelConfig
from ganforge.audio.models import create_model
from ganforge.config import from_dict
from ganforge.engine.checkpoint import load_generator_model
from ganforge.errors import GanforgeError
from ganforge.media.images import save_png
from ganforge.media.writers import register_writer, save_samples

Labels = Union[None, int, Sequence[int], torch.Tensor]


@register_writer("audio", ".png", "spectrograms of the clips, 4 per row")
def _spectrograms(clips, path: Path, **_) -> Path:
    return save_png(spectral.spectrogram_grid(torch.as_tensor(np.asarray(clips, np.float32))), path)


class AudioGenerator:
    def __init__(self, generator: torch.nn.Module, config: ModelConfig, classes: List[str], label: str, step: int,
                 source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.config, self.classes, self.label, self.step, self.source = config, classes, label, step, source
        self.rate = config.sample_rate
        self.device = next(generator.parameters()).device

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu", use_ema: bool = True) -> "AudioGenerator":
        cfg = from_dict(ModelConfig, meta["model_config"])
        model = load_generator_model(path, tensors, meta, "audio", lambda: create_model(cfg), use_ema)
        return cls(model.generator.to(device), cfg, list(meta.get("classes", [])), meta.get("label", "none"),
                   int(meta["step"]), path)

    @property
    def num_classes(self) -> int:
        return self.config.num_classes if self.config.conditional else 0

    def class_index(self, labels: Labels, n: int, generator: torch.Generator) -> Optional[torch.Tensor]:
        k = self.num_classes
        if k == 0:
            if labels is not None:
                raise GanforgeError("this model is not conditional; drop --label")
            return None
        if labels is None:
            return torch.randint(0, k, (n,), generator=generator)
        y = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
        y = y.expand(n).clone() if y.numel() == 1 else y
        if len(y) != n:
            raise GanforgeError(f"got {len(y)} labels for {n} samples; give one label or one per sample")
        named = all(c.lstrip("-").isdigit() for c in self.classes) and len(self.classes) == k
        if named:
            names = [int(c) for c in self.classes]
            bad = [int(v) for v in y if int(v) not in names]
            if bad:
                raise GanforgeError(f"{self.label} {bad[0]} is not one this model makes; choose one of "
                                    f"{names[0]}..{names[-1]}" if names == list(range(names[0], names[-1] + 1))
                                    else f"{self.label} {bad[0]} is not one of {names}")
            return torch.tensor([names.index(int(v)) for v in y])
        if int(y.min()) < 0 or int(y.max()) >= k:
            raise GanforgeError(f"label {int(y.max())} is out of range; this model has classes 0..{k - 1}: "
                                f"{', '.join(self.classes)}")
        return y

    @torch.no_grad()
    def sample(self, n: int, labels: Labels = None, seed: int = 0, return_labels: bool = False, batch: int = 64,
               indices: Optional[torch.Tensor] = None):
        """``n`` clips as float32 ``[n, length]`` in [-1, 1] (and the class indices when ``return_labels``);
        ``indices`` gives class indices directly instead of ``labels``."""
        if n < 1:
            raise GanforgeError(f"number of samples must be >= 1 (got {n})")
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.config.latent_dim, generator=g)
        y = self.class_index(labels, n, g) if indices is None else torch.as_tensor(indices, dtype=torch.int64)
        out = []
        for s in range(0, n, batch):
            yy = None if y is None else y[s:s + batch].to(self.device)
            out.append(self.generator.waveform(self.generator(z[s:s + batch].to(self.device), yy)).float().cpu())
        clips = torch.cat(out)
        return (clips, y) if return_labels else clips

    def save(self, clips: torch.Tensor, out: Union[str, Path], labels: Optional[torch.Tensor] = None) -> Path:
        """Write clips by the suffix of ``out``: .wav (one after another), .png (spectrograms), no suffix (a folder)."""
        return save_samples(np.asarray(clips, np.float32), out, "audio", rate=self.rate)

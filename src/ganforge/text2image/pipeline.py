"""Sampling a trained text-to-image generator: images of what a prompt says, stage I or stage II.

    g = ganforge.load("runs/stackgan-...")                     # newest checkpoint, EMA weights when present
    images = g.sample("a thin seven left of a bold two", n=8, seed=0)   # uint8 [8, 1, 64, 64]
    low = g.sample("a large bold upright three", n=8, stage=1)          # stage I: [8, 1, 32, 32]
    g.save(images, "grid.png")                                  # or a folder, .npz

A prompt is any sequence of the caption vocabulary's words (``ganforge.text2image.captions``); an
unknown word or an empty prompt is a one-line error listing known words. ``prompts`` may also be a list
with one prompt per image. The noise (stage I's z and each stage's CA noise) comes from ``seed``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional, Sequence, Union

import torch

from ganforge.config import from_dict
from ganforge.engine.checkpoint import load_generator_model
from ganforge.errors import GanforgeError
from ganforge.media.reading import to_uint8
from ganforge.text2image.captions import tokens
from ganforge.text2image.config import ModelConfig
from ganforge.text2image.models import create_model

Prompts = Union[str, Sequence[str]]
CHUNK = 64


class TextToImageGenerator:
    """The generator of a text-to-image checkpoint, ready to draw prompts."""

    def __init__(self, generator, config: ModelConfig, step: int, source: Path, thresholds=None):
        self.generator = generator.eval().requires_grad_(False)
        self.config, self.step, self.source, self.thresholds = config, step, source, thresholds
        self.device = next(generator.parameters()).device

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu", use_ema: bool = True
                        ) -> "TextToImageGenerator":
        cfg = from_dict(ModelConfig, meta["model_config"])
        model = load_generator_model(path, tensors, meta, "text2image", lambda: create_model(cfg), use_ema)
        return cls(model.generator.to(device), cfg, int(meta["step"]), path, meta.get("thresholds"))

    def stage_of(self, stage: Optional[int]) -> int:
        if stage is None:
            return self.config.stages
        if stage not in (1, 2):
            raise GanforgeError(f"--stage is 1 (stage I, {self.config.stage1_size}x{self.config.stage1_size}) or 2 "
                                f"(stage II, 64x64); got {stage}")
        if stage == 2 and self.config.stages == 1:
            raise GanforgeError("this run trained stage I only (model.stages=1); sample it with --stage 1")
        return stage

    @torch.no_grad()
    def generate(self, latents, token_ids: torch.Tensor, stage: int) -> torch.Tensor:
        """uint8 images of given noise and caption tokens, in chunks, on the CPU."""
        out = []
        for s in range(0, len(token_ids), CHUNK):
            z = {k: v[s:s + CHUNK].to(self.device) for k, v in latents.items()}
            low, high, _ = self.generator(z, token_ids[s:s + CHUNK].to(self.device), stage=stage)
            out.append(to_uint8(low if stage == 1 else high).cpu())
        return torch.cat(out)

    def sample(self, prompts: Prompts, n: int = 8, seed: int = 0, stage: Optional[int] = None) -> torch.Tensor:
        """``n`` images of a prompt (or one image per prompt of a list) as uint8 ``[n, 1, S, S]``."""
        texts = [prompts] * n if isinstance(prompts, str) else list(prompts)
        if n < 1 or not texts:
            raise GanforgeError(f"number of images must be >= 1 (got {n if isinstance(prompts, str) else 0})")
        ids, _ = tokens(texts)
        stage = self.stage_of(stage)
        return self.generate(self.generator.latents(len(ids), torch.Generator().manual_seed(seed)), ids, stage)

    def save(self, images: torch.Tensor, out: Union[str, Path], origin=None, nrow: Optional[int] = None) -> Path:
        """Write images by the suffix of ``out`` (.png grid, folder, .npz), marked with the provenance ``origin``."""
        from ganforge.media.writers import save_samples

        return save_samples(images, out, "images", origin=origin, nrow=nrow)

    def config_dict(self) -> dict:
        return dataclasses.asdict(self.config)

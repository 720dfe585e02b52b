"""MoCoGAN (Tulyakov et al. 2018): a content latent fixed per clip, a motion code per frame from a GRU.

Each frame is ``G_I([z_content, z_motion(t), labels])``, where ``z_motion(1..T)`` is the output of a GRU
fed standard normal noise ``eps(t)``: the content (which digit, its style) stays, the motion changes. Two
discriminators: ``image`` judges ``image_frames`` frames drawn from each clip, ``video`` (3D convolutions)
the whole clip. Interpolation spaces: ``content`` (another digit, the same motion) and ``motion``.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
from torch import nn

from ganforge.video.config import ModelConfig
from ganforge.video.models import ClipGenerator, VideoModel, register_model
from ganforge.video.models.nets import FrameGenerator, ImageDiscriminator, Labels, VideoDiscriminator


class MoCoGANGenerator(ClipGenerator):
    spaces = ("content", "motion")

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.labels = Labels(cfg.num_classes, cfg.digits, cfg.content_dim) if cfg.conditional else None
        self.gru = nn.GRU(cfg.motion_dim, cfg.motion_hidden, batch_first=True)
        extra = cfg.content_dim if cfg.conditional else 0
        self.frame = FrameGenerator(cfg.content_dim + cfg.motion_hidden + extra, cfg.image_size, cfg.channels,
                                    cfg.width)

    def shapes(self) -> Dict[str, Tuple[int, ...]]:
        return {"content": (self.cfg.content_dim,), "motion": (self.cfg.frames, self.cfg.motion_dim)}

    def forward(self, latents: Dict[str, torch.Tensor], labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        content, eps = latents["content"], latents["motion"]
        b, t = eps.shape[:2]
        motion, _ = self.gru(eps)                                   # [B, T, motion_hidden]
        parts = [content[:, None].expand(-1, t, -1), motion]
        if self.labels is not None:
            parts.append(self.labels(labels)[:, None].expand(-1, t, -1))
        frames = self.frame(torch.cat(parts, -1).flatten(0, 1))
        return frames.view(b, t, *frames.shape[1:])


@register_model("mocogan")
def mocogan(cfg: ModelConfig) -> VideoModel:
    digits = cfg.digits if cfg.conditional else 0
    return VideoModel(MoCoGANGenerator(cfg), {
        "image": ImageDiscriminator(cfg.image_size, cfg.channels, cfg.width, cfg.num_classes, digits),
        "video": VideoDiscriminator(cfg.image_size, cfg.frames, cfg.channels, cfg.width, cfg.num_classes, digits)})

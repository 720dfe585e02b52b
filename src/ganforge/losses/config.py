"""The adversarial loss settings, shared by every family that trains with a GAN loss."""
from __future__ import annotations

from dataclasses import dataclass

from ganforge.config import option


@dataclass
class LossConfig:
    name: str = option("nonsaturating", help="a registered loss: see `ganforge losses`")
    gp_weight: float = option(10.0, min=0.0, help="gradient penalty weight (wgan-gp)")
    clip_value: float = option(0.01, min=0.0, help="weight clipping bound (wgan)")
    r1_weight: float = option(0.0, min=0.0, help="R1 penalty on real data (0 = off)")

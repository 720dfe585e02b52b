"""Typed configuration of a translation run (pix2pix, CycleGAN): model, adversarial loss, data and training."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig

OBJECTIVES = ("l1+cgan", "l1", "cgan", "l1+gan")


@dataclass
class ModelConfig:
    name: str = option("pix2pix", choices=("pix2pix", "cyclegan"))
    image_size: int = option(32, min=8, max=1024, help="images are resized to this square size")
    channels_a: int = option(0, choices=(0, 1, 3), help="channels of domain A (0 = from the data: 3 if any image "
                             "has colour, else 1)")
    channels_b: int = option(0, choices=(0, 1, 3), help="channels of domain B (0 = from the data)")
    width: int = option(32, min=1, max=512, help="base channel count of the generators and discriminators")
    depth: int = option(0, min=0, max=10, help="U-Net down-samplings (pix2pix; 0 = down to 2x2)")
    blocks: int = option(6, min=0, max=16, help="residual blocks of the ResNet generator (CycleGAN)")
    d_layers: int = option(0, min=0, max=6, help="PatchGAN stride-2 layers (0 = a receptive field of about 27% "
                           "of the image, as the 70x70 PatchGAN on 256 px)")
    dropout: float = option(0.5, min=0.0, max=0.9, help="dropout in the U-Net decoder (pix2pix's noise)")
    objective: str = option("l1+cgan", choices=OBJECTIVES, help="pix2pix: L1, conditional GAN, both, or L1 + an "
                            "unconditional GAN (the paper's ablation)")
    direction: str = option("AtoB", choices=("AtoB", "BtoA"), help="pix2pix: the direction it learns")


@dataclass
class DataConfig:
    dir: Optional[str] = option(None, help="the data folder: train/ of side-by-side A|B images, A/ + B/ or trainA/ "
                                "+ trainB/ (see docs/translation.md)")
    split: str = option("train", choices=("train", "test"))
    limit: int = option(0, min=0, help="use only the first N images of each domain (0 = all)")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys (``ganforge.engine.config.LoopConfig``) plus the translation ones."""

    steps: int = option(2000, min=0, help="training steps (0 = no limit: stop at max_minutes)")
    batch_size: int = option(8, min=1)
    lr_g: float = option(2e-4, min=0.0)
    lr_d: float = option(2e-4, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.999, min=0.0, max=1.0)
    lambda_l1: float = option(100.0, min=0.0, help="pix2pix: weight of the L1 term")
    lambda_cycle: float = option(10.0, min=0.0, help="CycleGAN: weight of each cycle-consistency term")
    lambda_identity: float = option(0.5, min=0.0, help="CycleGAN: identity term, as a fraction of lambda_cycle "
                                    "(off when A and B differ in channels)")
    pool_size: int = option(50, min=0, max=1000, help="CycleGAN: fakes kept for the discriminators (0 = none)")
    sample_count: int = option(8, min=1, max=64, help="inputs shown in each sample image")


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=lambda: LossConfig(name="nonsaturating"))
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

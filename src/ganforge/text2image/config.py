"""Typed configuration of a text-to-image run (StackGAN): model, adversarial loss, data and training."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig


@dataclass
class ModelConfig:
    name: str = option("stackgan", choices=("stackgan",))
    stages: int = option(2, choices=(1, 2), help="1: stage I only (low resolution); 2: stage I then stage II")
    stage1_size: int = option(32, choices=(16, 32), help="side of stage I's images (stage II makes 64x64)")
    ca: bool = option(True, help="conditioning augmentation: sample the text code from N(mu, sigma) with a KL term "
                      "(false: the code is mu, no KL)")
    z_dim: int = option(32, min=1, max=1024, help="noise fed to stage I")
    embed_dim: int = option(32, min=1, max=1024, help="word embedding size of the text encoders")
    text_dim: int = option(64, min=1, max=1024, help="GRU state size: the caption embedding")
    c_dim: int = option(16, min=1, max=1024, help="conditioning code size (CA's mu and sigma)")
    width: int = option(16, min=1, max=512, help="base channel count of the generators and discriminators")


@dataclass
class DataConfig:
    dir: Optional[str] = option(None, help="a folder built by `ganforge data build captioned-digits`, or the name "
                                "captioned-digits (the default build in the cache)")
    limit: int = option(0, min=0, help="use only the first N training items (0 = all)")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys (``ganforge.engine.config.LoopConfig``) plus StackGAN's; ``steps`` is stage II's length."""

    text_steps: int = option(600, min=0, help="contrastive pre-training steps of the text encoder (the first phase), "
                             "which the generators and discriminators then read frozen; 0 = no pre-training: each "
                             "network's encoder is trained by its GAN loss")
    text_batch_size: int = option(128, min=2, help="caption-canvas pairs a step of the text phase (at most the "
                                  "training items)")
    lr_text: float = option(2e-3, min=0.0, help="learning rate of the text phase (Adam, betas 0.9 and 0.999)")
    match_weight: float = option(0.0, min=0.0, help="weight of a matching term in the generator losses: symmetric "
                                 "InfoNCE of the generated canvases and their captions under the run's own matcher "
                                 "of the text phase (AttnGAN's DAMSM loss; needs train.text_steps > 0); 0 = off")
    steps: int = option(1500, min=0, help="stage II steps (after stage I; ignored when model.stages=1)")
    stage1_steps: int = option(1500, min=1, help="stage I steps (the first phase)")
    batch_size: int = option(32, min=2, help="canvases a step (at least 2: mismatched captions come from the batch)")
    lr_g: float = option(2e-4, min=0.0, help="learning rate of both generators")
    lr_d: float = option(2e-4, min=0.0, help="learning rate of both discriminators")
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.999, min=0.0, max=1.0)
    kl_weight: float = option(1.0, min=0.0, help="weight of the conditioning augmentation's KL term")
    mismatch_weight: float = option(0.5, min=0.0, max=1.0, help="share of D's negative term given to real images "
                                    "with a wrong caption (GAN-INT-CLS: 0.5; 0 = a plain conditional D)")
    ema_decay: float = option(0.99, min=0.0, max=1.0, help="EMA of the generator's weights (0 = off)")
    sample_count: int = option(8, min=1, max=64, help="captions in each sample grid (4 images each)")


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=lambda: LossConfig(name="nonsaturating"))
    data: DataConfig = field(default_factory=lambda: DataConfig(dir="captioned-digits"))
    train: TrainConfig = field(default_factory=TrainConfig)

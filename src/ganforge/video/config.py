"""Typed configuration of a video run (MoCoGAN, TGAN): model, adversarial loss, data and training."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig


@dataclass
class ModelConfig:
    name: str = option("mocogan", choices=("mocogan", "tgan"))
    frames: int = option(16, min=2, max=64, help="frames per clip (longer clips of the data are cut to their first)")
    image_size: int = option(32, choices=(16, 32, 64), help="frames are resized to this square size")
    channels: int = option(0, choices=(0, 1, 3), help="0 = from the data (3 if any clip has colour, else 1)")
    content_dim: int = option(32, min=1, max=1024, help="MoCoGAN: content latent, fixed per clip")
    motion_dim: int = option(8, min=1, max=1024, help="MoCoGAN: noise fed to the motion GRU at each frame")
    motion_hidden: int = option(16, min=1, max=1024, help="MoCoGAN: GRU state size (the motion code of a frame)")
    latent_dim: int = option(64, min=1, max=1024, help="TGAN: the clip latent the temporal generator unfolds")
    width: int = option(16, min=1, max=512, help="base channel count of the generator and discriminators (CPU-sized)")
    conditional: bool = option(False, help="class-conditional: a clip of given digits (needs labelled clips)")
    num_classes: int = option(10, min=2, max=1000, help="classes of a conditional model (digits: 10)")
    digits: int = option(0, choices=(0, 1, 2, 3), help="labels per clip of a conditional model (0 = from the data)")
    image_frames: int = option(4, min=1, max=64, help="MoCoGAN: frames per clip the image discriminator judges")


@dataclass
class DataConfig:
    dir: Optional[str] = option(None, help="a folder built by `ganforge data build moving-mnist`, or a folder of "
                                "GIF/MP4/WebM/multi-page TIFF clips")
    split: str = option("train", choices=("train", "test"))
    limit: int = option(0, min=0, help="use only the first N clips (0 = all)")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys (``ganforge.engine.config.LoopConfig``) plus the video ones."""

    batch_size: int = option(8, min=1, help="clips a step (each of `frames` frames)")
    lr_g: float = option(2e-4, min=0.0)
    lr_d: float = option(2e-4, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.999, min=0.0, max=1.0)
    sample_count: int = option(8, min=1, max=64, help="clips in each sample file")
    sample_format: str = option("gif", choices=("gif", "mp4"), help="file of the training samples (the studio "
                                "plays both)")


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=lambda: LossConfig(name="nonsaturating"))
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

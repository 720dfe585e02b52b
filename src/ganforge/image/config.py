"""Typed configuration of an image GAN run: model, loss, data and training (the engine's keys plus the image ones)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig


@dataclass
class DataConfig:
    name: str = option("embedded", help="embedded (MNIST test split in the package), mnist, "
                       "fashion-mnist, or folder")
    dir: Optional[str] = option(None, help="folder holding the data files (default: $GANFORGE_DATA "
                                "or the download cache); for name=folder, the image folder")
    split: str = option("train", choices=("train", "test"))
    download: bool = option(False, help="download missing files from the canonical source")
    mirror: Optional[str] = option(None, help="base URL or folder to download from instead")
    limit: int = option(0, min=0, help="use only the first N images (0 = all)")


@dataclass
class ModelConfig:
    name: str = option("dcgan", help="a registered model: see `ganforge models`")
    latent_dim: int = option(100, min=1)
    image_size: int = option(28, min=8)
    channels: int = option(1, choices=(1, 3))
    num_classes: int = option(0, min=0, help="> 0 makes the model class-conditional")
    width: int = option(64, min=1, help="base channel count (DCGAN) / first hidden size (MLP)")
    spectral_norm: bool = option(False, help="spectral normalisation on discriminator layers")
    dropout: float = option(0.3, min=0.0, max=0.95, help="discriminator dropout (MLP GAN)")
    conditioning: str = option("projection", choices=("projection", "concat"),
                               help="how a conditional discriminator sees the label")
    pack: int = option(1, min=1, help="PacGAN (Lin et al. 2018): the discriminator judges this many samples "
                       "jointly, stacked along channels; unconditional models only; batch_size must divide")
    attention: int = option(0, min=0, help="biggan: a self-attention block at this resolution in px (0 = off)")
    mapping_layers: int = option(4, min=1, help="stylegan2: FC layers of the mapping network z -> w (the paper: 8)")


@dataclass
class ImageLossConfig(LossConfig):
    """The shared adversarial loss keys plus the image family's regularisation schedule."""

    r1_every: int = option(1, min=1, help="lazy R1: the R1 penalty (r1_weight) in its own discriminator update every "
                           "N steps, scaled by N (StyleGAN2: 16); 1 = inside every discriminator step")
    style_mixing: float = option(0.9, min=0.0, max=1.0, help="stylegan2: probability that a training batch mixes the "
                                 "styles of two latents at a random layer (style-mixing regularisation)")
    path_length_weight: float = option(2.0, min=0.0, help="stylegan2: path-length regularisation weight (0 = off)")
    path_length_every: int = option(4, min=1, help="stylegan2: path-length update every N steps, scaled by N")
    path_length_decay: float = option(0.01, min=0.0, max=1.0, help="stylegan2: decay of the path length's "
                                      "running mean")
    path_length_batch_shrink: int = option(2, min=1, help="stylegan2: the path-length update uses batch/N latents")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys (``ganforge.engine.config.LoopConfig``) plus the image family's."""

    lr_g: float = option(2e-4, min=0.0)
    lr_d: float = option(2e-4, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.999, min=0.0, max=1.0)
    d_steps: int = option(1, min=1, help="discriminator steps per generator step")
    channels_last: bool = option(True, help="channels-last memory layout for convolutional models")
    compile: bool = option(False, help="torch.compile the generator and discriminator (pays on long runs)")
    eval_metrics: str = option("fid", help="metrics for eval_every, the first picks the best checkpoint")
    eval_ref: str = option("auto", help="reference for eval_every (auto: the data set's test split)")
    ortho_weight: float = option(0.0, min=0.0, help="orthogonal regularisation of G's weights (biggan: 1e-4)")


@dataclass
class AugmentConfig:
    """Augmentation of what the discriminator sees (``ganforge.image.augment``; docs/augmentation.md)."""

    kind: str = option("none", choices=("none", "ada", "diffaugment"),
                       help="none; ada (Karras et al. 2020: each op with probability p, p steered by the r_t "
                            "heuristic); diffaugment (Zhao et al. 2020: every op on every image)")
    policy: str = option("auto", help="comma-separated augmentations (see docs/augmentation.md), e.g. "
                         "translation,cutout; auto: bgc for ada, color,translation,cutout for diffaugment")
    adaptive: bool = option(True, help="ada: steer p by the r_t heuristic; false: keep p fixed at augment.p")
    p: float = option(0.0, min=0.0, max=1.0, help="ada: the starting p (adaptive) or the fixed p")
    ada_target: float = option(0.6, min=0.0, max=1.0, help="ada: the r_t = E[sign(D(real))] to hold")
    ada_interval: int = option(4, min=1, help="ada: adjust p every N steps")
    ada_kimg: float = option(100.0, min=0.001, help="ada: thousands of images over which p can move from 0 to 1 "
                             "(the paper: 500, for far longer runs)")


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: ImageLossConfig = field(default_factory=ImageLossConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)

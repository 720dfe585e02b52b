"""Typed configuration of a 2D toy GAN run (model ``gan2d``): model, loss, data and training.

The defaults are the mixture benchmark's configuration (docs/benchmarks.md): MLPs of 3 x 256,
latent 16, a PacGAN-2 critic, the non-saturating loss + R1 0.01, Adam lr 1e-3 (0.5, 0.99), batch
256 judged inputs, EMA 0.999, fp32 (bf16 cannot place points 0.02 apart at radius 2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig

MODELS = ("gan2d",)


@dataclass
class ModelConfig:
    name: str = option("gan2d", choices=MODELS, help="the 2D toy GAN: MLP generator and MLP critic")
    latent_dim: int = option(16, min=1)
    hidden: int = option(256, min=1, help="hidden layer width of both MLPs")
    layers: int = option(3, min=1, max=8, help="hidden layers of both MLPs")
    pack: int = option(2, min=1, help="PacGAN: the critic judges this many points jointly")


@dataclass
class DataConfig:
    name: str = option("grid25", help="a 2D data set: ring8, grid25, ring, grid, spiral, moons or drawn")
    points: Tuple[Tuple[float, ...], ...] = option((), help="the points of data set 'drawn' ([x, y] pairs)")
    scale: float = option(1.0, min=1e-6, help="train on the data divided by this (samples are scaled back)")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys (``ganforge.engine.config.LoopConfig``) plus the toy family's."""

    batch_size: int = option(256, min=1, help="inputs the critic judges per update (points: batch_size x pack)")
    precision: str = option("fp32", choices=("auto", "fp32", "bf16", "fp16"),
                            help="fp32 by default: 2D modes 0.02 wide need it")
    eval_samples: int = option(2500, min=10, help="samples scored at each evaluation (eval_every)")
    lr_g: float = option(1e-3, min=0.0)
    lr_d: float = option(1e-3, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.99, min=0.0, max=1.0)
    d_steps: int = option(1, min=1, help="critic steps per generator step")


@dataclass
class Toy2dConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=lambda: LossConfig(r1_weight=0.01))
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

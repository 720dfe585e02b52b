"""Typed configuration of an audio GAN run (WaveGAN, SpecGAN): model, adversarial loss, data and training."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig

SAMPLE_RATE = 16000


@dataclass
class ModelConfig:
    name: str = option("wavegan", choices=("wavegan", "specgan"))
    length: int = option(16384, choices=(1024, 4096, 16384), help="samples per clip (16384: 1.02 s at 16 kHz, "
                         "as WaveGAN); clips of the data are cut to this length")
    sample_rate: int = option(SAMPLE_RATE, min=1000, max=96000, help="the data's sample rate (set from the data)")
    latent_dim: int = option(100, min=1)
    width: int = option(16, min=1, max=256, help="channels of the last generator layer (WaveGAN's d is 64)")
    conditional: bool = option(False, help="condition G and D on the data's label (pitch, digit, class folder)")
    num_classes: int = option(0, min=0, help="classes of a conditional model (0 = from the data)")
    phase_shuffle: int = option(2, min=0, max=8, help="WaveGAN: shift each D layer's activations by up to n samples")
    kernel: int = option(25, min=3, max=49, help="WaveGAN: 1-D kernel size (25 in the paper)")
    n_fft: int = option(256, choices=(64, 128, 256, 512), help="SpecGAN: STFT size (the top bin is dropped)")
    hop: int = option(128, choices=(32, 64, 128, 256), help="SpecGAN: STFT hop")
    griffin_lim_iters: int = option(16, min=1, max=500, help="SpecGAN: Griffin-Lim iterations when inverting")


@dataclass
class DataConfig:
    dir: Optional[str] = option(None, help="a set built by `ganforge data build notes|spoken-digits`, or any "
                                "folder of WAV files (class sub-folders give labels)")
    split: str = option("train", choices=("train", "test"))
    label: str = option("auto", help="the label of conditional models: auto (pitch for notes, digit for spoken "
                        "digits, the sub-folder for WAV folders), or a label of the data set (instrument ...)")
    limit: int = option(0, min=0, help="use only the first N clips (0 = all)")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys plus the audio ones; defaults follow WaveGAN (WGAN-GP, Adam 1e-4, betas 0.5/0.9, 5 D steps)."""

    batch_size: int = option(32, min=1)
    lr_g: float = option(1e-4, min=0.0)
    lr_d: float = option(1e-4, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.9, min=0.0, max=1.0)
    d_steps: int = option(5, min=1, help="discriminator steps per generator step")
    ema_decay: float = option(0.0, min=0.0, max=1.0, help="EMA of the generator's weights (0 = off)")
    sample_count: int = option(8, min=1, max=64, help="clips in each sample (WAV and spectrogram PNG)")


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=lambda: LossConfig(name="wgan-gp"))
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

"""Typed configuration of a music run: model, loss, data and training (the engine's keys plus the music ones).

Every model writes *voices*: per track, one token per time step (0 = rest, k = pitch ``low + k - 1``),
so a track is monophonic (a chorale voice, a melody); the piano roll is that one-hot.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig
from ganforge.losses.config import LossConfig

MODELS = ("musegan", "melody-gan", "music-mle")
VARIANTS = ("jamming", "composer", "hybrid")
DATA_SETS = ("jsb", "folk", "midi")


@dataclass
class ModelConfig:
    name: str = option("musegan", choices=MODELS, help="musegan (multi-track), melody-gan (C-RNN-GAN style) or "
                       "music-mle (autoregressive baseline)")
    variant: str = option("hybrid", choices=VARIANTS, help="musegan: jamming (a generator and private latents per "
                          "track), composer (one generator, shared latents), hybrid (per-track generators, shared "
                          "and private latents)")
    latent_dim: int = option(32, min=1, help="size of each latent (shared/private, time-independent/per bar)")
    width: int = option(128, min=2, help="hidden size of the networks")
    layers: int = option(1, min=1, max=4, help="recurrent layers (melody-gan, music-mle)")


@dataclass
class DataConfig:
    name: str = option("jsb", choices=DATA_SETS, help="jsb (Bach chorales, SATB), folk (music21's monophonic folk "
                       "tunes) or midi (a folder or file of MIDI)")
    dir: Optional[str] = option(None, help="folder holding jsb-chorales/ (default: $GANFORGE_DATA)")
    path: Optional[str] = option(None, help="name=midi: a MIDI file or a folder of them")
    collection: str = option("essenFolksong", help="name=folk: a music21 corpus collection of monophonic tunes "
                             "(essenFolksong, ryansMammoth)")
    limit: int = option(0, min=0, help="use only the first N pieces (0 = all; folk: default 600 tunes)")
    tracks: int = option(0, min=0, max=16, help="tracks (0 = the data set's: jsb 4, folk 1, midi 1)")
    bars: int = option(4, min=1, max=64, help="bars per phrase")
    steps_per_bar: int = option(16, min=2, max=96, help="time steps per bar (16: a 16th-note grid in 4/4)")
    hop_bars: int = option(2, min=1, help="phrases start every N bars of a piece")
    low: int = option(36, min=0, max=126, help="lowest MIDI pitch; pitches outside are moved by octaves")
    pitches: int = option(48, min=12, max=128, help="pitch range (low .. low + pitches - 1)")
    tempo: float = option(100.0, min=10.0, max=400.0, help="quarter notes per minute of written MIDI/WAV")


@dataclass
class TrainConfig(LoopConfig):
    """The engine's keys (``ganforge.engine.config.LoopConfig``) plus the music family's."""

    batch_size: int = option(32, min=1)
    ema_decay: float = option(0.0, min=0.0, max=1.0, help="EMA of the generator's weights (0 = off)")
    lr_g: float = option(1e-3, min=0.0)
    lr_d: float = option(1e-3, min=0.0)
    beta1: float = option(0.5, min=0.0, max=1.0)
    beta2: float = option(0.9, min=0.0, max=1.0)
    d_steps: int = option(1, min=1, help="discriminator steps per generator step")
    tau: float = option(1.0, min=0.05, max=10.0, help="Gumbel-softmax temperature of the GAN generators' "
                        "straight-through samples")
    sample_count: int = option(4, min=1, max=64, help="phrases written at each sample_every")


@dataclass
class MusicConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=lambda: LossConfig(name="wgan-gp"))
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

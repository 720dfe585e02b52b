"""The training settings every family shares: the loop's cadences, budget, device, precision and EMA.

A family's train config subclasses :class:`LoopConfig` and adds its own keys (learning rates,
phase lengths, ...); it may redeclare a field to change its default (text GANs keep no EMA).
"""
from __future__ import annotations

from dataclasses import dataclass

from ganforge.config import option


@dataclass
class LoopConfig:
    steps: int = option(2000, min=0, help="training steps (0 = no limit: stop at max_minutes)")
    max_minutes: float = option(0.0, min=0.0, help="stop after this wall time (0 = no limit)")
    batch_size: int = option(64, min=1)
    lr_decay_steps: int = option(0, min=0, help="decay every learning rate linearly to zero over the last N steps "
                                               "of the run (0 = constant)")
    ema_decay: float = option(0.999, min=0.0, max=1.0, help="EMA of the generator's weights (0 = off)")
    ema_half_life_images: float = option(0.0, min=0.0, help="EMA by half-life instead of ema_decay: the EMA forgets "
                                         "half of its weight over this many training images (StyleGAN2's ema_kimg "
                                         "x 1000; 0 = use ema_decay)")
    ema_rampup: float = option(0.0, min=0.0, help="with ema_half_life_images: cap the half-life at this fraction of "
                               "the images seen so far (StyleGAN2's ema_rampup, e.g. 0.05; 0 = no ramp-up)")
    seed: int = option(0, min=0)
    log_every: int = option(25, min=1)
    sample_every: int = option(500, min=1, help="write samples (files + TensorBoard) every N steps")
    checkpoint_every: int = option(500, min=1)
    keep_checkpoints: int = option(3, min=1, help="keep the last K checkpoints")
    device: str = option("auto", help="auto, cpu, cuda or cuda:N")
    precision: str = option("auto", choices=("auto", "fp32", "bf16", "fp16"),
                            help="auto: bf16 where the hardware runs it natively, else fp32; fp16 (CUDA) "
                                 "uses loss scaling")
    threads: int = option(0, min=0, help="CPU threads (0 = torch default)")
    eval_every: int = option(0, min=0, help="evaluate every N steps into metrics.jsonl (0 = off)")
    eval_samples: int = option(2000, min=10, help="samples scored at each evaluation")

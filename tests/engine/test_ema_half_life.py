"""EMA by half-life (StyleGAN2's ema_kimg with ema_rampup): the per-step decay, and the trainer using it."""
import pytest
import torch

from ganforge.engine.runtime import EMA, half_life_decay
from ganforge.errors import ConfigError
from ganforge.image.task import ImageTrainer

from helpers import tiny_config


def test_half_life_decay_matches_hand_computed_values():
    # batch 32, half-life 10,000 images: 0.5 ** (32 / 10000) = 0.997784...
    assert half_life_decay(10_000, 32, 1_000_000) == pytest.approx(0.9977843871, abs=1e-9)
    # ramp-up 0.05 after 6,400 images: the half-life is capped at 320 images -> 0.5 ** (32 / 320) = 0.933032...
    assert half_life_decay(10_000, 32, 6_400, rampup=0.05) == pytest.approx(0.9330329915, abs=1e-9)
    assert half_life_decay(10_000, 32, 0, rampup=0.05) == 0.0     # the first update copies the weights
    ema = EMA(torch.nn.Linear(2, 2), decay=0.999)
    assert ema.decay_at(5) == pytest.approx(6 / 15)                # unset: the ema_decay ramp, as before
    ema.use_half_life(10_000, 0.05, 32)
    assert ema.decay_at(200) == pytest.approx(0.9330329915, abs=1e-9)


def test_trainer_applies_the_half_life_and_refuses_it_without_an_ema(tmp_path):
    cfg = tiny_config(train={"steps": 2, "batch_size": 16, "ema_half_life_images": 100, "ema_rampup": 0.5})
    trainer = ImageTrainer(cfg, tmp_path / "r")
    assert trainer.state.ema.decay_at(10) == pytest.approx(0.5 ** (16 / 80))
    trainer.steerable()["train.ema_half_life_images"](1000)
    assert trainer.state.ema.decay_at(1000) == pytest.approx(0.5 ** (16 / 1000))
    with pytest.raises(ConfigError, match="set train.ema_decay above 0"):
        ImageTrainer(tiny_config(train={"ema_decay": 0.0, "ema_half_life_images": 100}), tmp_path / "s")

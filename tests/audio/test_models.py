"""WaveGAN and SpecGAN networks: shapes for every clip length, phase shuffle, the spectrogram round trip."""
from __future__ import annotations

import math

import pytest
import torch

from ganforge.audio import spectral
from ganforge.audio.config import ModelConfig
from ganforge.audio.models import create_model, list_models
from ganforge.audio.models.wavegan import phase_shuffle

from audio_helpers import sine


@pytest.mark.parametrize("name", ["wavegan", "specgan"])
@pytest.mark.parametrize("length", [1024, 4096])
def test_generator_and_critic_shapes(name, length):
    cfg = ModelConfig(name=name, length=length, width=2, latent_dim=8, conditional=True, num_classes=3,
                      n_fft=64 if length == 1024 else 256, hop=32 if length == 1024 else 128, griffin_lim_iters=2)
    model = create_model(cfg)
    z, y = torch.randn(3, 8), torch.tensor([0, 1, 2])
    out = model.generator(z, y)
    assert model.generator.waveform(out).shape == (3, length)
    real = model.real_inputs(torch.randn(3, length) * 0.1)
    assert real.shape == out.shape and model.discriminator(real, y).shape == (3,)
    assert float(out.detach().abs().max()) <= 1.0 and float(real.abs().max()) <= 1.0
    assert sorted(list_models()) == ["specgan", "wavegan"]


def test_phase_shuffle_shifts_each_clip_by_at_most_n_with_reflection():
    torch.manual_seed(0)
    x = torch.arange(20.0).repeat(64, 2, 1)
    y = phase_shuffle(x, 2)
    shifts = set()
    for row in y:
        k = int(row[0, 10] - 10) * -1        # output[t] = x[t - k]
        shifts.add(k)
        assert torch.equal(row[0, 2:18], x[0, 0, 2 - k:18 - k]) and torch.equal(row[0], row[1])
    assert shifts == {-2, -1, 0, 1, 2}
    assert torch.equal(phase_shuffle(x, 0), x)
    assert torch.equal(y[y[:, 0, 10] == 8][0, 0, :2], torch.tensor([2.0, 1.0]))   # shifted right by 2: reflected


def test_spectrogram_normalisation_round_trip_and_griffin_lim_recovers_a_tone():
    wave = torch.from_numpy(sine(1000.0, seconds=4096 / 16000))[None]
    log_mag = spectral.log_magnitude(wave, 256, 64)
    assert log_mag.shape == (1, 128, 64)
    mean, std = spectral.bin_statistics(log_mag)
    images = spectral.normalise(log_mag, mean, std)
    assert float(images.abs().max()) <= 1.0
    back = spectral.denormalise(images, mean, std)
    inside = (log_mag - mean[:, None]).abs() < 3 * std[:, None]
    magnitude = (log_mag.exp() - spectral.EPS).clamp_min(0)
    assert inside.float().mean() > 0.9 and torch.allclose(back[inside], magnitude[inside], rtol=1e-3, atol=1e-6)
    heard = spectral.griffin_lim(back, 256, 64, 4096, iters=16)
    assert heard.shape == (1, 4096)
    spectrum = torch.fft.rfft(heard[0]).abs()
    assert abs(float(spectrum.argmax()) * 16000 / 4096 - 1000.0) < 8.0   # the tone's frequency comes back
    image = spectral.spectrogram_image(heard[0])
    assert image.dtype.name == "uint8" and image.shape == (129, 65)
    peak_row = 128 - int(image[:, 30].argmax())                          # low frequencies at the bottom
    assert math.isclose(peak_row * 16000 / 256, 1000.0, abs_tol=70)

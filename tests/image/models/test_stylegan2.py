"""StyleGAN2-lite's networks: demodulation, shapes at 28/32/64 px, truncation in W, style mixing, the registry."""
import pytest
import torch

from ganforge.errors import ConfigError
from ganforge.image.models import create_model, list_models
from ganforge.image.models.style_layers import ModulatedConv2d


def tiny(**overrides):
    return create_model("stylegan2", **{"width": 4, "latent_dim": 8, "mapping_layers": 2, **overrides})


def test_demodulated_convolution_keeps_unit_variance_and_modulation_alone_does_not():
    torch.manual_seed(0)
    conv = ModulatedConv2d(64, 32, 3, w_dim=16)
    with torch.no_grad():
        conv.weight.mul_(torch.rand(32, 64, 1, 1) * 3)      # very uneven filters
        conv.affine.bias.uniform_(0.2, 3.0)                 # and uneven styles
    x = torch.randn(8, 64, 64, 64)
    w = torch.randn(8, 16)
    with torch.no_grad():
        y = conv(x, w)[:, :, 1:-1, 1:-1]                    # away from the zero padding
        conv.demodulate = False
        raw = conv(x, w)[:, :, 1:-1, 1:-1]
    per_channel = y.var(dim=(0, 2, 3))
    assert per_channel.sub(1).abs().max() < 0.08, per_channel
    assert raw.var(dim=(0, 2, 3)).sub(1).abs().max() > 0.5


@pytest.mark.parametrize("size,num_ws", [(32, 8), (64, 10)])   # 28 px: tests/image/test_stylegan2_training.py
def test_generator_and_discriminator_shapes(size, num_ws):
    gan = tiny(image_size=size, channels=3 if size == 64 else 1, num_classes=10 if size == 32 else 0)   # 32: conditional
    G, D = gan.generator, gan.discriminator
    c = 3 if size == 64 else 1
    y = torch.randint(0, 10, (3,)) if size == 32 else None
    z = torch.randn(3, 8)
    ws = G.mapping(z, y)
    assert ws.shape == (3, num_ws, 8) and G.num_ws == num_ws
    img = G.synthesis(ws)
    assert img.shape == (3, c, size, size)
    assert D(img, y).shape == (3,)
    G.eval()
    out = G(z, y)
    assert out.shape == (3, c, size, size) and out.min() >= -1 and out.max() <= 1
    assert torch.equal(out, G(z, y))                         # eval: fixed noise, the same image each time


def test_unsupported_size_is_a_one_line_config_error():
    with pytest.raises(ConfigError, match="use --image-size 28, 32 or 64"):
        tiny(image_size=48)


def test_training_mode_tracks_w_avg_and_mixes_styles():
    gan = tiny(image_size=32)
    G = gan.generator.train()
    z = torch.randn(16, 8)
    before = G.w_avg.clone()
    G(z)
    assert not torch.equal(G.w_avg, before)                  # w_avg follows the batch mean of w
    G.mixing_prob = 1.0
    ws = G.mapping(z)
    torch.manual_seed(3)
    mixed = G.style_mix(ws, z, None)
    cut = int((mixed != ws).any(dim=2).any(dim=0).nonzero()[0])
    assert 1 <= cut < G.num_ws and torch.equal(mixed[:, :cut], ws[:, :cut])
    assert (mixed[:, cut:] != ws[:, cut:]).all()
    G.mixing_prob = 0.0
    assert torch.equal(G.style_mix(ws, z, None), ws)


def test_truncation_psi_zero_gives_the_average_image_for_every_seed():
    G = tiny(image_size=28).generator
    G(torch.randn(64, 8))                                    # training mode: w_avg moves off zero
    G.eval()
    z = torch.randn(4, 8)
    images = G(z, truncation_psi=0.0)
    assert all(torch.equal(images[0], images[i]) for i in range(1, 4))
    assert not torch.equal(G(z)[0], G(z)[1])


def test_stylegan2_is_registered_and_listed(capsys):
    from ganforge.cli.main import main

    assert "stylegan2" in list_models()
    assert main(["models"]) == 0
    assert any(line.split()[:2] == ["stylegan2", "image"] for line in capsys.readouterr().out.splitlines())

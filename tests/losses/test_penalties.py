"""Gradient penalties against brute-force per-example computations."""
import torch

from ganforge.image.config import ModelConfig
from ganforge.losses import gradient_penalty, r1_penalty
from ganforge.image.models import create_model


def critic():
    torch.manual_seed(0)
    cfg = ModelConfig(name="dcgan", width=4, spectral_norm=True)  # no batch norm: examples independent
    # eval mode: spectral norm does no power iteration, so every call sees the same weights
    return create_model(config=cfg).discriminator.double().eval()


def test_gradient_penalty_equals_per_example_loop():
    D = critic()
    real, fake = torch.randn(5, 1, 28, 28, dtype=torch.float64), torch.randn(5, 1, 28, 28, dtype=torch.float64)
    got = gradient_penalty(D, real, fake, generator=torch.Generator().manual_seed(3))

    eps = torch.rand(5, generator=torch.Generator().manual_seed(3)).double().view(5, 1, 1, 1)
    terms = []
    for i in range(5):  # one example at a time, one interpolation weight for the whole image
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i])[None].requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x).sum(), x)
        terms.append((grad.norm() - 1) ** 2)
    expected = torch.stack(terms).mean()
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)


def test_interpolation_weight_is_per_example_not_per_pixel():
    D = critic()
    seen = []

    def spy(x, labels=None):
        seen.append(x.detach())
        return D(x, labels)

    real, fake = torch.ones(3, 1, 28, 28, dtype=torch.float64), torch.zeros(3, 1, 28, 28, dtype=torch.float64)
    gradient_penalty(spy, real, fake)
    x_hat = seen[0]
    # with real = 1 and fake = 0, x_hat is eps everywhere: one value per example
    assert torch.all(x_hat.flatten(1).std(dim=1) == 0)
    assert x_hat[:, 0, 0, 0].unique().numel() == 3


def test_r1_equals_per_example_loop():
    D = critic()
    real = torch.randn(4, 1, 28, 28, dtype=torch.float64)
    expected = []
    for i in range(4):
        x = real[i:i + 1].clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x).sum(), x)
        expected.append(grad.pow(2).sum())
    torch.testing.assert_close(r1_penalty(D, real), torch.stack(expected).mean(), rtol=1e-10, atol=1e-12)


def test_gradient_penalty_backpropagates_into_critic():
    D = critic()
    gp = gradient_penalty(D, torch.randn(2, 1, 28, 28).double(), torch.randn(2, 1, 28, 28).double())
    gp.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in D.parameters())

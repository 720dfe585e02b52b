"""Gradient penalties on the discriminator: WGAN-GP (Gulrajani et al. 2017) and R1 (Mescheder et al. 2018).

The WGAN-GP interpolation weight is drawn once per example (shape ``[B, 1, 1, 1]``), not per
pixel: per-pixel weights (a bug of popular code) leave the samples off the line between a real
and a fake image, which is where the Lipschitz constraint is meant to hold.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

Critic = Callable[[torch.Tensor, Optional[torch.Tensor]], torch.Tensor]


def per_example_grad_norm(critic: Critic, x: torch.Tensor, labels: Optional[torch.Tensor]) -> torch.Tensor:
    """||d critic(x_i) / d x_i||_2 for every example i (the critic must treat examples independently)."""
    x = x.detach().requires_grad_(True)
    out = critic(x, labels)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad.flatten(1).norm(2, dim=1)


def gradient_penalty(critic: Critic, real: torch.Tensor, fake: torch.Tensor, labels: Optional[torch.Tensor] = None,
                     generator: Optional[torch.Generator] = None, eps: Optional[torch.Tensor] = None) -> torch.Tensor:
    """mean_i (||grad critic(x_hat_i)|| - 1)^2 with x_hat_i = eps_i real_i + (1 - eps_i) fake_i.

    ``eps`` (one weight per example, uniform in [0, 1)) is drawn from ``generator`` unless given.
    """
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    if eps is None:
        eps = torch.rand(eps_shape[0], generator=generator, device="cpu")
    eps = eps.reshape(eps_shape).to(real.device, real.dtype)
    x_hat = eps * real.detach() + (1 - eps) * fake.detach()
    return (per_example_grad_norm(critic, x_hat, labels) - 1).pow(2).mean()


def r1_penalty(critic: Critic, real: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
    """mean_i ||grad critic(real_i)||^2 (multiply by gamma / 2 for the R1 term)."""
    return per_example_grad_norm(critic, real, labels).pow(2).mean()

"""The layers of BigGAN-lite (Brock et al. 2019), as in the authors' BigGAN-PyTorch, every weight spectrally normalised.

- :class:`ConditionalBatchNorm`: batch norm without its own affine parameters whose per-channel gain
  ``1 + W_g c`` and bias ``W_b c`` are linear maps of a conditioning vector ``c`` (BigGAN: a latent chunk
  concatenated with the shared class embedding); with no conditioning vector it is plain batch norm.
- :class:`GBlock`: the residual up-block (CBN, ReLU, nearest x2, conv3x3, CBN, ReLU, conv3x3; shortcut x2, conv1x1).
- :class:`DBlock`: the residual down-block (ReLU, conv3x3, ReLU, conv3x3, avg-pool; shortcut conv1x1 and
  avg-pool); the first block of D has no pre-activation (the "optimized" block of SNGAN/BigGAN).
- :class:`SelfAttention`: the SAGAN non-local block (1x1 theta/phi/g, max-pooled keys, a zero-initialised gain).
- :func:`orthogonal_penalty`: BigGAN's orthogonal regularisation ``||W^T W * (1 - I)||_F^2``.
"""
from __future__ import annotations

from typing import Iterable, List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.image.models.base import spectral


def conv3(cin: int, cout: int) -> nn.Module:
    return nn.Conv2d(cin, cout, 3, padding=1)


def conv1(cin: int, cout: int) -> nn.Module:
    return nn.Conv2d(cin, cout, 1)


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose gain and bias come from a linear map of a conditioning vector (``cond_dim`` 0: plain BN)."""

    def __init__(self, channels: int, cond_dim: int):
        super().__init__()
        self.cond_dim = cond_dim
        self.bn = nn.BatchNorm2d(channels, affine=cond_dim == 0)
        if cond_dim:
            self.gain = nn.Linear(cond_dim, channels)
            self.bias = nn.Linear(cond_dim, channels)

    def forward(self, x: torch.Tensor, cond: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.bn(x)
        if not self.cond_dim:
            return out
        gain = 1 + self.gain(cond).to(out.dtype)
        return out * gain[:, :, None, None] + self.bias(cond).to(out.dtype)[:, :, None, None]


class GBlock(nn.Module):
    """Residual up-block: x2 resolution, ``cin`` -> ``cout`` channels, both norms conditioned on ``cond``."""

    def __init__(self, cin: int, cout: int, cond_dim: int):
        super().__init__()
        self.bn1, self.bn2 = ConditionalBatchNorm(cin, cond_dim), ConditionalBatchNorm(cout, cond_dim)
        self.conv1, self.conv2 = conv3(cin, cout), conv3(cout, cout)
        self.shortcut = conv1(cin, cout)

    def forward(self, x: torch.Tensor, cond: Optional[torch.Tensor]) -> torch.Tensor:
        h = F.interpolate(F.relu(self.bn1(x, cond)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h), cond)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class DBlock(nn.Module):
    """Residual down-block (``down``: avg-pool x1/2); ``preactivation=False`` for the first block, on raw pixels."""

    def __init__(self, cin: int, cout: int, down: bool = True, preactivation: bool = True):
        super().__init__()
        self.down, self.preactivation = down, preactivation
        self.conv1, self.conv2 = conv3(cin, cout), conv3(cout, cout)
        self.shortcut = conv1(cin, cout) if (cin != cout or down) else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(x) if self.preactivation else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.shortcut is not None:
            if self.preactivation:     # conv then pool (cheaper after the first block), else pool then conv
                s = self.shortcut(s)
                s = F.avg_pool2d(s, 2) if self.down else s
            else:
                s = self.shortcut(F.avg_pool2d(s, 2) if self.down else s)
        return h + s


class SelfAttention(nn.Module):
    """The SAGAN/BigGAN non-local block; its output gain starts at 0, so it begins as the identity."""

    def __init__(self, channels: int):
        super().__init__()
        self.key_dim, self.value_dim = max(1, channels // 8), max(1, channels // 2)
        self.theta, self.phi = conv1(channels, self.key_dim), conv1(channels, self.key_dim)
        self.g, self.o = conv1(channels, self.value_dim), conv1(self.value_dim, channels)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor, cond: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, c, h, w = x.shape
        theta = self.theta(x).flatten(2)                                   # [B, k, HW]
        pool = (lambda t: F.max_pool2d(t, 2)) if min(h, w) >= 2 else (lambda t: t)
        phi = pool(self.phi(x)).flatten(2)                                 # [B, k, HW/4]
        g = pool(self.g(x)).flatten(2)                                     # [B, v, HW/4]
        attention = torch.softmax(theta.transpose(1, 2) @ phi, dim=-1)     # [B, HW, HW/4]
        out = (g @ attention.transpose(1, 2)).view(b, self.value_dim, h, w)
        return x + self.gamma * self.o(out)


LAYERS = (nn.Conv2d, nn.Linear, nn.Embedding)


def init_and_normalize(module: nn.Module, plain: Optional[nn.Module] = None) -> None:
    """BigGAN's initialisation (orthogonal weights, zero biases), then spectral norm on every conv, linear and
    embedding but ``plain`` (G's shared class embedding, as in BigGAN), one power iteration a training forward;
    normalising after the initialisation makes the norm's first estimate that of the initial weights."""
    layers = [m for m in module.modules() if isinstance(m, LAYERS)]
    for m in layers:
        nn.init.orthogonal_(m.weight)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
    for m in layers:
        if m is not plain:
            spectral(m, True)


def raw_weight(module: nn.Module) -> torch.Tensor:
    """The trained weight of a layer: the parameter before spectral normalisation when it has it."""
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is not None and "weight" in parametrizations:
        return parametrizations.weight.original
    return module.weight


def orthogonal_penalty(weights: Iterable[torch.Tensor]) -> torch.Tensor:
    """BigGAN's orthogonal regularisation, summed over ``weights``: ``||W^T W * (1 - I)||_F^2`` where W's columns are
    the filters (= ``w w^T`` for a torch weight ``w`` flattened to [filters, fan-in]); only the cosines between
    filters are pushed to 0, not their norms (the diagonal is left out).

    Computed without the [filters, filters] Gram matrix, whose size is the square of the filter count (3,136 for
    the first linear layer): ``||w w^T||_F^2 = ||w^T w||_F^2`` and the diagonal left out is ``sum_i ||w_i||^4``, so
    the Gram matrix of the smaller side serves, exactly (in float64: the two sums nearly cancel for near-orthogonal filters)."""
    total: List[torch.Tensor] = []
    for weight in weights:
        w = weight.double().flatten(1)   # float64: the two sums are close for near-orthogonal filters
        gram = w @ w.t() if w.shape[0] <= w.shape[1] else w.t() @ w
        total.append((gram.pow(2).sum() - w.pow(2).sum(1).pow(2).sum()).float())
    return torch.stack(total).sum() if total else torch.zeros(())

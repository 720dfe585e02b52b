"""The layers of StyleGAN2-lite in plain PyTorch (no custom CUDA kernels): equalized-learning-rate linear and
convolution layers, the mapping network, modulated and demodulated convolutions with noise inputs, and the
discriminator's residual blocks and minibatch standard deviation.

Where the reference (Karras et al. 2020, stylegan2-ada-pytorch) uses its FIR-filter kernels, this file uses
their plain equivalents: bilinear x2 upsampling (the [1, 3, 3, 1] filter) and 2x2 average pooling for
downsampling; ``bias_act``'s leaky ReLU is ``leaky_relu(0.2) * sqrt(2)``. The modulated convolution runs
"non-fused" (scale the input by the style, convolve with the shared weight, scale the output by the
demodulation coefficients), which is the same function as the reference's grouped convolution and runs as
one ordinary convolution on CPU and GPU.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

SQRT2 = math.sqrt(2.0)


def lrelu(x: torch.Tensor) -> torch.Tensor:
    """StyleGAN's activation: leaky ReLU (0.2) with gain sqrt(2), keeping the signal's magnitude."""
    return F.leaky_relu(x, 0.2) * SQRT2


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


class EqualLinear(nn.Module):
    """A linear layer with the equalized learning rate: N(0, 1/lr_mul) weights scaled at run time by
    ``lr_mul / sqrt(fan_in)`` (the mapping network uses lr_mul = 0.01)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, bias_init: float = 0.0,
                 lr_mul: float = 1.0, activate: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul)) if bias else None
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.lr_mul, self.activate = lr_mul, activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = self.bias * self.lr_mul if self.bias is not None else None
        x = F.linear(x, self.weight * self.weight_gain, b)
        return lrelu(x) if self.activate else x


class EqualConv2d(nn.Module):
    """A convolution with the equalized learning rate (same padding), optionally followed by StyleGAN's lrelu."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, bias: bool = True, activate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel * kernel)
        self.padding, self.activate = kernel // 2, activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.padding)
        return lrelu(x) if self.activate else x


class MappingNetwork(nn.Module):
    """z (and a label embedding) -> w: ``layers`` equalized FC layers with lr multiplier ``lr_mul``, broadcast to
    ``num_ws`` copies; keeps ``w_avg``, the moving average of w (decay ``w_avg_beta``) that truncation pulls to."""

    def __init__(self, z_dim: int, embed_dim: int, w_dim: int, num_ws: int, layers: int, lr_mul: float = 0.01,
                 w_avg_beta: float = 0.995):
        super().__init__()
        self.num_ws, self.w_avg_beta = num_ws, w_avg_beta
        dims = [z_dim + embed_dim] + [w_dim] * layers
        self.net = nn.Sequential(*[EqualLinear(a, b, lr_mul=lr_mul, activate=True) for a, b in zip(dims, dims[1:])])
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: torch.Tensor, embedding: Optional[torch.Tensor] = None, psi: float = 1.0,
                update_w_avg: bool = False) -> torch.Tensor:
        x = normalize_2nd_moment(z.float())
        if embedding is not None:
            x = torch.cat([x, normalize_2nd_moment(embedding.float())], dim=1)
        w = self.net(x)
        if update_w_avg:
            with torch.no_grad():
                self.w_avg.lerp_(w.detach().float().mean(0), 1.0 - self.w_avg_beta)
        if psi != 1:
            w = self.w_avg.lerp(w, psi)
        return w[:, None, :].expand(-1, self.num_ws, -1)


class ModulatedConv2d(nn.Module):
    """A convolution whose input channels are scaled per sample by a style ``s = affine(w)``; with ``demodulate``
    each output channel is divided by the norm of its modulated weights, so that unit-variance inputs give
    unit-variance outputs (StyleGAN2's replacement for AdaIN)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, w_dim: int, demodulate: bool = True):
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel * kernel)
        self.padding, self.demodulate = kernel // 2, demodulate

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)                                           # [B, in]
        weight = self.weight * self.weight_gain
        x = x * styles.to(x.dtype)[:, :, None, None]
        x = F.conv2d(x, weight.to(x.dtype), padding=self.padding)
        if self.demodulate:   # sum over in, kh, kw of (weight * style)^2 = styles^2 @ (sum over kh, kw of weight^2)
            dcoefs = (styles.square() @ weight.square().sum(dim=(2, 3)).t() + 1e-8).rsqrt()   # [B, out]
            x = x * dcoefs.to(x.dtype)[:, :, None, None]
        return x


class StyleLayer(nn.Module):
    """Modulated 3x3 convolution (after a x2 upsampling when ``up``), per-pixel noise with a learned strength,
    bias and lrelu. In training mode the noise is fresh; in eval mode it is a fixed buffer (``noise_const``),
    so a seed gives the same image every time."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, up: bool = False):
        super().__init__()
        self.up = up
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim)
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.conv(x, w)
        if noise is None:
            noise = (torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
                     if self.training else self.noise_const)
        x = x + noise.to(x.dtype) * self.noise_strength.to(x.dtype)
        return lrelu(x + self.bias.to(x.dtype)[None, :, None, None])


class ToRGB(nn.Module):
    """Modulated 1x1 convolution to the image channels, without demodulation (the skip generator's outputs)."""

    def __init__(self, in_channels: int, channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias.to(x.dtype)[None, :, None, None]


class ResidualDown(nn.Module):
    """The residual discriminator's block: conv3x3, conv3x3 then 2x2 average pooling, plus a pooled 1x1 skip; the
    sum is scaled by sqrt(1/2)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False, activate=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.skip(F.avg_pool2d(x, 2))
        x = F.avg_pool2d(self.conv1(self.conv0(x)), 2)
        return (x + y) * math.sqrt(0.5)


def minibatch_stddev(x: torch.Tensor, group_size: int = 4) -> torch.Tensor:
    """Append one channel: the standard deviation of the features over groups of ``group_size`` samples (the
    largest divisor of the batch up to it), averaged to one number per group."""
    n, c, h, w = x.shape
    g = min(group_size, n)
    while n % g:
        g -= 1
    y = x.float().reshape(g, n // g, c, h, w)
    y = (y - y.mean(dim=0)).square().mean(dim=0).add(1e-8).sqrt()     # [n/g, c, h, w]
    y = y.mean(dim=(1, 2, 3)).reshape(1, n // g, 1, 1, 1).expand(g, -1, 1, h, w).reshape(n, 1, h, w)
    return torch.cat([x, y.to(x.dtype)], dim=1)

"""The networks of image-to-image translation: the U-Net and ResNet generators and the PatchGAN discriminator.

As in Isola et al. (pix2pix, 2017) and Zhu et al. (CycleGAN, 2017), with instance normalisation.
The generators accept any square size: the input is padded (edge values) to a multiple of the
down-sampling factor and the output cropped back. The PatchGAN's depth is chosen so that its
receptive field is about 27% of the image side (the paper's 70x70 patches on 256x256 images).
"""
from __future__ import annotations

import math
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

PATCH_FRACTION = 70 / 256


def receptive_field(layers: int) -> int:
    """Receptive field in pixels of a PatchGAN with ``layers`` stride-2 convolutions (3 -> 70)."""
    r = 1
    for stride in reversed([2] * layers + [1, 1]):
        r = (r - 1) * stride + 4
    return r


def patch_layers(image_size: int) -> int:
    """The PatchGAN depth whose receptive field is nearest 27% of the image side (at least one layer)."""
    target = PATCH_FRACTION * image_size
    candidates = [n for n in range(1, 7) if image_size // 2 ** n >= 2] or [1]
    return min(candidates, key=lambda n: (abs(receptive_field(n) - target), n))


def unet_depth(image_size: int) -> int:
    """Down-samplings that take the image to 2x2 (at least one)."""
    return max(1, math.ceil(math.log2(image_size)) - 1)


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x


def norm(channels: int) -> nn.Module:
    return nn.InstanceNorm2d(channels, affine=True)


class UNetGenerator(nn.Module):
    """pix2pix's U-Net: stride-2 4x4 convolutions down to 2x2, transposed ones back up, skips at each level,
    dropout in the innermost decoder layers (the generator's only noise)."""

    def __init__(self, in_channels: int, out_channels: int, image_size: int, width: int = 32, depth: int = 0,
                 dropout: float = 0.5):
        super().__init__()
        self.depth = depth or unet_depth(image_size)
        chans = [width * min(2 ** i, 8) for i in range(self.depth)]
        self.downs = nn.ModuleList()
        for level, out in enumerate(chans):
            if level == 0:
                self.downs.append(nn.Conv2d(in_channels, out, 4, 2, 1))
                continue
            layers: List[nn.Module] = [nn.LeakyReLU(0.2), nn.Conv2d(chans[level - 1], out, 4, 2, 1)]
            if level < self.depth - 1:
                layers.append(norm(out))
            self.downs.append(nn.Sequential(*layers))
        self.ups = nn.ModuleList()
        noisy = range(max(1, self.depth - 4), self.depth - 1)
        for level in reversed(range(self.depth)):
            inputs = chans[level] * (1 if level == self.depth - 1 else 2)
            out = chans[level - 1] if level else out_channels
            layers = [nn.ReLU(), nn.ConvTranspose2d(inputs, out, 4, 2, 1)]
            if level == 0:
                layers.append(nn.Tanh())
            else:
                layers.append(norm(out))
                if level in noisy and dropout > 0:
                    layers.append(nn.Dropout(dropout))
            self.ups.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        out = pad_to_multiple(x, 2 ** self.depth)
        skips = []
        for down in self.downs:
            out = down(out)
            skips.append(out)
        for i, up in enumerate(self.ups):
            if i:
                out = torch.cat([skips[self.depth - 1 - i], out], 1)
            out = up(out)
        return out[..., :h, :w]


class ResnetBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), norm(channels), nn.ReLU(),
                                  nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), norm(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator: a 7x7 stem, two stride-2 down-samplings, residual blocks, two up-samplings."""

    def __init__(self, in_channels: int, out_channels: int, width: int = 32, blocks: int = 6):
        super().__init__()
        layers: List[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, 7), norm(width), nn.ReLU()]
        for i in range(2):
            c = width * 2 ** i
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1), norm(2 * c), nn.ReLU()]
        layers += [ResnetBlock(width * 4) for _ in range(blocks)]
        for i in range(2):
            c = width * 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1), norm(c // 2), nn.ReLU()]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        return self.net(pad_to_multiple(x, 4))[..., :h, :w]


class PatchDiscriminator(nn.Module):
    """PatchGAN: a map of real/fake logits, one per overlapping patch. ``condition_channels`` > 0 makes it
    conditional: it sees the input image stacked on the output (pix2pix's cGAN)."""

    def __init__(self, channels: int, condition_channels: int = 0, width: int = 32, layers: int = 3):
        super().__init__()
        self.condition_channels = condition_channels
        body: List[nn.Module] = [nn.Conv2d(channels + condition_channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
        mult = 1
        for n in range(1, layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            stride = 2 if n < layers else 1
            body += [nn.Conv2d(width * prev, width * mult, 4, stride, 1), norm(width * mult), nn.LeakyReLU(0.2)]
        body.append(nn.Conv2d(width * mult, 1, 4, 1, 1))
        self.net = nn.Sequential(*body)
        self.receptive_field = receptive_field(layers)

    def forward(self, x: torch.Tensor, condition: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.condition_channels:
            x = torch.cat([condition, x], 1)
        return self.net(x)

"""Loss networks of style transfer: random multi-scale shallow filters, or VGG-19 from a safetensors file.

:class:`RandomLossNet` follows Ustyuzhaninov et al. 2016 ("Texture synthesis using shallow
convolutional networks with random filters"): one layer of random filters and a ReLU, applied at
several scales. Here the scales are an image pyramid (the image average-pooled by 1, 2, 4 and 8)
and each scale has its own bank of 64 random 5x5 filters (He-scaled normal weights, small
uniform biases, drawn from a fixed seed), so a filter at the coarsest scale sees 40x40 pixels.
Style is matched by the Gram matrices of all scales, content by the features of the two finest.
No weights are downloaded: the network is a pure function of its seed.

:class:`VGG19` is the torch-only VGG-19 feature stack (torchvision's layer numbering, so a
``features.N.weight``/``bias`` state dict converted to safetensors loads as is); style at relu1_1,
relu2_1, relu3_1, relu4_1 and relu5_1, content at relu4_2 (Gatys et al. 2016). :func:`load_vgg19`
reads the file with safetensors (never unpickled) and refuses missing or misshapen tensors.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.errors import DataError

VGG19_LAYERS = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class LossNet(nn.Module):
    """Returns a list of feature maps; ``style_layers`` and ``content_layers`` index into it."""

    style_layers: tuple = ()
    content_layers: tuple = ()
    name = "loss net"
    sha256 = ""


class RandomLossNet(LossNet):
    def __init__(self, filters: int = 64, kernel: int = 5, scales: int = 4, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        fan_in = 3 * kernel * kernel
        self.weights = nn.ParameterList([
            nn.Parameter(torch.randn(filters, 3, kernel, kernel, generator=g) * (2.0 / fan_in) ** 0.5,
                         requires_grad=False) for _ in range(scales)])
        self.biases = nn.ParameterList([nn.Parameter((torch.rand(filters, generator=g) - 0.5) * 0.2,
                                                     requires_grad=False) for _ in range(scales)])
        self.kernel = kernel
        self.style_layers = tuple(range(scales))
        self.content_layers = (0, 1)
        self.name = f"random multi-scale ({scales} scales x {filters} filters {kernel}x{kernel}, seed {seed})"
        self.sha256 = hashlib.sha256(b"".join(p.numpy().tobytes() for p in self.parameters())).hexdigest()

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        x = (x - 0.5) / 0.25
        out = []
        for s, (w, b) in enumerate(zip(self.weights, self.biases)):
            xs = F.avg_pool2d(x, 2 ** s) if s else x
            out.append(F.relu(F.conv2d(xs, w, b, padding=self.kernel // 2)))
        return out


class VGG19(LossNet):
    STYLE = (1, 6, 11, 20, 29)    # relu1_1 ... relu5_1 (indices in ``features``)
    CONTENT = (22,)               # relu4_2

    def __init__(self):
        super().__init__()
        layers: List[nn.Module] = []
        channels = 3
        for v in VGG19_LAYERS:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(channels, int(v), 3, padding=1), nn.ReLU()]
                channels = int(v)
        self.features = nn.Sequential(*layers[:self.STYLE[-1] + 1]).requires_grad_(False)
        taps = sorted(set(self.STYLE) | set(self.CONTENT))
        self.taps = taps
        self.style_layers = tuple(taps.index(i) for i in self.STYLE)
        self.content_layers = tuple(taps.index(i) for i in self.CONTENT)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.name = "vgg19"

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        h, out = (x - self.mean) / self.std, []
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in self.taps:
                out.append(h)
        return out


def load_vgg19(path: str | Path) -> VGG19:
    """VGG-19 with the conv weights of a safetensors file (``features.N.weight``/``bias``; other keys ignored)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ganforge.files import file_digest

    fix = "pass a safetensors file of torchvision's VGG-19 state dict (features.0.weight ... features.34.bias)"
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise DataError(f"--vgg19 {path} is not a readable safetensors file ({exc}); {fix}") from None
    net = VGG19()
    own = {f"features.{k}": v for k, v in net.features.state_dict().items()}
    for key, value in own.items():
        got: Optional[torch.Tensor] = tensors.get(key)
        if got is None:
            raise DataError(f"--vgg19 {path} lacks tensor {key}; {fix}")
        if tuple(got.shape) != tuple(value.shape):
            raise DataError(f"--vgg19 {path}: tensor {key} has shape {tuple(got.shape)}, VGG-19 needs "
                            f"{tuple(value.shape)}; {fix}")
        if not torch.isfinite(got).all():
            raise DataError(f"--vgg19 {path}: tensor {key} holds NaN or infinite values; {fix}")
    net.features.load_state_dict({k[len("features."):]: tensors[k].float() for k in own})
    net.sha256 = file_digest(Path(path), "sha256")
    return net.eval()


def loss_net(vgg19: Optional[str] = None, seed: int = 0) -> LossNet:
    """VGG-19 from ``vgg19`` when given, else the random multi-scale network of ``seed``."""
    return load_vgg19(vgg19) if vgg19 else RandomLossNet(seed=seed).eval()

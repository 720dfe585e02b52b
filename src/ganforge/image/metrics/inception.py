"""The TF-compatible Inception-v3 of published FIDs ("pt_inception-2015-12-05"), written out in PyTorch.

This is the network of the TTUR/TensorFlow FID code as ported by pytorch-fid and torch-fidelity:
torchvision's Inception-v3 layout with 1008 output classes, where Mixed_5b-5d, 6b-6e and 7b use
average pooling that does not count padding and Mixed_7c max pooling in its pool branch. The
parameter names match ``pt_inception-2015-12-05-6726825d.pth`` so that file loads as is.

Input: uint8 images, grayscale repeated to RGB, resized to 299x299 by bilinear interpolation
(``F.interpolate(align_corners=False)``, as pytorch-fid), scaled to [-1, 1]. Features: the 2048-d
average pool (FID, KID, precision/recall); logits: the final layer without its bias over 1008
classes, as the original Inception Score code and torch-fidelity's ``logits_unbiased``.

The weights are read from ``--weights FILE`` / ``$GANFORGE_INCEPTION`` / the cache, or downloaded
with ``ganforge features download-inception``; the file's sha256 must start with the prefix the
file name publishes (6726825d), as ``torch.hub`` checks. It is read with ``weights_only=True``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.errors import GanforgeError
from ganforge.image.metrics.sources import ImageExtractor
from ganforge.metrics.features import extractor_dir, register_extractor

WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + WEIGHTS_NAME
SHA256_PREFIX = "6726825d"


class BasicConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def _avg(x):
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    def __init__(self, cin: int, pool_features: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(cin, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, kernel_size=1)

    def forward(self, x):
        return torch.cat([self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                          self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                          self.branch_pool(_avg(x))], 1)


class InceptionB(nn.Module):
    def __init__(self, cin: int):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        return torch.cat([self.branch3x3(x), self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                          F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(nn.Module):
    def __init__(self, cin: int, c7: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            d = layer(d)
        return torch.cat([self.branch1x1(x), b7, d, self.branch_pool(_avg(x))], 1)


class InceptionD(nn.Module):
    def __init__(self, cin: int):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    """``max_pool=False``: FID Mixed_7b (average pool, padding not counted); True: Mixed_7c (max pool)."""

    def __init__(self, cin: int, max_pool: bool):
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(cin, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        b3 = self.branch3x3_1(x)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pool = F.max_pool2d(x, kernel_size=3, stride=1, padding=1) if self.max_pool else _avg(x)
        return torch.cat([self.branch1x1(x), self.branch3x3_2a(b3), self.branch3x3_2b(b3),
                          self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d), self.branch_pool(pool)], 1)


class FIDInceptionV3(nn.Module):
    """Returns (2048-d pool features, 1008 logits without the final bias) for [-1, 1] 299x299 RGB input."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b, self.Mixed_5c, self.Mixed_5d = InceptionA(192, 32), InceptionA(256, 64), InceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b, self.Mixed_6c = InceptionC(768, 128), InceptionC(768, 160)
        self.Mixed_6d, self.Mixed_6e = InceptionC(768, 160), InceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b, self.Mixed_7c = InceptionE(1280, max_pool=False), InceptionE(2048, max_pool=True)
        self.fc = nn.Linear(2048, 1008)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        features = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return features, features @ self.fc.weight.T


def weights_candidates(weights: Optional[str]) -> List[Path]:
    if weights:
        return [Path(weights)]
    out = [Path(os.environ["GANFORGE_INCEPTION"])] if os.environ.get("GANFORGE_INCEPTION") else []
    return out + [extractor_dir() / WEIGHTS_NAME]


def load_inception_state(path: Path) -> dict:
    from ganforge.files import file_digest

    digest = file_digest(path, "sha256")
    if not digest.startswith(SHA256_PREFIX):
        raise GanforgeError(f"{path} has sha256 {digest[:12]}..., not the pt_inception weights (sha256 "
                            f"{SHA256_PREFIX}...); download {WEIGHTS_URL} again")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt file: torch and safetensors raise many kinds
        raise GanforgeError(f"cannot read Inception weights {path} ({type(exc).__name__}); download them "
                            "again with `ganforge features download-inception`") from None


def build_inception(state: Optional[dict] = None) -> FIDInceptionV3:
    net = FIDInceptionV3()
    if state is not None:
        own = net.state_dict()
        wanted = {k for k in own if not k.endswith("num_batches_tracked")}
        missing, unexpected = sorted(wanted - set(state)), sorted(set(state) - set(own))
        if missing or unexpected:
            detail = f"missing {missing[0]}" if missing else f"unexpected {unexpected[0]}"
            raise GanforgeError(f"the Inception weights do not fit this network ({detail}); use {WEIGHTS_NAME}")
        net.load_state_dict(state, strict=False)
    return net


def download_inception(dest: Optional[str] = None, url: str = WEIGHTS_URL) -> Path:
    """Fetch the weights (URL, mirror URL or local file) and check their sha256 prefix."""
    from ganforge.datasets.download import fetch

    target = Path(dest) if dest else extractor_dir() / WEIGHTS_NAME
    path = fetch(url, target)
    load_inception_state(path)
    return path


@register_extractor("inception")
class InceptionExtractor(ImageExtractor):
    name = "inception"
    resize = "bilinear to 299x299 (torch interpolate, align_corners=False), grayscale repeated to RGB"
    batch_size = 50

    def __init__(self, weights: Optional[str] = None, device: str = "cpu"):
        found = next((p for p in weights_candidates(weights) if p.is_file()), None)
        if found is None:
            where = ", ".join(map(str, weights_candidates(weights)))
            raise GanforgeError(f"Inception weights not found ({where}); fetch them with `ganforge features "
                                f"download-inception` (needs internet) or copy {WEIGHTS_NAME} from {WEIGHTS_URL} "
                                "and pass --weights FILE")
        super().__init__(build_inception(load_inception_state(found)), found, device)

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = F.interpolate(x / 255.0, size=(299, 299), mode="bilinear", align_corners=False)
        return x * 2.0 - 1.0

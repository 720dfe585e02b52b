"""Fast feed-forward style transfer (Johnson et al. 2016), trained against the same loss as the optimisation.

:class:`TransformNet`: a 9x9 convolution, two stride-2 convolutions, residual blocks, two
nearest-neighbour upsamplings each followed by a 3x3 convolution (Odena et al.'s fix of
checkerboard artefacts) and a 9x9 output convolution, with instance normalisation (Ulyanov et al.
2016) and reflection padding; widths 16-32-64 and 3 residual blocks by default, small enough to
train on a CPU. :func:`train_transform` trains it for one style on random crops of the photos and
textures that scikit-image and scikit-learn bundle (:mod:`ganforge.datasets.bundled`), seeded.
Weights go to ``MODEL.safetensors`` with the settings in its header, and a readable
``MODEL.json`` beside it (style, loss network, steps, loss history); loading refuses files that
are not such a model.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from ganforge.datasets.bundled import PHOTOS, TEXTURES, bundled_image
from ganforge.errors import DataError, GanforgeError
from ganforge.files import atomic_write, atomic_write_text
from ganforge.style.transfer import History, StyleObjective

FORMAT = "ganforge-style-net/1"
TRAINING_IMAGES = PHOTOS + TEXTURES


def conv(cin: int, cout: int, kernel: int, stride: int = 1, norm: bool = True, relu: bool = True) -> nn.Sequential:
    layers: List[nn.Module] = [nn.ReflectionPad2d(kernel // 2), nn.Conv2d(cin, cout, kernel, stride)]
    if norm:
        layers.append(nn.InstanceNorm2d(cout, affine=True))
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels, 3), conv(channels, channels, 3, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class TransformNet(nn.Module):
    def __init__(self, width: int = 16, blocks: int = 3):
        super().__init__()
        w = width
        self.down = nn.Sequential(conv(3, w, 9), conv(w, 2 * w, 3, 2), conv(2 * w, 4 * w, 3, 2))
        self.res = nn.Sequential(*[Residual(4 * w) for _ in range(blocks)])
        self.up1, self.up2 = conv(4 * w, 2 * w, 3), conv(2 * w, w, 3)
        self.out = conv(w, 3, 9, norm=False, relu=False)
        self.config = {"width": width, "blocks": blocks}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        h = self.res(self.down(x))
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.up2(F.interpolate(h, size=size, mode="nearest"))
        return torch.sigmoid(self.out(h))


def style_digest(style: torch.Tensor) -> str:
    return hashlib.sha256(style.numpy().tobytes()).hexdigest()


def crop_batch(pool: List[np.ndarray], batch: int, crop: int, rng: np.random.Generator) -> torch.Tensor:
    """Random ``crop`` x ``crop`` patches of random images of ``pool`` at a random scale (seeded)."""
    from PIL import Image

    out = []
    for _ in range(batch):
        image = pool[int(rng.integers(len(pool)))]
        scale = rng.uniform(crop / min(image.shape[:2]), 1.0)
        side = max(crop, int(min(image.shape[:2]) * scale))
        y, x = int(rng.integers(image.shape[0] - side + 1)), int(rng.integers(image.shape[1] - side + 1))
        patch = Image.fromarray(image[y:y + side, x:x + side]).resize((crop, crop), Image.BICUBIC)
        out.append(np.asarray(patch))
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float().div(255.0)


def train_transform(objective: StyleObjective, style: torch.Tensor, steps: int = 300, batch: int = 4,
                    crop: int = 128, lr: float = 2e-3, seed: int = 0, width: int = 16, blocks: int = 3,
                    log_every: int = 10, progress: bool = True) -> Tuple[TransformNet, History]:
    """Train a :class:`TransformNet` for the objective's style on crops of the bundled images."""
    if steps < 1 or batch < 1 or crop < 32:
        raise GanforgeError(f"training needs --steps >= 1, --batch >= 1 and --size >= 32 (got {steps}, {batch}, "
                            f"{crop})")
    pool = [bundled_image(name) for name in TRAINING_IMAGES]
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = TransformNet(width, blocks)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    history, t0 = History(), time.perf_counter()
    net.train()
    for step in tqdm(range(1, steps + 1), desc="train feed-forward", unit="step", disable=None if progress else True):
        content = crop_batch(pool, batch, crop, rng)
        style_loss, content_loss = objective.losses(net(content), objective.content_targets(content))
        opt.zero_grad(set_to_none=True)
        objective.total(style_loss, content_loss).backward()
        opt.step()
        if step % log_every == 0 or step == steps:
            history.add(time.perf_counter() - t0, step, style_loss.item(), content_loss.item())
    return net.eval(), history


def model_paths(out: str | Path) -> Tuple[Path, Path]:
    base = Path(out)
    base = base.with_suffix("") if base.suffix == ".safetensors" else base
    return base.with_name(base.name + ".safetensors"), base.with_name(base.name + ".json")


def save_transform(net: TransformNet, out: str | Path, meta: Dict[str, object], history: History) -> Path:
    from safetensors.torch import save_file

    weights, card = model_paths(out)
    header = {"format": FORMAT, **net.config, **meta}
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    atomic_write(weights, lambda tmp: save_file(state, str(tmp), metadata={"ganforge": json.dumps(header)}))
    atomic_write_text(card, json.dumps({**header, "history": history.rows}, indent=2) + "\n")
    return weights


def load_transform(path: str | Path) -> Tuple[TransformNet, Dict[str, object]]:
    """A saved feed-forward net and its settings; anything else is a one-line error."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    weights, _ = model_paths(path)
    fix = "train one with `ganforge stylize train STYLE --out MODEL`"
    if not weights.is_file():
        raise DataError(f"no feed-forward model at {weights}; {fix}")
    try:
        with safe_open(str(weights), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("ganforge", "{}"))
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError, json.JSONDecodeError) as exc:
        raise DataError(f"{weights} is not a readable safetensors file ({exc}); {fix}") from None
    if meta.get("format") != FORMAT:
        raise DataError(f"{weights} is not a ganforge style network; {fix}")
    net = TransformNet(int(meta["width"]), int(meta["blocks"]))
    own = net.state_dict()
    if set(state) != set(own) or any(state[k].shape != own[k].shape for k in own):
        raise DataError(f"{weights} does not hold the tensors its header describes; {fix}")
    net.load_state_dict(state)
    return net.eval(), meta

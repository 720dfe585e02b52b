"""The style/content objective and Gatys-style optimisation of the pixels.

:class:`StyleObjective` holds the style image's Gram matrices (``G = F F^T / (C H W)`` of each style
layer) and gives, for an image and the content features it should keep, the two losses the
metric records: style loss = sum over style layers of ``|G - G_style|^2 / |G_style|^2`` and content
loss = sum over content layers of ``|F - F_content|^2 / |F_content|^2`` (both relative, so their
scale does not depend on the loss network). :func:`optimize` minimises
``style_weight * style + content_weight * content`` over the pixels with Adam, starting from the
content image, and returns the image with the loss history (seconds, step, style, content).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import List, Tuple

import torch
from tqdm import tqdm

from ganforge.errors import GanforgeError
from ganforge.style.nets import LossNet


def gram(features: torch.Tensor) -> torch.Tensor:
    b, c, h, w = features.shape
    f = features.flatten(2)
    return f @ f.transpose(1, 2) / (c * h * w)


def relative(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``|a - b|^2 / |b|^2`` per batch element (b broadcasts)."""
    dims = tuple(range(1, a.dim()))
    return (a - b).pow(2).sum(dims) / b.pow(2).sum(dims).clamp_min(1e-12)


class StyleObjective:
    def __init__(self, net: LossNet, style: torch.Tensor, style_weight: float = 1.0, content_weight: float = 1.0):
        for name, value in (("style weight", style_weight), ("content weight", content_weight)):
            if not (value >= 0 and value < float("inf")):
                raise GanforgeError(f"the {name} must be a finite number >= 0, got {value}")
        self.net, self.style_weight, self.content_weight = net, style_weight, content_weight
        with torch.no_grad():
            feats = net(style)
            self.grams = [gram(feats[i]) for i in net.style_layers]

    @torch.no_grad()
    def content_targets(self, content: torch.Tensor) -> List[torch.Tensor]:
        feats = self.net(content)
        return [feats[i] for i in self.net.content_layers]

    def losses(self, image: torch.Tensor, targets: List[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        """(style loss, content loss), each averaged over the batch."""
        feats = self.net(image)
        style = sum(relative(gram(feats[i]), g) for i, g in zip(self.net.style_layers, self.grams))
        content = sum(relative(feats[i], t) for i, t in zip(self.net.content_layers, targets))
        return style.mean(), content.mean()

    def total(self, style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
        return self.style_weight * style + self.content_weight * content


@dataclass
class History:
    """Losses over time: the metric of a stylisation."""

    rows: List[dict] = field(default_factory=list)

    def add(self, seconds: float, step: int, style: float, content: float) -> None:
        self.rows.append({"seconds": round(seconds, 4), "step": step, "style_loss": style, "content_loss": content})

    @property
    def last(self) -> dict:
        return self.rows[-1]


def optimize(objective: StyleObjective, content: torch.Tensor, steps: int = 200, lr: float = 0.02,
             log_every: int = 10, progress: bool = True) -> Tuple[torch.Tensor, History]:
    """Gatys et al. 2016: optimise the pixels (from the content image) to match the style's Grams and the content."""
    if steps < 1:
        raise GanforgeError(f"--steps must be >= 1 (got {steps})")
    targets = objective.content_targets(content)
    image = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([image], lr=lr)
    history, t0 = History(), time.perf_counter()
    bar = tqdm(range(steps + 1), desc="stylize (optimize)", unit="step", disable=None if progress else True)
    for step in bar:
        style, cont = objective.losses(image, targets)
        if step % log_every == 0 or step == steps:
            history.add(time.perf_counter() - t0, step, style.item(), cont.item())
            bar.set_postfix(style=f"{style.item():.3g}", content=f"{cont.item():.3g}")
        if step == steps:
            break
        opt.zero_grad(set_to_none=True)
        objective.total(style, cont).backward()
        opt.step()
        with torch.no_grad():
            image.clamp_(0, 1)
    return image.detach(), history

"""Projection of a real image into W (StyleGAN2's projector, without LPIPS): the w, and optionally the noise maps,
whose image is closest to a target.

    g = ganforge.load("runs/stylegan2-...")
    result = project(g, target)           # target: uint8 [C, H, W] at the model's size
    result.image, result.w, result.errors # uint8 [C, H, W], float [num_ws, w_dim], MSE per step

The loss is offline: the pixel mean squared error in [-1, 1], plus, for one-channel images, the squared
distance of the shipped MNIST classifier's 128 features (the domain classifier of FID; the image resized to
28x28), divided by the target features' squared norm and weighted by ``feature_weight`` (0 = pixels only).
The optimisation follows the reference: w starts at the mean of 1,000 mapped latents and is one w for every
layer; Adam with a learning-rate ramp-up and cosine ramp-down; Gaussian noise on w (5 % of the w spread)
fading out over the first 3/4 of the steps; with ``optimize_noise`` the noise maps start from the generator's
fixed ones and are renormalised to mean 0, std 1 after each step. The reported error is the pixel MSE of the
generated image (clamped to [-1, 1]) against the target.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from tqdm import tqdm

from ganforge.errors import GanforgeError
from ganforge.image.explore import require_mapping


@dataclass
class Projection:
    image: torch.Tensor                  # uint8 [C, H, W]
    w: torch.Tensor                      # float32 [num_ws, w_dim]
    errors: List[float] = field(default_factory=list)   # pixel MSE per step
    initial_error: float = 0.0           # of the starting w (the mean w)
    loss: str = "pixels"

    @property
    def error(self) -> float:
        return self.errors[-1] if self.errors else self.initial_error


def read_target(path: Path, channels: int, size: int) -> Tuple[torch.Tensor, Optional[str]]:
    """The image file as uint8 ``[C, H, W]`` of the model's channels and size, and a note when it was converted
    or resized (None when it already fit). A file that is not an image is a one-line DataError."""
    import numpy as np
    from PIL import Image

    from ganforge.media.reading import read_image, to_mode

    img = read_image(Path(path))
    notes = []
    if img.mode != ("L" if channels == 1 else "RGB"):
        notes.append(f"converted {img.mode} to {'grayscale' if channels == 1 else 'RGB'}")
    img = to_mode(img, channels)
    if img.size != (size, size):
        notes.append(f"resized {img.width}x{img.height} to {size}x{size}")
        img = img.resize((size, size), resample=Image.Resampling.LANCZOS)
    array = np.asarray(img).reshape(size, size, channels)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).contiguous(), ("; ".join(notes) or None)


class FeatureLoss:
    """Squared distance of the shipped MNIST classifier's features, relative to the target's (1-channel models)."""

    def __init__(self, target: torch.Tensor, device: torch.device):
        from ganforge.image.metrics.classifier import default_weights, load_classifier

        self.net = load_classifier(default_weights("mnist"))[0].to(device).eval().requires_grad_(False)
        self.target = self.features(target)
        self.scale = self.target.square().sum().clamp_min(1e-8)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != 28:
            x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False, antialias=True)
        return self.net(x)[0]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (self.features(x) - self.target).square().sum() / self.scale


def project(g, target: torch.Tensor, steps: int = 300, lr: float = 0.1, optimize_noise: bool = False,
            feature_weight: float = 0.1, label: Optional[int] = None, seed: int = 0,
            progress: bool = True) -> Projection:
    """Optimise w (and the noise maps) so that the generator's image matches ``target`` (uint8 ``[C, H, W]``)."""
    require_mapping(g, "projection")
    if steps < 1:
        raise GanforgeError(f"projection needs at least 1 step (got {steps})")
    G, device = g.generator, g.device
    c, h, w = target.shape
    if (c, h, w) != (g.config.channels, g.config.image_size, g.config.image_size):
        raise GanforgeError(f"the target is {c}x{h}x{w} but the model makes {g.config.channels}x{g.config.image_size}"
                            f"x{g.config.image_size} images; read it with read_target() to convert it")
    rng = torch.Generator().manual_seed(seed)
    goal = target.to(device).float().div(127.5).sub(1.0)[None]
    with torch.no_grad():
        z = torch.randn(1000, G.latent_dim, generator=rng).to(device)
        y = g._labels(1000, label, rng)
        ws = G.mapping(z, None if y is None else y.to(device))[:, :1]         # [1000, 1, w_dim]
        w_mean = ws.mean(0, keepdim=True)
        w_std = float(((ws - w_mean).square().sum() / len(ws)).sqrt())
    w_opt = w_mean.clone().requires_grad_(True)
    noise = [layer.noise_const.detach().clone().requires_grad_(optimize_noise) for layer in G.style_layers()]
    params = [w_opt] + (noise if optimize_noise else [])
    optimizer = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))
    features = FeatureLoss(goal, device) if c == 1 and feature_weight > 0 else None

    def render(wv: torch.Tensor) -> torch.Tensor:
        return G.synthesis(wv.expand(-1, G.num_ws, -1), noise)

    with torch.no_grad():
        initial = float(F.mse_loss(render(w_opt).clamp(-1, 1), goal))
    errors: List[float] = []
    for step in tqdm(range(steps), desc="project", unit="step", disable=not progress, dynamic_ncols=True):
        t = step / steps
        w_noise_scale = w_std * 0.05 * max(0.0, 1.0 - t / 0.75) ** 2
        ramp = min(1.0, (1.0 - t) / 0.25)
        ramp = (0.5 - 0.5 * math.cos(ramp * math.pi)) * min(1.0, t / 0.05)
        for group in optimizer.param_groups:
            group["lr"] = lr * ramp
        w_noisy = w_opt + torch.randn(w_opt.shape, generator=rng).to(device) * w_noise_scale
        image = render(w_noisy)
        pixel = F.mse_loss(image, goal)
        loss = pixel + (feature_weight * features(image) if features is not None else 0.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if optimize_noise:
            with torch.no_grad():
                for n in noise:
                    n.sub_(n.mean()).div_(n.square().mean().sub(n.mean().square()).clamp_min(1e-8).sqrt())
        with torch.no_grad():
            errors.append(float(F.mse_loss(render(w_opt).clamp(-1, 1), goal)))
    with torch.no_grad():
        final = render(w_opt).clamp(-1, 1)
    from ganforge.image.data.images import to_uint8

    return Projection(image=to_uint8(final)[0].cpu(), w=w_opt.detach().expand(-1, G.num_ws, -1)[0].float().cpu(),
                      errors=errors, initial_error=initial,
                      loss="pixels + MNIST classifier features" if features is not None else "pixels")


def psnr(mse_in_unit_range: float) -> float:
    """PSNR in dB of an MSE measured on [-1, 1] images (peak-to-peak 2)."""
    return 10 * math.log10(4.0 / max(mse_in_unit_range, 1e-12))

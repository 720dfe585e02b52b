"""The text-image matcher: a small image encoder and a text encoder trained contrastively.

Architecture: image 64x64 -> four stride-2 convolutions (16, 32, 64, 64 channels, LeakyReLU) -> linear 64;
caption -> word embeddings 32 -> GRU 64 (the generators' :class:`TextEncoder`) -> linear 64; both
L2-normalised, similarity = cosine; the symmetric InfoNCE loss (image -> caption and caption -> image
cross-entropy over the batch, temperature 0.1). One network and one loss serve two uses:

- R-precision's judge: trained on a captioned-digits train split (Adam with a linear decay, seeded
  batches); the weights of the default build ship in the package (``weights/text-image-matcher.safetensors``,
  sha256 in every card); ``ganforge features train-matcher`` reproduces them (safetensors, seed, steps and
  test R-precision in the header);
- each StackGAN run's own text encoder: the ``text`` phase (``train.text_steps``) trains a fresh matcher of
  the run's sizes on the run's train split, and the generator and discriminators condition on its frozen
  text encoder. That is a separate network from the shipped one, so a generator cannot be tuned against its
  judge.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn
from tqdm import tqdm

from ganforge.metrics.features import load_weights
from ganforge.errors import GanforgeError
from ganforge.files import atomic_write, file_digest
from ganforge.text2image.models.nets import TextEncoder

SHIPPED = Path(__file__).resolve().parent / "weights" / "text-image-matcher.safetensors"
DIM, TEMPERATURE = 64, 0.1


class Matcher(nn.Module):
    """Images and captions into one space of unit vectors (the shipped judge's sizes by default)."""

    def __init__(self, embed_dim: int = 32, text_dim: int = 64, dim: int = DIM):
        super().__init__()
        layers, cin = [], 1
        for ch in (16, 32, 64, 64):
            layers += [nn.Conv2d(cin, ch, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            cin = ch
        self.image = nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 4 * 4, dim))
        self.text_encoder = TextEncoder(embed_dim, text_dim)
        self.text = nn.Linear(text_dim, dim)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 ``[N, 1, 64, 64]``, or floats in [-1, 1] (a generator's, differentiably), other sizes resized
        bilinearly -> unit vectors ``[N, DIM]``."""
        x = images.float().div(127.5).sub(1.0) if images.dtype == torch.uint8 else images
        if x.shape[-1] != 64:
            x = F.interpolate(x, size=64, mode="bilinear", align_corners=False)
        return F.normalize(self.image(x), dim=1)

    def embed_texts(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text(self.text_encoder(tokens)), dim=1)


def contrastive_loss(m: Matcher, images: torch.Tensor, tokens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """(symmetric InfoNCE of a batch of uint8 canvases and their caption tokens, share of in-batch retrievals
    right: each image's caption and each caption's image ranked first among the batch's, both directions)."""
    logits = m.embed_images(images) @ m.embed_texts(tokens).T / TEMPERATURE
    target = torch.arange(len(images), device=logits.device)
    loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
    with torch.no_grad():
        right = 0.5 * ((logits.argmax(1) == target).float().mean() + (logits.argmax(0) == target).float().mean())
    return loss, right


def train_matcher(data_dir: str, out: Optional[str] = None, steps: int = 1500, batch_size: int = 128, lr: float = 2e-3,
                  seed: int = 0, quiet: bool = False) -> Dict[str, object]:
    """Train the matcher on ``data_dir``'s train split, score it on the test split, save it; returns its header."""
    from ganforge.text2image.data.dataset import load_captioned
    from ganforge.text2image.metrics.scores import r_precision

    train, test = load_captioned(data_dir, "train"), load_captioned(data_dir, "test")
    torch.manual_seed(seed)
    m = Matcher()
    opt = torch.optim.Adam(m.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 - s / steps)
    order = torch.Generator().manual_seed(seed)
    t0 = time.monotonic()
    for _ in tqdm(range(steps), desc="train text-image matcher", disable=True if quiet else None, leave=False):
        idx = torch.randint(0, len(train), (min(batch_size, len(train)),), generator=order)
        loss, _ = contrastive_loss(m, train.images[idx], train.tokens[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
    m.eval()
    score = r_precision(m, test.images, test.tokens, test.tokens, seed=seed)
    meta = {"format": "ganforge-text-image-matcher/1", "data": str(Path(data_dir).name), "seed": seed, "steps": steps,
            "batch_size": batch_size, "lr": lr, "train_items": len(train), "test_items": len(test),
            "test_r_precision": score, "seconds": round(time.monotonic() - t0, 1)}
    path = Path(out) if out else SHIPPED
    state = {k: v.contiguous() for k, v in m.state_dict().items()}
    atomic_write(path, lambda tmp: save_file(state, str(tmp), metadata={"ganforge": json.dumps(meta)}))
    return {"path": str(path), "sha256": file_digest(path, "sha256"), **meta}


def load_matcher(path: Optional[str | Path] = None) -> Tuple[Matcher, dict, str]:
    """(matcher in eval mode, its header, sha256 of its file): the shipped weights unless ``path`` is given."""
    path = Path(path) if path else SHIPPED
    if not path.is_file():
        raise GanforgeError(f"no text-image matcher weights at {path}; train them with `ganforge features "
                            "train-matcher --data DIR` (a captioned-digits folder)")
    m, meta = load_weights(path, lambda meta: Matcher(), "text-image matcher",
                           "train them again with `ganforge features train-matcher --data DIR`")
    m.sha256 = file_digest(path, "sha256")
    return m.eval().requires_grad_(False), meta, m.sha256

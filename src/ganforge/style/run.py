"""``stylize`` and ``train``: what ``ganforge stylize`` and ``benchmarks/stylize.py`` run.

Both record the metric of style transfer, the style and content losses over time (seconds since
the start, step), and write it as JSON beside the output: ``OUT.png`` -> ``OUT.json``,
``MODEL`` -> ``MODEL.json``. The loss network is the random multi-scale one of ``seed`` unless
``vgg19`` names a VGG-19 safetensors file; a feed-forward model is used with the loss network it
was trained with (a mismatch is a one-line error).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, Optional

import torch

from ganforge.errors import GanforgeError
from ganforge.files import atomic_write_text
from ganforge.style.feedforward import load_transform, model_paths, save_transform, style_digest, train_transform
from ganforge.style.images import load_image, save_image
from ganforge.style.nets import loss_net
from ganforge.style.transfer import History, StyleObjective, optimize

STYLE_WEIGHT = 1.0
CONTENT_WEIGHT = 0.05


def stylize(content: str, style: str, out: str | Path, method: str = "optimize", steps: int = 100, size: int = 256,
            model: Optional[str] = None, vgg19: Optional[str] = None, style_weight: float = STYLE_WEIGHT,
            content_weight: float = CONTENT_WEIGHT, lr: float = 0.05, seed: int = 0,
            progress: bool = True, provenance: bool = True) -> Dict[str, object]:
    """Stylise ``content`` with ``style`` into the PNG ``out``; returns (and writes as OUT.json) the loss record.
    The PNG carries provenance (watermark + C2PA manifest: method, content, style, model and its SHA-256, seed)
    unless ``provenance`` is False."""
    if method not in ("optimize", "feedforward"):
        raise GanforgeError(f"--method must be optimize or feedforward, got {method!r}")
    if not str(out).lower().endswith(".png"):
        raise GanforgeError(f"--out {out} must end in .png")
    content_image, style_image = load_image(content, size), load_image(style, size)
    meta: Dict[str, object] = {}
    if method == "feedforward":
        if not model:
            raise GanforgeError("--method feedforward needs --model MODEL; train one with "
                                "`ganforge stylize train STYLE --out MODEL`")
        net, meta = load_transform(model)
        if meta.get("style_sha256") != style_digest(load_image(style, int(meta["style_size"]))):
            raise GanforgeError(f"model {model} was trained for style {meta.get('style')}, not {style}; pass that "
                                "style or train a model for this one")
        if meta.get("loss_net") == "vgg19" and not vgg19:
            raise GanforgeError(f"model {model} was trained with VGG-19 losses; pass --vgg19 FILE to score it")
        seed = int(meta.get("loss_seed", seed))
    losses = loss_net(vgg19, seed)
    if method == "feedforward" and meta.get("loss_net_sha256") != losses.sha256:
        raise GanforgeError(f"model {model} was trained with another loss network ({meta.get('loss_net')}); pass "
                            "the same --vgg19 file it was trained with")
    objective = StyleObjective(losses, style_image, style_weight, content_weight)
    if method == "optimize":
        image, history = optimize(objective, content_image, steps, lr, progress=progress)
    else:
        t0 = time.perf_counter()
        with torch.no_grad():
            image = net(content_image)
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            s, c = objective.losses(image, objective.content_targets(content_image))
        history = History()
        history.add(seconds, 0, s.item(), c.item())
    save_image(image, out)
    mark_stylized(Path(out), method, content, style, model, seed, provenance)
    record = {"method": method, "content": content, "style": style, "size": list(image.shape[-2:]),
              "loss_net": losses.name, "loss_net_sha256": losses.sha256, "style_weight": style_weight,
              "content_weight": content_weight, "seconds": history.last["seconds"], "style_loss":
              history.last["style_loss"], "content_loss": history.last["content_loss"], "history": history.rows}
    if model:
        record["model"] = str(model)
    atomic_write_text(Path(out).with_suffix(".json"), json.dumps(record, indent=2) + "\n")
    return record


def mark_stylized(out: Path, method: str, content: str, style: str, model: Optional[str], seed: int,
                  enabled: bool) -> None:
    """Mark a stylised image with its provenance (the feed-forward model's weights file is the checkpoint)."""
    from ganforge.provenance import Origin, mark_files
    from ganforge.provenance.record import sha256_of

    if not enabled:
        return
    origin = Origin(model=f"style transfer ({method})", seed=seed, extra={"content": content, "style": style})
    if model:
        weights = model_paths(model)[0]
        origin.checkpoint, origin.checkpoint_sha256 = weights.name, sha256_of(weights)
    mark_files([out], origin)


def train(style: str, out: str | Path, steps: int = 300, size: int = 128, style_size: int = 256, batch: int = 4,
          vgg19: Optional[str] = None, style_weight: float = STYLE_WEIGHT, content_weight: float = CONTENT_WEIGHT,
          lr: float = 2e-3, seed: int = 0, progress: bool = True) -> Dict[str, object]:
    """Train a feed-forward net for ``style`` on ``size`` px crops of the bundled images; saves MODEL(.safetensors/.json)."""
    style_image = load_image(style, style_size)
    losses = loss_net(vgg19, seed)
    objective = StyleObjective(losses, style_image, style_weight, content_weight)
    net, history = train_transform(objective, style_image, steps, batch, size, lr, seed, progress=progress)
    meta = {"style": style, "style_size": style_size, "style_sha256": style_digest(style_image),
            "loss_net": "vgg19" if vgg19 else "random", "loss_net_name": losses.name,
            "loss_net_sha256": losses.sha256, "loss_seed": seed, "style_weight": style_weight,
            "content_weight": content_weight, "steps": steps, "batch": batch, "crop": size, "lr": lr,
            "seconds": history.last["seconds"]}
    path = save_transform(net, out, meta, history)
    return {"path": str(path), **meta, "style_loss": history.last["style_loss"],
            "content_loss": history.last["content_loss"]}

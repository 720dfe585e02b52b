"""The units of a generator's feature maps and how well each one matches each concept (GAN Dissection).

A *layer* is a module of the generator whose output is a feature map ``[B, C, h, w]``; each of its
``C`` channels is a *unit*. By default the dissected layers are the nonlinearities that end each
block (a DCGAN's ``project.3`` at 7x7 and ``blocks.2`` at 14x14); any other 4D module (a
convolution, a batch norm) can be named instead. Forward hooks read the maps while the generator
makes ``samples`` images from seeded latents (the same ones :meth:`LoadedGenerator.draw` gives).

For unit ``u`` the threshold ``t_u`` is its top-``quantile`` activation over all samples and
positions (Bau et al. 2019 use 1 %). Its map, upsampled bilinearly to the image size and cut at
``t_u``, is compared with each concept's mask over the whole sample set:

    IoU(u, c) = sum_x |{a_u(x) > t_u} ∩ S_c(x)| / sum_x |{a_u(x) > t_u} ∪ S_c(x)|

Memory: the maps of all samples are held at once (4 bytes x samples x units x positions; the
README's conditional DCGAN with 1000 samples: 75 MB).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from ganforge.errors import GanforgeError
from ganforge.image.data.images import to_uint8
from ganforge.image.dissect.concepts import Segmenter

NONLINEAR = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Mish, nn.PReLU, nn.SELU, nn.Softplus)
MAX_HELD_BYTES = 4 * 2**30
Hook = Callable[[str, torch.Tensor], Optional[torch.Tensor]]


@dataclass
class Layer:
    name: str
    kind: str           # the module's class name
    channels: int
    size: Tuple[int, int]

    def describe(self) -> str:
        return f"{self.name} ({self.kind}, {self.channels} units at {self.size[0]}x{self.size[1]})"


@contextlib.contextmanager
def hooked(generator: nn.Module, names: Sequence[str], fn: Hook) -> Iterator[None]:
    """Forward hooks on the modules ``names``: ``fn(name, output)`` may return a replacement output."""
    modules = dict(generator.named_modules())
    handles = [modules[n].register_forward_hook(lambda m, i, o, n=n: fn(n, o)) for n in names]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def probe(generator: nn.Module, latent_dim: int, num_classes: int) -> Tuple[List[Layer], List[Layer]]:
    """(every 4D layer, the default ones) of a generator, found by running it once."""
    device = next(generator.parameters()).device
    z = torch.zeros(1, latent_dim, device=device)
    y = torch.zeros(1, dtype=torch.int64, device=device) if num_classes else None
    found: Dict[str, Layer] = {}
    leaves = [n for n, m in generator.named_modules() if n and not list(m.children())]
    modules = dict(generator.named_modules())

    def record(name: str, out: torch.Tensor) -> None:
        if isinstance(out, torch.Tensor) and out.dim() == 4:
            found[name] = Layer(name, type(modules[name]).__name__, out.shape[1], tuple(out.shape[2:]))

    with torch.no_grad(), hooked(generator, leaves, record):
        image = generator(z, y)
    image_like = lambda layer: layer.channels <= image.shape[1]  # noqa: E731 - the image itself and its pre-activation
    every = [layer for n, layer in found.items() if not image_like(layer)]
    default = [layer for layer in every if isinstance(modules[layer.name], NONLINEAR)]
    if not default:
        default = [layer for layer in every if isinstance(modules[layer.name], (nn.Conv2d, nn.ConvTranspose2d))]
    return every, default


def pick_layers(every: List[Layer], default: List[Layer], names: Optional[Sequence[str]], model: str) -> List[Layer]:
    """The layers to dissect: ``names`` checked against the generator's feature maps (default: ``default``)."""
    if not every:
        raise GanforgeError(f"the {model} generator has no convolutional feature maps to dissect (only fully "
                            "connected layers); dissect a dcgan or upconv-dcgan run")
    if not names:
        return default or every
    by_name = {layer.name: layer for layer in every}
    out = []
    for name in names:
        if not name or not name.strip():
            raise GanforgeError(f"an empty layer name; choose from {', '.join(by_name)}")
        if name not in by_name:
            raise GanforgeError(f"layer {name!r} is not a feature map of the {model} generator; choose from "
                                f"{', '.join(by_name)}")
        out.append(by_name[name])
    return out


@dataclass
class LayerResult:
    layer: Layer
    thresholds: torch.Tensor     # [U]: the top-quantile activation of each unit
    on_values: torch.Tensor      # [U]: mean activation where above threshold (what insertion switches a unit to)
    iou: torch.Tensor            # [U, K]
    peak: torch.Tensor           # [N, U]: each sample's largest activation of each unit


@dataclass
class Dissection:
    """What :func:`dissect` measured; ``images``, ``labels``, ``masks`` and ``maps`` are the samples it used."""

    concepts: List[str]
    segmenter: str
    quantile: float
    seed: int
    images: torch.Tensor                         # uint8 [N, C, H, W]
    labels: Optional[torch.Tensor]
    masks: np.ndarray                            # bool [N, K, H, W]
    layers: Dict[str, LayerResult] = field(default_factory=dict)
    maps: Dict[str, torch.Tensor] = field(default_factory=dict)   # float [N, U, h, w]

    @property
    def samples(self) -> int:
        return len(self.images)

    def concept_index(self, concept: str) -> int:
        if concept not in self.concepts:
            raise GanforgeError(f"unknown concept {concept!r}: this dissection has {', '.join(self.concepts)}")
        return self.concepts.index(concept)

    def top_units(self, concept: str, layer: str, k: int) -> List[Tuple[int, float]]:
        """The ``k`` units of ``layer`` with the highest IoU with ``concept``: [(unit, IoU)]."""
        iou = self.layers[layer].iou[:, self.concept_index(concept)]
        order = torch.argsort(iou, descending=True, stable=True)[:k]
        return [(int(u), float(iou[u])) for u in order]

    def best_layer(self, concept: str, k: int) -> str:
        """The layer whose top ``k`` units match ``concept`` best on average."""
        scores = {name: float(np.mean([v for _, v in self.top_units(concept, name, k)])) for name in self.layers}
        return max(scores, key=lambda n: (scores[n], -list(self.layers).index(n)))

    def unit_labels(self, layer: str) -> List[Tuple[str, float]]:
        """Each unit's best concept and its IoU."""
        iou = self.layers[layer].iou
        best = iou.argmax(1)
        return [(self.concepts[int(b)], float(iou[u, b])) for u, b in enumerate(best)]

    def summary(self, k: int = 5) -> Dict[str, object]:
        """The numbers as JSON-ready data: per layer, per concept the top units and their IoU."""
        return {"segmenter": self.segmenter, "concepts": self.concepts, "quantile": self.quantile,
                "samples": self.samples, "seed": self.seed,
                "concept_area": {c: float(self.masks[:, i].mean()) for i, c in enumerate(self.concepts)},
                "layers": {name: {"kind": r.layer.kind, "units": r.layer.channels, "size": list(r.layer.size),
                                  "top_units": {c: [{"unit": u, "iou": round(v, 4)}
                                                    for u, v in self.top_units(c, name, k)] for c in self.concepts}}
                           for name, r in self.layers.items()}}


def generate_with_maps(generator: nn.Module, z: torch.Tensor, y: Optional[torch.Tensor], layers: Sequence[str],
                       batch_size: int = 100, quiet: bool = True,
                       edit: Optional[Hook] = None) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """Images (uint8) and the feature maps of ``layers`` for latents ``z`` (and labels ``y``), batch by batch.

    ``edit(name, output)`` may change a layer's output on the way (an intervention)."""
    device = next(generator.parameters()).device
    names = list(dict.fromkeys(list(layers)))
    maps: Dict[str, List[torch.Tensor]] = {n: [] for n in names}
    current: Dict[str, torch.Tensor] = {}

    def hook(name: str, out: torch.Tensor) -> Optional[torch.Tensor]:
        if edit is not None:
            changed = edit(name, out)
            out = changed if changed is not None else out
        current[name] = out.detach().float().cpu().clone()
        return out

    images = []
    starts = range(0, len(z), batch_size)
    with torch.no_grad(), hooked(generator, names, hook):
        for start in tqdm(starts, desc="sample", unit="batch", disable=quiet or None, leave=False):
            zz = z[start:start + batch_size].to(device)
            yy = None if y is None else y[start:start + batch_size].to(device)
            images.append(to_uint8(generator(zz, yy)).cpu())
            for n in names:
                maps[n].append(current.pop(n))
    return torch.cat(images), {n: torch.cat(v) for n, v in maps.items() if v}


def unit_quantiles(maps: torch.Tensor, quantile: float, max_positions: int = 1_000_000, seed: int = 0) -> torch.Tensor:
    """Per unit, the value exceeded by a ``quantile`` share of its activations over samples and positions."""
    flat = maps.transpose(0, 1).reshape(maps.shape[1], -1)
    if flat.shape[1] > max_positions:
        pick = torch.randperm(flat.shape[1], generator=torch.Generator().manual_seed(seed))[:max_positions]
        flat = flat[:, pick]
    chunk = max(1, (2**24 - 1) // flat.shape[1])
    return torch.cat([torch.quantile(flat[i:i + chunk], 1.0 - quantile, dim=1) for i in range(0, len(flat), chunk)])


def upsampled(maps: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    return F.interpolate(maps, size=size, mode="bilinear", align_corners=False)


def iou_table(maps: torch.Tensor, thresholds: torch.Tensor, masks: np.ndarray,
              batch_size: int = 100) -> Tuple[torch.Tensor, torch.Tensor]:
    """(IoU ``[U, K]`` over the whole set, mean activation above threshold ``[U]``) of maps ``[N, U, h, w]``
    against concept masks ``[N, K, H, W]``."""
    n, units = maps.shape[:2]
    size = masks.shape[-2:]
    inter = torch.zeros(units, masks.shape[1], dtype=torch.float64)
    unit_area = torch.zeros(units, dtype=torch.float64)
    concept_area = torch.zeros(masks.shape[1], dtype=torch.float64)
    on_sum = torch.zeros(units, dtype=torch.float64)
    on_count = torch.zeros(units, dtype=torch.float64)
    t = thresholds[None, :, None, None]
    for start in range(0, n, batch_size):
        raw = maps[start:start + batch_size]
        above = raw > t
        on_sum += (raw * above).sum((0, 2, 3)).double()
        on_count += above.sum((0, 2, 3)).double()
        fired = (upsampled(raw, size) > t).flatten(2).float()                        # [B, U, HW]
        concept = torch.from_numpy(masks[start:start + batch_size]).flatten(2).float()   # [B, K, HW]
        inter += torch.einsum("buh,bkh->uk", fired, concept).double()
        unit_area += fired.sum((0, 2)).double()
        concept_area += concept.sum((0, 2)).double()
    union = unit_area[:, None] + concept_area[None, :] - inter
    iou = torch.where(union > 0, inter / union.clamp_min(1), torch.zeros_like(inter))
    on_values = torch.where(on_count > 0, on_sum / on_count.clamp_min(1), thresholds.double())
    return iou.float(), on_values.float()


def dissect(g, segmenter: Segmenter, concepts: Sequence[str], layers: Sequence[Layer], samples: int = 1000,
            quantile: float = 0.01, seed: int = 0, batch_size: int = 100, quiet: bool = True) -> Dissection:
    """Dissect the generator of ``g`` (a :class:`~ganforge.image.pipeline.LoadedGenerator`); see the module doc."""
    if not 0 < quantile < 1:
        raise GanforgeError(f"the quantile must be between 0 and 1 (got {quantile}); GAN Dissection uses 0.01")
    if samples < 1:
        raise GanforgeError(f"dissection needs at least 1 sample (got {samples})")
    per_sample = sum(layer.channels * layer.size[0] * layer.size[1] for layer in layers) * 4
    if per_sample * samples > MAX_HELD_BYTES:
        raise GanforgeError(f"{samples} samples of these layers would hold {per_sample * samples / 2**30:.1f} GiB of "
                            "feature maps; pass fewer --samples or fewer --layers")
    z, y = g.draw(samples, None, seed)
    images, maps = generate_with_maps(g.generator, z, y, [layer.name for layer in layers], batch_size, quiet)
    masks = segment_batches(segmenter, images, concepts, batch_size, quiet)
    result = Dissection(list(concepts), segmenter.name, quantile, seed, images, y, masks, maps=maps)
    for layer in tqdm(layers, desc="iou", unit="layer", disable=quiet or None, leave=False):
        m = maps[layer.name]
        thresholds = unit_quantiles(m, quantile, seed=seed)
        iou, on_values = iou_table(m, thresholds, masks, batch_size)
        result.layers[layer.name] = LayerResult(layer, thresholds, on_values, iou, m.amax((2, 3)))
    return result


def segment_batches(segmenter: Segmenter, images: torch.Tensor, concepts: Sequence[str], batch_size: int = 100,
                    quiet: bool = True) -> np.ndarray:
    """Concept masks bool ``[N, K, H, W]`` of uint8 images, batch by batch."""
    parts = [segmenter(images[s:s + batch_size].numpy(), concepts)
             for s in tqdm(range(0, len(images), batch_size), desc="segment", unit="batch",
                           disable=quiet or None, leave=False)]
    return np.concatenate(parts)

"""Text-to-image metrics in the metrics registry (modality ``"text2image"``) and :func:`evaluate_images` with its card.

Images are uint8 ``[N, 1, S, S]``, each drawn for a caption of the data set (whose attribute record says
what it asked for). Images smaller than 64x64 (stage I) are resized bilinearly to 64x64 first, for both
metrics, so stage I and stage II are judged by the same networks and the same thresholds.

- ``r_precision`` (AttnGAN's, R = 1): for each image, its caption and 99 captions drawn at random from the
  reference captions (texts other than its own) are ranked by the shipped text-image matcher's cosine
  similarity; the share of images whose own caption ranks first. Chance: 1 %.
- ``attribute_accuracy``: each digit region (the caption's layout: whole canvas, left|right or top|bottom
  halves) normalised as MNIST draws digits and read by the MNIST classifier (``attr_digit``), its
  thickness, slant and size measured by the functions that made the captions and bucketed at the data's
  thresholds (``attr_thickness``, ``attr_slant``, ``attr_size``: over the attributes the caption names), the
  layout of two-digit canvases (``attr_position``), and ``attr_all``: images with everything right.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ganforge.errors import GanforgeError
from ganforge.metrics.evaluate import Score
from ganforge.metrics.features import array_digest, create_extractor
from ganforge.metrics.protocol import Card
from ganforge.metrics.registry import Metric, MetricInputs, compute_metrics, register_metric
from ganforge.text2image import attributes as attr
from ganforge.text2image.captions import ATTRIBUTE_WORDS, bucket
from ganforge.version import __version__

TEXT2IMAGE = "text2image"
CANDIDATES = 100
METRIC_NAMES = ("r_precision", "attribute_accuracy")


@torch.no_grad()
def r_precision(matcher, images: torch.Tensor, tokens: torch.Tensor, pool: torch.Tensor, seed: int = 0,
                candidates: int = CANDIDATES, chunk: int = 256) -> float:
    """Share of images whose caption (``tokens``) outranks ``candidates - 1`` others drawn from ``pool``."""
    unique = torch.unique(pool, dim=0)
    if len(unique) < 2:
        raise GanforgeError("R-precision needs reference captions of at least 2 different texts; use a larger test "
                            "split")
    img = torch.cat([matcher.embed_images(images[s:s + chunk]) for s in range(0, len(images), chunk)])
    own = torch.cat([matcher.embed_texts(tokens[s:s + chunk]) for s in range(0, len(tokens), chunk)])
    others = torch.cat([matcher.embed_texts(unique[s:s + chunk]) for s in range(0, len(unique), chunk)])
    match = (tokens[:, None, :] == unique[None]).all(-1)                     # [N, U]
    own_index = torch.where(match.any(1), match.float().argmax(1), torch.full((len(tokens),), -1))
    g = torch.Generator().manual_seed(seed)
    span = torch.where(own_index >= 0, len(unique) - 1, len(unique)).float()
    draw = (torch.rand((len(images), candidates - 1), generator=g) * span[:, None]).long()
    draw = draw + ((draw >= own_index[:, None]) & (own_index[:, None] >= 0)).long()
    true_score = (img * own).sum(1)
    distractors = torch.gather(img @ others.T, 1, draw)
    return float((true_score > distractors.max(1).values).float().mean())


class AttributeJudge:
    """Measures generated canvases against their captions' attribute records (the MNIST classifier reads digits)."""

    def __init__(self, thresholds: Dict[str, List[float]], device: str = "cpu"):
        self.thresholds = thresholds
        self.classifier = create_extractor("mnist-classifier", device=device)
        self.name, self.sha256 = "mnist-classifier", self.classifier.weights_sha256

    def judge(self, images: torch.Tensor, items: List[dict]) -> Dict[str, float]:
        canvases = to_canvas(images)[:, 0].numpy()
        hits: Dict[str, List[bool]] = {k: [] for k in ("digit", "thickness", "slant", "size", "position", "all")}
        measured, digits = [], []
        for canvas, item in zip(canvases, items):
            values = attr.measure(canvas, item["layout"], item["positions"])
            measured.append(values)
            digits.append(values["digits"])
        predicted = self.classifier.extract(torch.from_numpy(np.concatenate(digits))[:, None])[1].argmax(1)
        k = 0
        for canvas, item, values in zip(canvases, items, measured):
            ok = []
            for j, digit in enumerate(item["digits"]):
                ok.append(int(predicted[k + j]) == digit)
                hits["digit"].append(ok[-1])
            k += len(item["digits"])
            for name in item["named"]:
                for j, word in enumerate(item["words"][name]):
                    right = bucket(values[name][j], self.thresholds[name], ATTRIBUTE_WORDS[name]) == word
                    hits[name].append(right)
                    ok.append(right)
            if item["layout"] != "single":
                hits["position"].append(attr.layout(canvas) == item["layout"])
                ok.append(hits["position"][-1])
            hits["all"].append(all(ok))
        return {f"attr_{k}": float(np.mean(v)) for k, v in hits.items() if v}


def to_canvas(images: torch.Tensor) -> torch.Tensor:
    """uint8 images at 64x64 (smaller ones resized bilinearly, as the metrics see stage I)."""
    if images.shape[-1] == 64:
        return images
    up = F.interpolate(images.float(), size=64, mode="bilinear", align_corners=False)
    return up.round().clamp(0, 255).to(torch.uint8)


@dataclass
class TextToImageEvalData:
    images: torch.Tensor
    tokens: torch.Tensor
    items: List[dict]
    pool: torch.Tensor
    matcher: Any
    judge: AttributeJudge
    cache: Dict[str, Any] = field(default_factory=dict)


class TextToImageMetric(Metric):
    modality = TEXT2IMAGE
    needs: Tuple[str, ...] = ("samples",)
    min_samples = 1

    def data(self, inputs: MetricInputs) -> TextToImageEvalData:
        return inputs.options["text2image"]


@register_metric("r_precision")
class RPrecision(TextToImageMetric):
    """Share of images whose own caption the text-image matcher ranks first among 100 (1 % by chance)."""

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        return {"r_precision": r_precision(d.matcher, d.images, d.tokens, d.pool, seed=inputs.seed)}


@register_metric("attribute_accuracy")
class AttributeAccuracy(TextToImageMetric):
    """Digit, thickness, slant, size and position asked for by the caption, measured on the image."""

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        return d.judge.judge(d.images, d.items)


@dataclass(frozen=True)
class TextToImageCard(Card):
    """What a text-to-image score was measured with; scores compare only when their cards agree."""

    kind = "text2image card"

    num_images: int
    image_size: int
    reference: str
    reference_sha256: str
    candidates: int
    matcher_sha256: str
    classifier: str
    classifier_sha256: str
    thresholds: str
    seed: int
    ganforge_version: str = __version__

    def lines(self) -> str:
        return "\n".join([
            f"  images:     {self.num_images} at {self.image_size}x{self.image_size} (seed {self.seed}); smaller "
            "images resized bilinearly to 64x64",
            f"  captions:   {self.reference} (sha256 {self.reference_sha256[:16]}); R-precision: 1 of "
            f"{self.candidates}",
            f"  matcher:    text-image matcher (weights sha256 {self.matcher_sha256[:16]})",
            f"  classifier: {self.classifier} (weights sha256 {self.classifier_sha256[:16]})",
            f"  thresholds: {self.thresholds}",
            f"  ganforge:   {self.ganforge_version}"])


def evaluate_images(images: torch.Tensor, tokens: torch.Tensor, items: List[dict], pool: torch.Tensor,
                    thresholds: Dict[str, List[float]], reference: str = "captions", seed: int = 0,
                    matcher=None, judge: Optional[AttributeJudge] = None, source: str = "images",
                    metrics: Tuple[str, ...] = METRIC_NAMES) -> Score:
    """Score uint8 images drawn for captions (``tokens``, their attribute ``items``) against a caption ``pool``."""
    if not torch.is_tensor(images) or images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 1:
        raise GanforgeError(f"{source} must be uint8 grayscale images [N, 1, S, S]")
    if not len(images) == len(tokens) == len(items):
        raise GanforgeError(f"{source}: {len(images)} images for {len(tokens)} captions; give one caption per image")
    if matcher is None:
        from ganforge.text2image.metrics.matcher import load_matcher

        matcher, _, matcher_sha = load_matcher()
    else:
        matcher_sha = getattr(matcher, "sha256", "given")
    judge = judge or AttributeJudge(thresholds)
    payload = TextToImageEvalData(images, tokens, items, pool, matcher, judge)
    values = compute_metrics(metrics, MetricInputs(samples=images, seed=seed, options={"text2image": payload}))
    card = TextToImageCard(len(images), int(images.shape[-1]), reference, array_digest(pool.numpy()), CANDIDATES,
                           matcher_sha, judge.name, judge.sha256, json.dumps(thresholds, sort_keys=True), seed)
    return Score(values, card, source)

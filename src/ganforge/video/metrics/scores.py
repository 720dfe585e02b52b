"""Video metrics in the metrics registry (modality ``"video"``), and :func:`evaluate_clips` with its card.

    score = evaluate_clips(fake_clips, reference_clips, reference="moving-mnist test")
    print(score)                 # the values and the VideoCard

Clips are uint8 ``[N, T, C, H, W]``; the classifier views are those of :mod:`.views`:

- ``frame_fid`` / ``frame_kid``: FID and KID of the generated frames against the reference frames, on the
  domain classifier's features of the frame view (frame-level, as MoCoGAN's image quality);
- ``digit_consistency``: per clip, the share of frames whose predicted digit (digit view) is the clip's most
  common prediction, averaged over clips (1 = the digit never changes); with labels (a conditional model's
  or the real data's), ``digit_accuracy``: the share of frames predicted as the clip's first label;
- ``acd``: average content distance (Tulyakov et al. 2018): the mean L2 distance between the classifier's
  features (digit view) of consecutive frames, lower = less drift of the content;
- ``motion``: the mean speed of the centre of mass (px a frame) and the bounces per clip, each with the
  1-Wasserstein distance of its distribution to the reference's (``motion_speed_w1``, ``motion_bounce_w1``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch

from ganforge.errors import GanforgeError
from ganforge.metrics.evaluate import Score
from ganforge.metrics.features import array_digest
from ganforge.metrics.fid import feature_statistics, frechet_distance, kernel_inception_distance
from ganforge.metrics.protocol import Card
from ganforge.metrics.registry import Metric, MetricInputs, compute_metrics, parse_metric_names, register_metric
from ganforge.version import __version__
from ganforge.video.metrics.views import BOUNCE_MIN_PX, ClipJudge, ClipJudgement

VIDEO = "video"
DEFAULT_METRICS = ("frame_fid", "frame_kid", "digit_consistency", "acd", "motion")


@dataclass
class VideoEvalData:
    """What the video metrics read: the clips, the reference clips, a judge; judgements computed once."""

    clips: torch.Tensor
    reference: torch.Tensor
    judge: ClipJudge
    labels: Optional[torch.Tensor] = None
    judged: Dict[str, ClipJudgement] = field(default_factory=dict)

    def judgement(self, which: str) -> ClipJudgement:
        if which not in self.judged:
            self.judged[which] = self.judge.judge(self.clips if which == "clips" else self.reference)
        return self.judged[which]


class VideoMetric(Metric):
    modality = VIDEO
    needs: Tuple[str, ...] = ("samples",)

    def data(self, inputs: MetricInputs) -> VideoEvalData:
        return inputs.options["video"]


@register_metric("frame_fid")
class FrameFID(VideoMetric):
    """FID of generated frames against the reference frames (domain classifier, frame view)."""

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        fake, real = d.judgement("clips").frame_features, d.judgement("reference").frame_features
        return {"frame_fid": frechet_distance(*feature_statistics(fake), *feature_statistics(real))}


@register_metric("frame_kid")
class FrameKID(VideoMetric):
    """KID of generated frames against the reference frames (mean and std over 100 subsets)."""

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        fake, real = d.judgement("clips").frame_features, d.judgement("reference").frame_features
        mean, std = kernel_inception_distance(fake, real, subset_size=min(1000, len(fake), len(real)), seed=inputs.seed)
        return {"frame_kid": mean, "frame_kid_std": std}


@register_metric("digit_consistency")
class DigitConsistency(VideoMetric):
    """Share of a clip's frames predicted as its most common digit; digit accuracy against labels when known."""

    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        preds = d.judgement("clips").digit_predictions                          # [N, T]
        counts = np.stack([np.bincount(row, minlength=int(preds.max()) + 1).max() for row in preds])
        out = {"digit_consistency": float((counts / preds.shape[1]).mean())}
        if d.labels is not None:
            out["digit_accuracy"] = float((preds == d.labels[:, :1].numpy()).mean())
        return out


@register_metric("acd")
class AverageContentDistance(VideoMetric):
    """Mean L2 distance between the classifier features of consecutive frames (digit view): content drift."""

    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        f = self.data(inputs).judgement("clips").digit_features                 # [N, T, D]
        return {"acd": float(np.linalg.norm(np.diff(f, axis=1), axis=-1).mean())}


@register_metric("motion")
class MotionStatistics(VideoMetric):
    """Speed and bounces of the centre of mass, and the W1 distances of their distributions to the reference's."""

    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        from scipy.stats import wasserstein_distance   # scipy.stats takes a second to import: only when used

        d = self.data(inputs)
        fake, real = d.judgement("clips"), d.judgement("reference")
        return {"motion_speed": float(fake.speeds.mean()), "motion_bounces": float(fake.bounces.mean()),
                "motion_speed_w1": float(wasserstein_distance(fake.speeds, real.speeds)),
                "motion_bounce_w1": float(wasserstein_distance(fake.bounces, real.bounces))}


@dataclass(frozen=True)
class VideoCard(Card):
    """What a video score was measured with; scores compare only when their cards agree."""

    kind = "video card"

    num_clips: int
    frames: int
    size: int
    reference: str
    reference_sha256: str
    reference_count: int
    extractor: str
    extractor_sha256: str
    frame_view: str
    digit_view: str
    motion: str
    seed: int
    ganforge_version: str = __version__

    def lines(self) -> str:
        return "\n".join([
            f"  clips:      {self.num_clips} of {self.frames} frames, {self.size}x{self.size} (seed {self.seed})",
            f"  reference:  {self.reference} ({self.reference_count} clips, sha256 {self.reference_sha256[:16]})",
            f"  extractor:  {self.extractor} (weights sha256 {self.extractor_sha256[:16]})",
            f"  frame view: {self.frame_view}",
            f"  digit view: {self.digit_view}",
            f"  motion:     {self.motion}",
            f"  ganforge:   {self.ganforge_version}"])


def check_clips(clips: Any, what: str) -> torch.Tensor:
    if not torch.is_tensor(clips) or clips.dtype != torch.uint8 or clips.dim() != 5 or clips.shape[2] not in (1, 3):
        shape = tuple(clips.shape) if torch.is_tensor(clips) else type(clips).__name__
        raise GanforgeError(f"{what} must be uint8 clips [N, T, C, H, W] with C 1 or 3, got {shape}")
    if len(clips) < 2 or clips.shape[1] < 2:
        raise GanforgeError(f"{what} holds {len(clips)} clip(s) of {clips.shape[1]} frame(s); the video metrics need "
                            "at least 2 clips of 2 frames (pass --n 2 or more)")
    return clips


def evaluate_clips(clips: torch.Tensor, reference: torch.Tensor, metrics: str = ",".join(DEFAULT_METRICS),
                   labels: Optional[torch.Tensor] = None, reference_name: str = "reference", seed: int = 0,
                   judge: Optional[ClipJudge] = None, source: str = "clips") -> Score:
    """Score uint8 clips against reference clips of the same frame size with the registered video metrics."""
    names = parse_metric_names(metrics, (VIDEO,), "a video evaluation")
    clips, reference = check_clips(clips, source), check_clips(reference, reference_name)
    if clips.shape[-2:] != reference.shape[-2:]:
        raise GanforgeError(f"{source} has frames of {tuple(clips.shape[-2:])} but {reference_name} of "
                            f"{tuple(reference.shape[-2:])}; score clips against a reference of their size")
    judge = judge or ClipJudge()
    payload = VideoEvalData(clips, reference, judge, labels)
    values = compute_metrics(names, MetricInputs(samples=clips, seed=seed, options={"video": payload}))
    size = int(clips.shape[-1])
    frame_view, digit_view = judge.describe(size)
    card = VideoCard(len(clips), int(clips.shape[1]), size, reference_name, array_digest(reference.numpy()),
                     len(reference), judge.name, judge.sha256, frame_view, digit_view,
                     f"intensity centre of mass; bounce = a velocity reversal, both steps > {BOUNCE_MIN_PX} px; "
                     "distances: 1-Wasserstein", seed)
    return Score(values, card, source)

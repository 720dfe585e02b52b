"""Audio scores with the domain classifier, in the metrics registry, and :func:`evaluate_clips` of any clips.

    score = evaluate_clips(clips, "data/notes", requested=pitch_indices)   # a Score: values and an AudioCard
    score = real_figures("data/notes")                                     # the test split scored the same way

Registered with ``@register_metric`` (modality ``"audio"``), all from the classifier of the data set
(:mod:`.classifier`), against the set's *training* clips (what the GANs learn from):

- ``audio_is``: the inception score (Salimans et al. 2016) of the primary label (pitch for notes,
  digit for spoken digits), the classifier's probabilities summed over the other labels, in splits
  of at least 10 clips per class (at most 10 splits; 250 clips of 25 pitches: one), so that a split
  can show every class;
  WaveGAN's paper reports it on SC09 with a digit classifier;
- ``audio_fd``: Fréchet distance of the classifier's 128 features to the training clips' (FID-style);
- ``label_accuracy``: how often the classifier hears the requested label in conditional samples
  (``pitch_accuracy``, GANSynth's measure); for real clips, their true labels;
- ``label_entropy``: entropy in bits of the distribution of predicted labels (``pitch_entropy``);
  the uniform distribution over 25 pitches has log2(25) = 4.64 bits.

:func:`real_figures` scores the real test split as if it were samples: the figures a generator
would reach by matching the data (the floor of the Fréchet distance, the ceiling of IS and accuracy).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch

from ganforge.audio.data.clips import load_clips
from ganforge.audio.metrics.classifier import RATE, AudioExtractor, marginal
from ganforge.datasets.built import read_info
from ganforge.errors import GanforgeError
from ganforge.metrics.evaluate import Score
from ganforge.metrics.features import array_digest
from ganforge.metrics.fid import feature_statistics, frechet_distance
from ganforge.metrics.inception_score import inception_score
from ganforge.metrics.protocol import Card
from ganforge.metrics.registry import Metric, MetricInputs, compute_metrics, parse_metric_names, register_metric
from ganforge.version import __version__

AUDIO = "audio"
DEFAULT_METRICS = ("audio_is", "audio_fd", "label_accuracy", "label_entropy")


@dataclass
class Judged:
    """The classifier's view of the clips and of the reference (training clips)."""

    features: np.ndarray                 # [N, 128]
    probs: np.ndarray                    # [N, K] of the primary label
    requested: Optional[np.ndarray]      # [N] label indices the clips should carry, or None
    reference: Tuple[np.ndarray, np.ndarray]   # mean, covariance of the training clips' features
    label: str
    splits: int = 10


class AudioMetric(Metric):
    modality = AUDIO
    needs: Tuple[str, ...] = ("samples",)

    def judged(self, inputs: MetricInputs) -> Judged:
        return inputs.options["audio"]


@register_metric("audio_is")
class AudioInceptionScore(AudioMetric):
    """Inception score of the primary label (pitch, digit) under the audio classifier (higher is better)."""

    lower_is_better = False

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        j = self.judged(inputs)
        n, k = j.probs.shape
        mean, std = inception_score(j.probs, min(j.splits, max(1, n // (10 * k))))
        return {"is": mean, "is_std": std}


@register_metric("audio_fd")
class AudioFrechetDistance(AudioMetric):
    """Fréchet distance of the audio classifier's features to the training clips' (lower is better)."""

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        j = self.judged(inputs)
        return {"fd": frechet_distance(*feature_statistics(j.features), *j.reference)}


@register_metric("label_accuracy")
class LabelAccuracy(AudioMetric):
    """How often the classifier hears the requested label (pitch accuracy of conditional samples)."""

    min_samples = 1
    lower_is_better = False

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        j = self.judged(inputs)
        if j.requested is None:
            return {}
        return {f"{j.label}_accuracy": float((j.probs.argmax(1) == j.requested).mean())}


@register_metric("label_entropy")
class LabelEntropy(AudioMetric):
    """Entropy (bits) of the predicted primary labels: how evenly the clips spread over pitches or digits."""

    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        j = self.judged(inputs)
        counts = np.bincount(j.probs.argmax(1), minlength=j.probs.shape[1]).astype(np.float64)
        p = counts[counts > 0] / counts.sum()
        return {f"{j.label}_entropy": float(0.0 - (p * np.log2(p)).sum())}


@dataclass(frozen=True)
class AudioCard(Card):
    """What an audio score was measured with; scores compare only when their cards agree."""

    kind = "audio card"

    num_samples: int
    reference: str
    reference_sha256: str
    reference_count: int
    classifier: str
    classifier_sha256: str
    label: str
    clip_length: int
    sample_rate: int
    seed: int
    data_note: str = ""          # what the clips are: "synthetic speech (espeak-ng ...)", "synthetic notes ..."
    ganforge_version: str = __version__

    def lines(self) -> str:
        return "\n".join([
            f"  samples:    {self.num_samples} clips of {self.clip_length} samples at {self.sample_rate} Hz "
            f"(seed {self.seed})",
            f"  reference:  {self.reference} ({self.reference_count} clips, sha256 {self.reference_sha256[:16]})",
            f"  classifier: {self.classifier} (sha256 {self.classifier_sha256[:16]}), label {self.label}",
            f"  data:       {self.data_note}",
            f"  ganforge:   {self.ganforge_version}"])


class Reference:
    """A built set's training clips under its classifier, cut to a clip length (computed once per evaluation)."""

    def __init__(self, data: str | Path, length: int, weights: Optional[str] = None, device: str = "cpu"):
        self.info = read_info(data)
        if self.info.get("kind") != "audio":
            raise GanforgeError(f"{data} is not an audio data set built by `ganforge data build`; the classifier "
                                "scores need one (its labels and classifier)")
        self.data, self.length, self.name = Path(data), length, str(self.info["name"])
        self.labels, self.label = self.info["labels"], str(self.info["default_label"])
        self.extractor = AudioExtractor(weights, device, self.labels, data_name=self.name)
        if self.extractor.meta.get("labels") != self.labels:
            raise GanforgeError(f"the {self.extractor.name} weights {self.extractor.weights_path} were trained on "
                                f"other classes than {data} holds; train a classifier for it: ganforge features train "
                                f"--data {data}")
        train = load_clips(data, "train", length, RATE)
        self.count, self.sha256 = len(train), array_digest(train.waves.numpy())
        features, _ = self.judge(train.waves)
        self.stats = feature_statistics(features)

    def judge(self, clips: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
        """(features, primary-label probabilities) of clips ``[N, L]`` cut to this reference's length."""
        clips = torch.as_tensor(np.asarray(clips, np.float32))[:, :self.length]
        features, probs = self.extractor.extract(clips)
        return features, marginal(probs, self.labels, self.label)

    def score(self, clips: Any, requested: Optional[np.ndarray], source: str, metrics=DEFAULT_METRICS,
              seed: int = 0) -> Score:
        names = parse_metric_names(metrics, (AUDIO,), "an audio evaluation")
        features, probs = self.judge(clips)
        judged = Judged(features, probs, requested, self.stats, self.label)
        values = compute_metrics(names, MetricInputs(samples=features, seed=seed, options={"audio": judged}))
        card = AudioCard(len(features), f"{self.name} train", self.sha256, self.count, self.extractor.name,
                         self.extractor.weights_sha256, self.label, self.length, RATE, seed,
                         str(self.info.get("synthetic", "")))
        return Score(values, card, source)


def class_indices(classes, data_classes) -> Dict[int, int]:
    """A generator's class index -> the data set's index of the same class name."""
    return {i: data_classes.index(c) for i, c in enumerate(classes) if c in data_classes}


def evaluate_run(target: str | Path, n: int = 0, seed: int = 0, device: str = "cpu", metrics: Optional[str] = None,
                 data: Optional[str] = None, reference: Optional[Reference] = None,
                 weights: Optional[str] = None) -> Score:
    """Sample ``n`` clips (default 1000) of a run (one per class in turn when conditional) and score them."""
    from ganforge.engine.run_folder import run_folder_of
    from ganforge.family import load

    g = load(target, device=device)
    run = run_folder_of(Path(target))
    data = data or (run.info().get("data_dir") if run.is_run() else None)
    if not data or not (Path(data) / "dataset.json").is_file():
        raise GanforgeError(f"the data of {target} ({data or 'not recorded'}) is not a set built by `ganforge data "
                            "build`: the classifier scores need one (pass its folder to `evaluate_run(data=...)`)")
    ref = reference or Reference(data, g.config.length, weights=weights, device=device)
    n = n or 1000
    requested, indices = None, None
    if g.num_classes and g.label == ref.label:
        mapping = class_indices(g.classes, ref.labels[ref.label])
        indices = torch.arange(n) % g.num_classes
        requested = np.array([mapping.get(int(i), -1) for i in indices])
    clips = g.sample(n, seed=seed, indices=indices)
    return ref.score(clips, requested, f"{g.source} (step {g.step})", metrics or DEFAULT_METRICS, seed)


def real_figures(data: str | Path, length: int = 16384, device: str = "cpu", metrics: Optional[str] = None,
                 reference: Optional[Reference] = None) -> Score:
    """The real test split scored as samples (its true labels as the requested ones)."""
    ref = reference or Reference(data, length, device=device)
    test = load_clips(data, "test", length, RATE)
    return ref.score(test.waves, test.labels.numpy(), f"{ref.name} test (real clips)", metrics or DEFAULT_METRICS)


def audio_eval_hooks(task: Any, trainer: Any, quiet: bool = False) -> list:
    """``--eval-every N`` of an audio run: every N steps (and at the end) the classifier scores of
    ``train.eval_samples`` clips (at most 1000) from fixed latents into metrics.jsonl with their card."""
    t = task.cfg.train
    if not t.eval_every:
        return []
    data = task.cfg.data.dir
    if not (Path(data) / "dataset.json").is_file():
        raise GanforgeError(f"--eval-every scores audio runs with the classifier of a set built by `ganforge data "
                            f"build`; {data} is not one: drop --eval-every (sample and listen instead)")
    ref = Reference(data, task.cfg.model.length, device=str(task.device))
    n, done = min(t.eval_samples, 1000), set()

    def hook(step: int, ended: Optional[str]) -> None:
        if step in done or (step % t.eval_every and not ended):
            return
        done.add(step)
        clips, requested = task.eval_clips(n, t.seed, ref.labels.get(ref.label, []))
        score = ref.score(clips, requested if ref.label == task.data.label else None, f"step {step}", seed=t.seed)
        trainer.run.append_metrics(step, score.values, card=score.card.to_dict())
        if not quiet:
            print(f"eval at step {step}: " + str(score).splitlines()[1].strip(), flush=True)

    return [hook]

"""Translation metrics in the metrics registry, and :func:`evaluate_translation` of any translator.

    score = evaluate_translation(lambda x: pipe.translate(x, "AtoB"), "data/edges2digits")
    print(score)       # values and the TranslationCard

A translator is any callable ``translate(images) -> images`` on float ``[N, C, H, W]`` in [-1, 1].
The data set is one built by ``ganforge data build`` (:mod:`ganforge.translation.data.builders`).
Registered with ``@register_metric`` (modality ``"translation"``):

- ``fcn_accuracy``: the FCN-score analogue (Isola et al. 2017): accuracy of the target domain's
  classifier (the judge) on translated source test images against the *source* labels, as
  ``fcn_accuracy``, next to ``fcn_ceiling``, its accuracy on real target test images;
- ``translated_fid`` / ``translated_kid``: FID and KID of translated images against the real
  target test images, on the judge's features;
- ``paired_l1``: mean |translated - ground truth| in [0, 1] pixel units (paired sets only);
- ``cycle_l1``: mean |reverse(translate(x)) - x| in [0, 1] pixel units (needs ``reverse``);
- ``cycada``: the CyCADA-style table (Hoffman et al. 2018): a :class:`~.judge.DigitNet` trained
  (a) on source training images (``cycada_source_only``), (b) on translated source training images
  with the source labels (``cycada_translated``), (c) on target training images
  (``cycada_target_supervised``), each tested on the target test split. Sources are matched to the
  target's channels (grayscale repeated to RGB).

The judge is ``auto`` (the shipped ``mnist-classifier`` when the target domain is MNIST digits,
else a DigitNet trained on the target training split), ``trained``, or an extractor name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch

from ganforge.errors import GanforgeError
from ganforge.metrics.evaluate import Score
from ganforge.metrics.protocol import Card
from ganforge.metrics.features import array_digest
from ganforge.metrics.fid import feature_statistics, frechet_distance, kernel_inception_distance
from ganforge.metrics.registry import Metric, MetricInputs, compute_metrics, parse_metric_names, register_metric
from ganforge.translation.data.builders import read_built
from ganforge.metrics.classifier_training import classifier_accuracy
from ganforge.translation.metrics.judge import (ClassifierRecipe, ExtractorJudge, Judge, TrainedJudge, check_images,
                                                match_channels, to_unit, train_digit_classifier)
from ganforge.version import __version__

TRANSLATION = "translation"
DEFAULT_METRICS = ("fcn_accuracy", "translated_fid", "translated_kid")
MNIST_DOMAINS = ("digits", "mnist")
Translator = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class TranslationData:
    """What the translation metrics read (float images in [-1, 1]); fields a metric does not need may be None."""

    translated: torch.Tensor
    source_labels: torch.Tensor
    target: torch.Tensor
    target_labels: torch.Tensor
    judge: Optional[Judge] = None
    ground_truth: Optional[torch.Tensor] = None
    sources: Optional[torch.Tensor] = None
    reconstructed: Optional[torch.Tensor] = None
    train: Dict[str, torch.Tensor] = field(default_factory=dict)   # source, source_labels, translated, target...
    recipe: ClassifierRecipe = ClassifierRecipe()
    judged: Dict[str, Tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def judgement(self, which: str) -> Tuple[np.ndarray, np.ndarray]:
        """The judge's (features, predictions) of ``translated`` or ``target``, computed once."""
        if which not in self.judged:
            self.judged[which] = self.judge.judge(getattr(self, which))
        return self.judged[which]


class TranslationMetric(Metric):
    modality = TRANSLATION
    needs: Tuple[str, ...] = ("samples",)
    requires: Tuple[str, ...] = ()       # what evaluate_translation must prepare: judge, pairs, reverse, train

    def data(self, inputs: MetricInputs) -> TranslationData:
        return inputs.options["translation"]


@register_metric("fcn_accuracy")
class FcnAccuracy(TranslationMetric):
    """Target-domain classifier accuracy on translated images vs the source labels, and on real targets (ceiling)."""

    requires = ("judge",)
    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        fake, real = d.judgement("translated")[1], d.judgement("target")[1]
        return {"fcn_accuracy": float((fake == d.source_labels.numpy()).mean()),
                "fcn_ceiling": float((real == d.target_labels.numpy()).mean())}


@register_metric("translated_fid")
class TranslatedFID(TranslationMetric):
    """FID of translated images against the real target test images, on the judge's features."""

    requires = ("judge",)

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        fake, real = d.judgement("translated")[0], d.judgement("target")[0]
        return {"translated_fid": frechet_distance(*feature_statistics(fake), *feature_statistics(real))}


@register_metric("translated_kid")
class TranslatedKID(TranslationMetric):
    """KID (mean and std over 100 subsets) of translated images against the real target test images."""

    requires = ("judge",)

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        fake, real = d.judgement("translated")[0], d.judgement("target")[0]
        mean, std = kernel_inception_distance(fake, real, subset_size=min(1000, len(fake), len(real)),
                                              seed=inputs.seed)
        return {"translated_kid": mean, "translated_kid_std": std}


def mean_l1(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean absolute difference of images in [-1, 1], in [0, 1] pixel units."""
    return float((a.double() - b.double()).abs().mean() / 2.0)


@register_metric("paired_l1")
class PairedL1(TranslationMetric):
    """Mean |translated - ground truth| in [0, 1] pixel units (paired data sets)."""

    requires = ("pairs",)
    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        return {"paired_l1": mean_l1(d.translated, d.ground_truth)}


@register_metric("cycle_l1")
class CycleL1(TranslationMetric):
    """Mean |reverse(translate(x)) - x| in [0, 1] pixel units: cycle reconstruction."""

    requires = ("reverse",)
    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d = self.data(inputs)
        return {"cycle_l1": mean_l1(d.reconstructed, d.sources)}


@register_metric("cycada")
class Cycada(TranslationMetric):
    """Digit classifiers trained on source / translated source / target images, tested on the target test split."""

    requires = ("train",)
    min_samples = 1

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        d, t = self.data(inputs), self.data(inputs).train
        channels = d.target.shape[1]
        test = lambda model: classifier_accuracy(model, d.target, d.target_labels)   # noqa: E731
        runs = {"cycada_source_only": (match_channels(t["source"], channels), t["source_labels"]),
                "cycada_translated": (match_channels(t["translated"], channels), t["source_labels"]),
                "cycada_target_supervised": (t["target"], t["target_labels"])}
        return {key: test(train_digit_classifier(x, y, d.recipe, desc=key)) for key, (x, y) in runs.items()}


@dataclass(frozen=True)
class TranslationCard(Card):
    """What a translation score was measured with; scores compare only when their cards agree."""

    kind = "translation card"

    num_samples: int
    direction: str
    reference: str
    reference_sha256: str
    reference_count: int
    judge: str
    judge_sha256: str
    resize: str
    classifier_recipe: str
    seed: int
    pixel_scale: str = "L1 as mean absolute difference of pixels in [0, 1]"
    ganforge_version: str = __version__

    def lines(self) -> str:
        return "\n".join([
            f"  samples:    {self.num_samples} ({self.direction}, seed {self.seed})",
            f"  reference:  {self.reference} ({self.reference_count} images, sha256 {self.reference_sha256[:16]})",
            f"  judge:      {self.judge} (sha256 {self.judge_sha256[:16]}), resize {self.resize}",
            f"  classifier: {self.classifier_recipe}",
            f"  scale:      {self.pixel_scale}",
            f"  ganforge:   {self.ganforge_version}"])


def run_translator(translate: Translator, images: torch.Tensor, what: str, batch: int = 256) -> torch.Tensor:
    """``translate`` over float images in batches (no gradients), its output checked."""
    outs = []
    with torch.no_grad():
        for s in range(0, len(images), batch):
            chunk = images[s:s + batch]
            outs.append(check_images(translate(chunk), len(chunk), tuple(chunk.shape[1:]), what))
    return torch.cat(outs)


def make_judge(kind: str, domain: str, target_train: Tuple[torch.Tensor, torch.Tensor], trained_on: str,
               recipe: ClassifierRecipe) -> Judge:
    if kind == "auto":
        kind = "mnist-classifier" if domain in MNIST_DOMAINS and target_train[0].shape[1] == 1 else "trained"
    if kind == "trained":
        x, y = target_train
        return TrainedJudge(train_digit_classifier(x, y, recipe, desc="train judge"), trained_on, recipe, x.shape[1])
    return ExtractorJudge(kind)


def evaluate_translation(translate: Translator, data: str | Path, direction: str = "AtoB",
                         metrics: str = ",".join(DEFAULT_METRICS), reverse: Optional[Translator] = None,
                         judge: str = "auto", n: Optional[int] = None, seed: int = 0,
                         recipe: ClassifierRecipe = ClassifierRecipe()) -> Score:
    """Score ``translate`` (source -> target of ``direction``) on a built data set's test split."""
    names = parse_metric_names(metrics, (TRANSLATION,), "a translation evaluation")
    if direction not in ("AtoB", "BtoA"):
        raise GanforgeError(f"direction must be AtoB or BtoA, got {direction!r}")
    src, tgt = direction[0], direction[-1]
    info = json.loads((Path(data) / "dataset.json").read_text()) if (Path(data) / "dataset.json").is_file() else {}
    requires = {r for name in names for r in create_requires(name)}
    if "pairs" in requires and info.get("kind") != "paired":
        raise GanforgeError(f"paired_l1 needs a paired data set (pix2pix layout); {data} is unpaired: drop paired_l1")
    if "reverse" in requires and reverse is None:
        raise GanforgeError("cycle_l1 needs the reverse translator (target -> source); pass reverse=, or drop cycle_l1")
    limit = slice(None, n)
    x_src, y_src = read_built(data, "test", src)
    x_tgt, y_tgt = read_built(data, "test", tgt)
    sources, target = to_unit(x_src[limit]), to_unit(x_tgt[limit])
    translated = run_translator(translate, sources, "the translator")
    fields: Dict[str, Any] = {"sources": sources}
    target_train = None
    if requires & {"judge", "train"}:
        x_tt, y_tt = read_built(data, "train", tgt)
        target_train = (to_unit(x_tt), y_tt)
    if "judge" in requires:
        fields["judge"] = make_judge(judge, info.get("domains", {}).get(tgt, ""), target_train,
                                     f"{info.get('name', Path(data).name)} train{tgt}", recipe)
    if "pairs" in requires:
        fields["ground_truth"] = target
    if "reverse" in requires:
        fields["reconstructed"] = run_translator(reverse, translated, "the reverse translator")
    if "train" in requires:
        x_tr, y_tr = read_built(data, "train", src)
        x_tr = to_unit(x_tr)
        fields["train"] = {"source": x_tr, "source_labels": y_tr, "target": target_train[0],
                           "target_labels": target_train[1],
                           "translated": run_translator(translate, x_tr, "the translator")}
    payload = TranslationData(translated, y_src[limit], target, y_tgt[limit], recipe=recipe, **fields)
    values = compute_metrics(names, MetricInputs(samples=translated, seed=seed,
                                                 options={"translation": payload}))
    j = fields.get("judge")
    card = TranslationCard(len(translated), direction, f"{info.get('name', Path(data).name)} test{tgt}",
                           array_digest(x_tgt[limit].numpy()), len(target), j.name if j else "none",
                           j.sha256 if j else "", j.resize if j else "none",
                           recipe.describe() if "train" in requires or (j and "DigitNet" in j.name) else "none", seed)
    return Score(values, card, f"translation {direction} on {data}")


def create_requires(name: str) -> Tuple[str, ...]:
    from ganforge.metrics.registry import METRICS

    return getattr(METRICS.get(name), "requires", ())

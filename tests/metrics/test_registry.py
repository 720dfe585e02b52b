"""One metric registry for every modality: feature metrics (FID ...) and text metrics (BLEU ...) side by side,
filtered by modality; BLEU through the registry equals NLTK; the metrics core imports no family package."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ganforge.errors import GanforgeError
from ganforge.metrics.features import EXTRACTORS, extractors_for
from ganforge.metrics.registry import (FEATURES, METRICS, Metric, MetricInputs, compute_metrics, parse_metric_names,
                                       register_metric)

nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
SMOOTH = nltk_bleu.SmoothingFunction().method1
CORE = Path(__file__).resolve().parents[2] / "src" / "ganforge" / "metrics"
FAMILY_PACKAGES = ("ganforge.image", "ganforge.text", "ganforge.toy2d", "ganforge.web", "ganforge.cli")

HYPS = [s.split() for s in ["a man rides a horse on the beach", "the cat sat on the mat", "a dog runs in the park",
                            "a man is riding a horse", "two people walk on a beach", "a", "the the the the"]]
REFS = [s.split() for s in ["a man is riding a horse on a beach", "the cat is sitting on the mat",
                            "a dog is running through the park", "two people walking along the beach",
                            "a woman eats food at a table", "a horse on the beach"]]


def weights(n):
    return tuple(1.0 / n for _ in range(n))


def test_text_and_feature_metrics_share_one_registry():
    assert {"fid", "kid", "is", "pr", "dc", "bleu", "self_bleu", "corpus_bleu"} <= set(METRICS.names())
    assert METRICS.get("fid").modality == FEATURES and METRICS.get("bleu").modality == "text"
    assert "references" in METRICS.get("bleu").needs and "samples" in METRICS.get("self_bleu").needs

    @register_metric("test_length")
    class MeanLength(Metric):
        modality = "text"
        needs = ("samples",)

        def compute(self, inputs):
            return {"length": sum(map(len, inputs.samples)) / len(inputs.samples)}

    @register_metric("test_norm")
    class MeanNorm(Metric):
        def compute(self, inputs):
            return {"norm": float((inputs.fake_features ** 2).sum(1).mean())}

    try:
        assert parse_metric_names("test_length,self_bleu", ("text",)) == ("test_length", "self_bleu")
        assert parse_metric_names("fid,test_norm", (FEATURES,)) == ("fid", "test_norm")
        values = compute_metrics(["test_length", "self_bleu"], MetricInputs(samples=HYPS))
        assert values["length"] == pytest.approx(sum(map(len, HYPS)) / len(HYPS)) and "self_bleu4" in values
    finally:
        METRICS.unregister("test_length")
        METRICS.unregister("test_norm")


def test_metric_names_are_filtered_by_modality():
    with pytest.raises(GanforgeError, match="'bleu' is a text metric, which an evaluation of images cannot score; "
                                            "choose from dc, fid, is, kid, pr$"):
        parse_metric_names("fid,bleu", (FEATURES,), "an evaluation of images")
    with pytest.raises(GanforgeError, match="'kid' is a metric of extracted features"):
        parse_metric_names("bleu,kid", ("text",), "an evaluation of text")
    with pytest.raises(GanforgeError, match="unknown metric 'blue': did you mean 'bleu'"):
        parse_metric_names("blue")


def test_extractors_declare_modality_and_input():
    assert set(extractors_for("image")) == {"mnist-classifier", "mnist-resnet", "mnist-autoencoder",
                                            "fashion-mnist-classifier", "inception"}
    for name in EXTRACTORS.names():
        assert EXTRACTORS.get(name).modality and EXTRACTORS.get(name).input_kind
    assert extractors_for("text") == []


def test_bleu_through_the_registry_equals_nltk():
    values = compute_metrics(["bleu", "corpus_bleu", "self_bleu"], MetricInputs(samples=HYPS, references=REFS))
    for n in (2, 3, 4, 5):
        corpus = nltk_bleu.corpus_bleu([REFS] * len(HYPS), HYPS, weights(n), smoothing_function=SMOOTH)
        assert values[f"corpus_bleu{n}"] == corpus
        sentence = sum(nltk_bleu.sentence_bleu(REFS, h, weights(n), smoothing_function=SMOOTH) for h in HYPS)
        assert values[f"bleu{n}"] == sentence / len(HYPS)
        own = sum(nltk_bleu.sentence_bleu(HYPS[:i] + HYPS[i + 1:], h, weights(n), smoothing_function=SMOOTH)
                  for i, h in enumerate(HYPS))
        assert values[f"self_bleu{n}"] == own / len(HYPS)
    with pytest.raises(GanforgeError, match="bleu needs reference sentences"):
        compute_metrics(["bleu"], MetricInputs(samples=HYPS))
    with pytest.raises(GanforgeError, match="self_bleu needs at least 2 samples"):
        compute_metrics(["self_bleu"], MetricInputs(samples=HYPS[:1]))


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_metrics_core_imports_no_family_package():
    files = sorted(CORE.glob("*.py"))
    assert len(files) >= 8
    bad = [f"{f.name}: {m}" for f in files for m in imported_modules(f)
           if any(m == p or m.startswith(p + ".") for p in FAMILY_PACKAGES)]
    assert bad == []
    # importing every core module (without using a registry) loads no family either
    names = [f"ganforge.metrics.{f.stem}" for f in files if f.stem != "__init__"]
    code = (f"import importlib, json, sys\nfor n in {names!r}: importlib.import_module(n)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ganforge.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    assert "ganforge.metrics.training_hook" in loaded
    assert [m for m in loaded if m.startswith(FAMILY_PACKAGES)] == []

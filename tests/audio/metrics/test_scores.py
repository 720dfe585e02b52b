"""The audio classifier and its scores: trained by the command, registered metrics, the card, real vs generated."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from ganforge.audio.metrics.classifier import AudioClassifier, joint_classes, load_classifier, marginal
from ganforge.audio.metrics.scores import AudioCard, Reference, evaluate_run, real_figures
from ganforge.cli.main import main
from ganforge.errors import GanforgeError
from ganforge.family import FAMILIES
from ganforge.metrics.registry import METRICS

from audio_helpers import tiny_audio_config


@pytest.fixture(scope="module")
def classifier(tiny_notes, tmp_path_factory):
    out = tmp_path_factory.mktemp("classifier") / "notes.safetensors"
    assert main(["features", "train", "--data", str(tiny_notes), "--epochs", "120", "--threads", "1", "--out", str(out)]) == 0
    return out


def test_the_classifier_is_trained_reproducibly_and_hears_the_pitch(tiny_notes, classifier, tmp_path, capsys):
    model, meta = load_classifier(classifier)
    assert meta["labels"] == {"pitch": ["60", "64", "67"], "instrument": ["piano", "flute"]}
    assert meta["primary"] == "pitch" and meta["test_pitch_accuracy"] >= 0.5 and meta["steps"] == 22
    again = tmp_path / "again.safetensors"
    assert main(["features", "train", "--data", str(tiny_notes), "--epochs", "120", "--threads", "1",
                 "--out", str(again)]) == 0
    first, second = load_file(str(classifier)), load_file(str(again))   # same seed, same machine: the same weights
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
    assert joint_classes(meta["labels"])[:2] == ["pitch=60|instrument=piano", "pitch=60|instrument=flute"]
    probs = np.eye(6)[[0, 1, 5]]
    assert marginal(probs, meta["labels"], "pitch").tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    features, logits = AudioClassifier(6)(torch.zeros(2, 4000))
    assert features.shape == (2, 128) and logits.shape == (2, 6)


def test_real_figures_and_a_generator_scored_beside_them(tiny_notes, classifier, tmp_path, monkeypatch):
    assert {"audio_is", "audio_fd", "label_accuracy", "label_entropy"} <= set(METRICS.names())
    ref = Reference(tiny_notes, 1024, weights=str(classifier))
    real = real_figures(tiny_notes, reference=ref)
    assert set(real.values) == {"is", "is_std", "fd", "pitch_accuracy", "pitch_entropy"}
    assert real.values["pitch_accuracy"] >= 0.5 and real.values["is"] > 1.0
    if real.values["pitch_accuracy"] == 1.0:   # 2 clips of each of the 3 pitches, all heard right
        assert abs(real.values["pitch_entropy"] - np.log2(3)) < 1e-9
    # --eval-every finds the classifier `features train` put in the cache (the shipped one has other classes)
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache" / "features").mkdir(parents=True)
    shutil.copy(classifier, tmp_path / "cache" / "features" / "notes-classifier.safetensors")
    cfg = tiny_audio_config(tiny_notes, model={"conditional": True}, train={"steps": 1, "eval_every": 1,
                                                                            "eval_samples": 30})
    FAMILIES.get("audio").trainer(cfg, tmp_path / "run", quiet=True).fit()
    fake = evaluate_run(tmp_path / "run", n=30, reference=ref)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1] and rows[0]["values"].keys() == fake.values.keys()
    assert AudioCard.from_dict(rows[0]["card"]).classifier_sha256 == fake.card.classifier_sha256
    assert set(fake.values) == set(real.values)
    assert fake.values["fd"] > real.values["fd"] and fake.values["pitch_entropy"] <= np.log2(3) + 1e-9
    card = AudioCard.from_dict(json.loads(json.dumps(fake.card.to_dict())))
    assert card == fake.card and card.reference == "notes train" and card.classifier == "notes-classifier"
    assert card.clip_length == 1024 and card.num_samples == 30 and card.reference_count == 12
    assert card.data_note.startswith("synthetic notes") and "synthetic notes" in str(fake)
    assert card.classifier_sha256 == real.card.classifier_sha256 and "pitch" in str(fake)
    with pytest.raises(GanforgeError, match="trained on other classes"):
        Reference(tiny_notes, 1024, weights=str(_other(tmp_path)))


def _other(tmp_path):
    """Classifier weights of other classes (a 3-class set)."""
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    state = {k: v.contiguous() for k, v in AudioClassifier(3).state_dict().items()}
    save_file(state, str(path), metadata={"ganforge": json.dumps({"format": "ganforge-audio-classifier/1",
                                                                   "labels": {"digit": ["0", "1", "2"]}})})
    return path


def test_the_shipped_notes_classifier_is_the_one_the_full_set_trains():
    from ganforge.audio.data.builders import INSTRUMENTS, PITCHES
    from ganforge.audio.metrics.classifier import SHIPPED_SHA256, default_weights
    from ganforge.files import file_digest

    path = default_weights("notes")
    assert path.parent.name == "weights" and file_digest(path, "sha256") == SHIPPED_SHA256["notes-classifier"]
    _, meta = load_classifier(path)
    assert meta["labels"] == {"pitch": [str(p) for p in PITCHES], "instrument": list(INSTRUMENTS)}
    assert meta["train_clips"] == 1000 and meta["test_pitch_accuracy"] >= 0.95 and meta["seed"] == 0

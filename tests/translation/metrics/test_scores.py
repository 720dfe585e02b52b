"""Translation metrics against independent reference values: numpy L1, known accuracies, FID by scipy."""
import json

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import linalg

from ganforge.errors import DataError, GanforgeError
from ganforge.metrics.features import create_extractor
from ganforge.translation.data.builders import build
from ganforge.translation.metrics import TranslationCard, evaluate_translation
from ganforge.translation.metrics.judge import ClassifierRecipe

N = 40
FAST = ClassifierRecipe(steps=15, batch_size=16)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    import os
    from pathlib import Path

    root = os.environ.get("GANFORGE_DATA")
    if not root or not (Path(root) / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("set GANFORGE_DATA to a folder with mnist/*.gz (the shared data sets) to run this test")
    out = tmp_path_factory.mktemp("sets")
    build("edges2digits", out / "e2d", n=N, size=28, progress=False)
    build("mnist2mnistm", out / "m2m", n=N, size=28, progress=False)
    return out


def pngs(folder, half=None):
    """The images of a split folder read with PIL alone: uint8 [N, H, W(, C)] and the labels."""
    labels = json.loads((folder / "labels.json").read_text())
    arrays = [np.asarray(Image.open(folder / f)) for f in sorted(labels)]
    if half is not None:
        arrays = [a[:, :a.shape[1] // 2] if half == "A" else a[:, a.shape[1] // 2:] for a in arrays]
    return np.stack(arrays), np.array([labels[f] for f in sorted(labels)])


def test_l1_and_cycle_l1_equal_numpy(sets):
    a, _ = pngs(sets / "e2d" / "test", "A")
    b, _ = pngs(sets / "e2d" / "test", "B")
    x, gt = a / 127.5 - 1, b / 127.5 - 1
    score = evaluate_translation(lambda t: t * 0.5, sets / "e2d", metrics="paired_l1,cycle_l1",
                                 reverse=lambda t: (t + 0.5).clamp(-1, 1))
    assert score.values["paired_l1"] == pytest.approx(np.abs(x * 0.5 - gt).mean() / 2, rel=1e-6)
    assert score.values["cycle_l1"] == pytest.approx(np.abs(np.clip(x * 0.5 + 0.5, -1, 1) - x).mean() / 2, rel=1e-6)


def test_fcn_accuracy_of_blank_images_is_the_share_of_the_class_blank_is_taken_for(sets):
    b, labels = pngs(sets / "e2d" / "test", "B")
    extractor = create_extractor("mnist-classifier")
    blank_class = extractor.extract(torch.zeros(1, 1, 28, 28, dtype=torch.uint8))[1].argmax()
    real_pred = extractor.extract(torch.from_numpy(b)[:, None])[1].argmax(1)
    score = evaluate_translation(lambda t: torch.full_like(t, -1.0), sets / "e2d", metrics="fcn_accuracy")
    assert score.values["fcn_accuracy"] == pytest.approx((labels == blank_class).mean())
    assert score.values["fcn_ceiling"] == pytest.approx((real_pred == labels).mean()) and score.values["fcn_ceiling"] > 0.9
    assert score.card.judge == "mnist-classifier" and score.card.resize == "none"


def test_fid_is_the_frechet_distance_of_the_judges_features_by_scipy(sets):
    a, _ = pngs(sets / "e2d" / "test", "A")
    b, _ = pngs(sets / "e2d" / "test", "B")
    extractor = create_extractor("mnist-classifier")
    fa, fb = extractor.extract(torch.from_numpy(a)[:, None])[0], extractor.extract(torch.from_numpy(b)[:, None])[0]
    ma, mb, ca, cb = fa.mean(0), fb.mean(0), np.cov(fa, rowvar=False), np.cov(fb, rowvar=False)
    want = ((ma - mb) ** 2).sum() + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb).real)
    score = evaluate_translation(lambda t: t, sets / "e2d", metrics="translated_fid,translated_kid")
    assert score.values["translated_fid"] == pytest.approx(want, rel=1e-4)
    assert score.values["translated_kid"] > 0
    oracle = build_oracle(sets / "e2d")
    perfect = evaluate_translation(oracle, sets / "e2d", metrics="translated_fid,fcn_accuracy,paired_l1")
    assert abs(perfect.values["translated_fid"]) < 1e-3 and perfect.values["paired_l1"] == 0
    assert perfect.values["fcn_accuracy"] == perfect.values["fcn_ceiling"]


def build_oracle(root):
    """A translator that returns each source's ground truth (looked up by the source image)."""
    a, _ = pngs(root / "test", "A")
    b, _ = pngs(root / "test", "B")
    table = {a[i].tobytes(): b[i] for i in range(len(a))}

    def translate(x):
        keys = ((x[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy()
        return torch.from_numpy(np.stack([table[k.tobytes()] for k in keys]))[:, None].float() / 127.5 - 1
    return translate


def test_cycada_table_with_the_identity_trains_the_same_classifier_twice(sets):
    score = evaluate_translation(lambda t: t, sets / "m2m", metrics="cycada", recipe=FAST)
    v = score.values
    assert v["cycada_translated"] == v["cycada_source_only"]          # same images, same seed: same network
    assert all(0.0 <= v[k] <= 1.0 for k in ("cycada_source_only", "cycada_target_supervised"))
    assert "15 steps" in score.card.classifier_recipe


def test_a_trained_judge_scores_rgb_targets_and_the_card_round_trips(sets):
    score = evaluate_translation(lambda t: t.repeat(1, 3, 1, 1), sets / "m2m", metrics="fcn_accuracy", recipe=FAST)
    assert score.card.judge.startswith("DigitNet trained on mnist2mnistm trainB")
    assert TranslationCard.from_dict(json.loads(json.dumps(score.card.to_dict()))) == score.card
    assert "judge:" in str(score)


def test_bad_translators_and_metrics_are_one_line_errors(sets):
    with pytest.raises(GanforgeError, match="paired data set"):
        evaluate_translation(lambda t: t, sets / "m2m", metrics="paired_l1")
    with pytest.raises(GanforgeError, match="reverse translator"):
        evaluate_translation(lambda t: t, sets / "e2d", metrics="cycle_l1")
    with pytest.raises(DataError, match="same size"):
        evaluate_translation(lambda t: t[:, :, :8], sets / "e2d", metrics="paired_l1")
    with pytest.raises(DataError, match="NaN"):
        evaluate_translation(lambda t: t * float("nan"), sets / "e2d", metrics="paired_l1")
    with pytest.raises(GanforgeError, match="fid"):
        evaluate_translation(lambda t: t, sets / "e2d", metrics="fid")

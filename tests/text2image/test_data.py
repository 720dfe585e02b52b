"""The captioned-digits build: deterministic bytes, captions that say what the measuring functions find."""
from __future__ import annotations

import numpy as np
import pytest

from ganforge.cli.main import main
from ganforge.text2image import attributes as attr
from ganforge.text2image.captions import ATTRIBUTE_WORDS, DIGIT_WORDS, bucket, encode, words_of
from ganforge.text2image.data.builder import build
from ganforge.text2image.data.dataset import load_captioned
from t2i_helpers import need_mnist
from helpers import cli_error


def test_two_builds_give_the_same_checksums_and_another_seed_other_ones(tmp_path, capsys):
    need_mnist()
    assert main(["data", "build", "captioned-digits", "--out", str(tmp_path / "a"), "--n", "12"]) == 0
    assert "train 12, test 1" in capsys.readouterr().out
    build(tmp_path / "b", n=12, progress=False)
    build(tmp_path / "c", n=12, seed=1, progress=False)
    sums = [(tmp_path / k / "SHA256SUMS").read_text() for k in "abc"]
    assert sums[0] == sums[1] and sums[0] != sums[2]
    assert "train/sheet-000.png" in sums[0] and "vocab.json" in sums[0]
    err = cli_error(capsys, ["data", "build", "captioned-digits", "--out", str(tmp_path / "d"), "--size", "32"])
    assert "--size is not an option of captioned-digits" in err


def test_captions_agree_with_the_measured_attributes(captioned):
    data = load_captioned(captioned, "test")
    assert data.images.shape == (100, 1, 64, 64) and data.tokens.shape[0] == 100
    layouts, agree = {it["layout"] for it in data.items}, []
    assert layouts == {"single", "horizontal", "vertical"}
    for canvas, item in zip(data.images[:, 0].numpy(), data.items):
        values = attr.measure(canvas, item["layout"], item["positions"])
        words = words_of(item["caption"])
        assert [DIGIT_WORDS[d] for d in item["digits"]] == [w for w in words if w in DIGIT_WORDS]
        for name in item["named"]:
            for j, word in enumerate(item["words"][name]):
                assert bucket(values[name][j], data.thresholds[name], ATTRIBUTE_WORDS[name]) == word
                assert word in words
        if item["layout"] != "single":
            agree.append(attr.layout(canvas) == item["layout"])
        assert encode(item["caption"]) == [int(t) for t in data.tokens[data.items.index(item)] if t]
    assert np.mean(agree) > 0.9                   # the layout is read from the pixels: nearly always right
    # thresholds are the train split's terciles: each bucket holds about a third of the train digits
    train = load_captioned(captioned, "train")
    thick = np.array([v for it in train.items for v in it["values"]["thickness"]])
    low, high = data.thresholds["thickness"]
    assert 0.28 < (thick < low).mean() < 0.39 and 0.28 < (thick >= high).mean() < 0.39


def test_the_measures_see_bold_and_slanted_strokes():
    canvas = np.zeros((64, 64), np.uint8)
    canvas[12:52, 30:33] = 255                    # a thin upright bar
    thin = attr.measure(canvas, "single", ["centre"])
    canvas[12:52, 27:37] = 255                    # the same bar, bolder
    bold = attr.measure(canvas, "single", ["centre"])
    assert bold["thickness"][0] > thin["thickness"][0] + 1 and abs(thin["slant"][0]) < 0.05
    lean = np.zeros((64, 64), np.uint8)
    for y in range(12, 52):
        x = 40 - (y - 12) // 2                    # the top to the right: leaning right
        lean[y, x:x + 3] = 255
    assert attr.measure(lean, "single", ["centre"])["slant"][0] > 0.3
    assert thin["size"][0] == pytest.approx(40 / 64)


def test_prompts_read_numerals_and_a_corrupt_dataset_json_is_one_line(captioned, tmp_path, capsys):
    assert encode("A  thin 7, left of a bold 2!") == encode("a thin seven left of a bold two")
    with pytest.raises(Exception, match="'77'"):
        encode("a 77")
    broken = tmp_path / "broken"
    for name in ("dataset.json", "SHA256SUMS", "vocab.json"):
        (broken / name).parent.mkdir(exist_ok=True)
        (broken / name).write_bytes((captioned / name).read_bytes())
    (broken / "dataset.json").write_text('{"format": "ganforge-cap')          # cut short
    err = cli_error(capsys, ["train", "stackgan", "--data", str(broken), "--steps", "1", "--out", str(tmp_path)])
    assert "is not a captioned-digits set" in err and "data build captioned-digits" in err
    err = cli_error(capsys, ["data", "build", "captioned-digits", "--out", str(tmp_path / "d"), "--frames", "16"])
    assert "takes --n and --seed" in err

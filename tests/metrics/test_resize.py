"""`ganforge eval --resize FILTER` (issue "A new user's first hour"): samples of another size than the
reference's are resized to it and the reference takes the same round trip (as clean-fid does); the card
records it, and without --resize another size stays a one-line error suggesting it."""
import json

import numpy as np
import pytest

from ganforge.cli.main import main
from helpers import cli_error
from ganforge.errors import GanforgeError
from ganforge.image.metrics.resize import FILTERS, resize_images
from ganforge.image.metrics.sources import load_images
from ganforge.metrics import Evaluator, evaluate

N = 2000


@pytest.fixture(scope="module")
def digits():
    return load_images("embedded")[0]             # uint8 [10000, 1, 28, 28], the MNIST test split


@pytest.fixture(scope="module")
def upsampled(digits):
    return resize_images(digits[:N], (32, 32), "bicubic")


def write_npz(path, images):
    np.savez(path, images=images.permute(0, 2, 3, 1).numpy())
    return str(path)



def test_another_size_is_refused_without_resize_with_the_suggestion(metrics_cache, upsampled, tmp_path, capsys):
    big = write_npz(tmp_path / "big.npz", upsampled[:50])
    err = cli_error(capsys, ["eval", big, "--ref", "embedded", "--metrics", "fid"])
    assert "32x32 images with 1 channel(s) but reference embedded holds 28x28" in err and "--resize bicubic" in err
    with pytest.raises(GanforgeError, match="--resize bicubic"):
        evaluate(upsampled[:50], ref="embedded", metrics="fid")
    # --resize changes the size, never the channel count
    rgb = write_npz(tmp_path / "rgb.npz", upsampled[:50].expand(-1, 3, -1, -1))
    err = cli_error(capsys, ["eval", rgb, "--ref", "embedded", "--metrics", "fid", "--resize", "bicubic"])
    assert "with 3 channel(s) but reference" in err and "channel count" in err


def test_both_sides_take_the_round_trip_and_score_near_the_real_data_floor(metrics_cache, digits, upsampled):
    plain = Evaluator("embedded")
    floor = plain.score(digits[:N], "fid", source="real 28x28").values["fid"]
    # resizing only the samples (32 -> 28) against the untouched reference: the filter's artefacts dominate
    one_side = plain.score(resize_images(upsampled, (28, 28), "bicubic"), "fid", source="one side").values["fid"]
    both = evaluate(upsampled, ref="embedded", metrics="fid", num_samples=N, resize="bicubic").values["fid"]
    assert both < 1.2 * floor + 1                       # measured: floor 10.7, both sides 9.5, one side 46.1
    assert one_side > 4 * both and one_side - both > 20
    # the round-tripped reference is cached under its own key: the plain statistics are untouched
    again = Evaluator("embedded", resize="bicubic").score(upsampled, "fid").values["fid"]
    assert again == pytest.approx(both, rel=1e-9)
    assert plain.score(digits[:N], "fid").values["fid"] == pytest.approx(floor, rel=1e-9)


def test_the_card_records_the_resize_and_differing_resizes_are_never_compared(metrics_cache, digits, upsampled,
                                                                              tmp_path, capsys):
    bicubic = Evaluator("embedded", resize="bicubic")
    a = bicubic.score(upsampled[:500], "fid", source="a")
    assert a.card.resize.startswith("bicubic 32x32 -> 28x28, reference round trip 28x28 -> 32x32 -> 28x28 (PIL")
    assert "resize:     bicubic 32x32 -> 28x28" in str(a)
    assert set(a.compare(bicubic.score(upsampled[500:1000], "fid", source="b"))) == {"fid"}
    # samples of the reference's size are not resized: the plain card, comparable with a plain evaluation
    same = bicubic.score(digits[:500], "fid", source="same size")
    plain = Evaluator("embedded").score(digits[500:1000], "fid", source="plain")
    assert same.card == plain.card and "bicubic" not in plain.card.resize
    with pytest.raises(GanforgeError, match="resize is"):
        a.compare(plain)
    b = Evaluator("embedded", resize="bilinear").score(upsampled[:500], "fid", source="bilinear")
    with pytest.raises(GanforgeError, match="resize is 'bicubic 32x32.* vs 'bilinear 32x32"):
        a.compare(b)
    c = bicubic.score(resize_images(digits[:500], (36, 36), "bicubic"), "fid", source="36x36")
    with pytest.raises(GanforgeError, match="resize is"):
        a.compare(c)
    # the command line: --out keeps the card, --compare refuses another resize; --floor takes the same path
    fake = write_npz(tmp_path / "fake.npz", upsampled[:500])
    out = tmp_path / "score.json"
    assert main(["eval", fake, "--ref", "embedded", "--metrics", "fid", "--n", "500", "--resize", "bicubic",
                 "--floor", "embedded", "--out", str(out)]) == 0
    saved = json.loads(out.read_text())
    assert saved["card"] == a.card.to_dict() and saved["floor"]["card"] == saved["card"]
    assert saved["values"]["fid"] == pytest.approx(a.values["fid"], rel=1e-9)
    capsys.readouterr()
    assert "resize is" in cli_error(capsys, ["eval", fake, "--ref", "embedded", "--metrics", "fid", "--n", "500",
                                             "--resize", "lanczos", "--compare", str(out)])


def test_an_unknown_filter_is_a_one_line_error_listing_the_filters(metrics_cache, upsampled, tmp_path, capsys):
    fake = write_npz(tmp_path / "fake.npz", upsampled[:50])
    err = cli_error(capsys, ["eval", fake, "--ref", "embedded", "--metrics", "fid", "--resize", "cubic"])
    assert "unknown resize filter 'cubic'" in err and all(name in err for name in FILTERS)
    with pytest.raises(GanforgeError, match="unknown resize filter 'cubic'; choose one of bicubic, bilinear"):
        evaluate(upsampled[:50], ref="embedded", metrics="fid", resize="cubic")
    assert all(name in _help(capsys) for name in ("--resize", "bicubic", "lanczos", "round trip"))


def _help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    return " ".join(capsys.readouterr().out.split())

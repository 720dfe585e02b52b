"""``ganforge dissect``: the report of a tiny conditional DCGAN, and one-line errors for every bad input."""
import json

import pytest
from studio_helpers import write_text_run

from ganforge.cli.main import main

TINY = ["--steps", "2", "--set", "model.width=4", "--set", "data.limit=64", "--set", "train.batch_size=8", "--quiet"]
FAST = ["--samples", "40", "--study-samples", "20", "--units", "2", "--draws", "2", "--quiet"]
CONCEPTS = ["loop", "junction"]


def fails(capsys, argv, *phrases):
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), err
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    assert main(["train", "dcgan", "--conditional", "--out", str(out), "--name", "dcgan", *TINY]) == 0
    assert main(["train", "mlp", "--out", str(out), "--name", "mlp", *TINY]) == 0
    write_text_run(out, "text")
    return out


def test_dissect_writes_a_self_contained_report(runs, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["dissect", str(runs / "dcgan"), "--out", str(out), "--concepts", ",".join(CONCEPTS), *FAST]) == 0
    data = json.loads((out / "dissection.json").read_text())
    assert set(data["layers"]) == {"project.3", "blocks.2"} and data["samples"] == 40
    assert data["info"]["conditional"] is True
    for layer in data["layers"].values():
        assert list(layer["top_units"]) == CONCEPTS
        top = list(layer["top_units"].values())
        assert all(len(units) == min(5, layer["units"]) and 0 <= units[0]["iou"] <= 1 for units in top)
    assert [s["concept"] for s in data["ablation"]] == CONCEPTS and len(data["ablation"][0]["random"]) == 2
    assert [s["concept"] for s in data["insertion"]] == CONCEPTS
    assert data["ablation"][0]["top"]["labels_changed"] is not None      # the MNIST classifier read the digits
    page = (out / "index.html").read_text()
    assert "<h2>Ablation</h2>" in page and "data:image/png;base64," in page and 'src="ablation.png"' not in page
    assert (out / "ablation.png").stat().st_size > 1000 and (out / "ablation-loop.png").is_file()


def test_list_shows_layers_and_segmenters(runs, capsys):
    assert main(["dissect", str(runs / "dcgan"), "--out", "unused", "--list"]) == 0
    text = capsys.readouterr().out
    assert "* blocks.2 (ReLU, 4 units at 14x14)" in text and "digit-strokes: loop, stroke_end" in text


def test_bad_inputs_are_one_line_errors(runs, tmp_path, capsys):
    out = str(tmp_path / "r")
    fails(capsys, ["dissect", str(runs / "mlp"), "--out", out], "no convolutional feature maps", "dcgan")
    fails(capsys, ["dissect", str(runs / "text"), "--out", out], "is a text run", "image runs")
    fails(capsys, ["dissect", str(tmp_path / "nothing"), "--out", out], "no run or checkpoint")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--concepts", "lop"], "did you mean 'loop'")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--layers", ""], "empty name")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--layers", "blocks.2,"], "empty name")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--layers", "head"], "not a feature map",
          "blocks.2")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--segmenter", "digits"],
          "unknown concept segmenter")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--quantile", "0"], "quantile")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--quantile", "nan"], "quantile")
    fails(capsys, ["dissect", str(runs / "dcgan"), "--out", out, "--plugin", "missing.py"], "no plugin file")
    assert not (tmp_path / "r").exists()


def test_a_plugin_registers_a_segmenter(runs, tmp_path, capsys):
    plugin = tmp_path / "edges.py"
    plugin.write_text("from ganforge.image.dissect.concepts import register_segmenter\n"
                      "@register_segmenter('test-left', concepts=('left',))\n"
                      "def left(images):\n    m = images[:, 0] * 0 > 1\n    m[:, :, :14] = True\n"
                      "    return {'left': m}\n")
    out = tmp_path / "report"
    try:
        assert main(["dissect", str(runs / "dcgan"), "--out", str(out), "--plugin", str(plugin), "--segmenter",
                     "test-left", "--layers", "blocks.2", "--no-insertion", *FAST, "--draws", "1"]) == 0
    finally:
        from ganforge.image.dissect.concepts import SEGMENTERS

        SEGMENTERS.unregister("test-left")
    data = json.loads((out / "dissection.json").read_text())
    assert data["concepts"] == ["left"] and data["concept_area"]["left"] == 0.5 and data["insertion"] == []

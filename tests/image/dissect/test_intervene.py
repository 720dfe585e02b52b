"""Ablation and insertion on a generator whose units are known (see conftest.py): switching the ring unit off
removes the loops, switching a bar unit off does not; switching it on in a region draws the ring there."""
import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.image.dissect.concepts import get_segmenter
from ganforge.image.dissect.intervene import Baseline, LabelReader, ablate, insert, unit_study
from ganforge.image.dissect.units import dissect, pick_layers, probe

CONCEPTS = ["loop", "vertical_bar", "horizontal_bar"]


@pytest.fixture
def setup(toy):
    seg = get_segmenter(None, 1)
    layers = pick_layers(*probe(toy.generator, 4, 0), None, "toy")
    d = dissect(toy, seg, CONCEPTS, layers, samples=64, quantile=0.05)
    return d, Baseline(toy, seg, CONCEPTS, samples=48, seed=3)


def test_ablating_the_loop_unit_removes_loops_and_a_bar_unit_does_not(setup):
    d, base = setup
    loops = base.measure([]).before["loop"]["present"]
    assert 0.25 < loops < 0.75                          # z_0 > 0 in about half the samples
    off = base.measure([ablate("act", [0])])
    assert off.after["loop"]["present"] == 0 and off.change("loop") == -1.0
    assert off.after["vertical_bar"] == off.before["vertical_bar"]
    bar_off = base.measure([ablate("act", [1])])
    assert bar_off.after["loop"] == bar_off.before["loop"]
    assert bar_off.after["vertical_bar"]["present"] < 0.5 * bar_off.before["vertical_bar"]["present"]


def test_the_study_compares_the_top_units_with_random_ones(setup):
    d, base = setup
    study = unit_study(base, d, "loop", "ablate", units=1, draws=3, seed=0)
    assert study["layer"] == "act" and study["units"] == [0]
    assert study["top"]["presence_change"] == -1.0
    for r in study["random"]:
        assert r["presence_change"] == (-1.0 if r["units"] == [0] else 0.0)
    with pytest.raises(GanforgeError, match="cannot switch 5 units"):
        unit_study(base, d, "loop", "ablate", units=5, draws=0)
    with pytest.raises(GanforgeError, match="unknown concept"):
        unit_study(base, d, "sky", "ablate", units=1, draws=0)


def test_ablation_in_a_region_leaves_the_rest(setup):
    d, base = setup
    top = torch.zeros(28, 28)
    top[:14] = 1.0                                     # the upper half of the vertical bar (rows 4-23) goes
    effect = base.measure([ablate("act", [1], region=top)])
    bar = effect.before["vertical_bar"]["area"]
    assert 0.2 * bar < effect.after["vertical_bar"]["area"] < 0.8 * bar
    assert effect.after["loop"] == effect.before["loop"]


def test_insertion_draws_the_ring_where_it_is_painted_and_nowhere_else(setup, toy):
    d, base = setup
    assert d.layers["act"].on_values[0] > d.layers["act"].thresholds[0] > 0
    ring = toy.generator.templates[0].repeat_interleave(2, 0).repeat_interleave(2, 1)   # a brush stroke: the ring
    on = base.measure([insert(d, "act", [0], region=ring)])
    assert on.before["loop"]["present"] < 0.75 and on.after["loop"]["present"] == 1.0
    region = torch.zeros(28, 28)
    region[:, 18:] = 1.0
    right = base.measure([insert(d, "act", [0], region=region)])
    changed = (right.images != base.images).any(0)[0]
    assert changed[:, 18:].any() and not changed[:, :18].any()
    assert right.after["loop"] == right.before["loop"]


def test_the_label_reader_reads_digits_only():
    reader = LabelReader()
    assert reader(torch.zeros(2, 3, 28, 28, dtype=torch.uint8)) is None
    assert LabelReader.for_data("folder")(torch.zeros(2, 1, 28, 28, dtype=torch.uint8)) is None
    assert LabelReader.for_data("mnist:test")(torch.zeros(2, 1, 28, 28, dtype=torch.uint8)).shape == (2,)

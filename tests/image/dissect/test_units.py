"""Unit thresholds and unit-concept IoU against hand-computed values; finding a generator's layers."""
import numpy as np
import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.image.dissect.concepts import get_segmenter
from ganforge.image.dissect.units import dissect, iou_table, pick_layers, probe, unit_quantiles
from ganforge.image.models import create_model


def test_iou_and_on_value_match_a_hand_computed_example():
    maps = torch.tensor([[[[3.0, 0.0], [0.0, 0.0]]], [[[2.0, 2.0], [0.0, 1.0]]]])   # [N=2, U=1, 2, 2]
    masks = np.array([[[[1, 0], [0, 1]]], [[[0, 1], [0, 0]]]], bool)                # [N=2, K=1, 2, 2]
    iou, on = iou_table(maps, torch.tensor([1.5]), masks)
    # fired: {(0,0)} and {(0,0), (0,1)}; intersection 1 + 1, union 2 + 2 -> 0.5; mean above threshold (3+2+2)/3
    assert iou.item() == pytest.approx(0.5)
    assert on.item() == pytest.approx(7 / 3)


def test_maps_are_upsampled_to_the_image_before_thresholding():
    maps = torch.tensor([[[[4.0, 0.0], [0.0, 0.0]]]])                                # 2x2 map, 4x4 image
    masks = np.zeros((1, 1, 4, 4), bool)
    masks[0, 0, :2, :2] = True
    iou, _ = iou_table(maps, torch.tensor([1.0]), masks)
    # bilinear (align_corners=False): 4, 3 / 3, 2.25 in the top-left 2x2; (0, 2) and (2, 0) are 1, not above it
    assert iou.item() == pytest.approx(4 / 4)


def test_unit_quantiles_are_per_unit_top_shares():
    maps = torch.stack([torch.arange(100.0), -torch.arange(100.0)]).reshape(2, 1, 10, 10).transpose(0, 1)
    t = unit_quantiles(maps.reshape(1, 2, 10, 10), 0.1)
    assert t.tolist() == pytest.approx([89.1, -9.9])   # linear interpolation at rank 0.9 * 99


def test_probe_finds_the_dcgan_feature_maps_and_refuses_the_mlp():
    g = create_model("dcgan", width=8, num_classes=10).generator.eval()
    every, default = probe(g, 100, 10)
    assert [layer.name for layer in default] == ["project.3", "blocks.2"]
    assert {layer.name: (layer.channels, layer.size) for layer in default} == {"project.3": (16, (7, 7)),
                                                                                 "blocks.2": (8, (14, 14))}
    assert "blocks.0" in [layer.name for layer in every] and "blocks.4" not in [layer.name for layer in every]
    with pytest.raises(GanforgeError, match="layer 'blocks.9' is not a feature map"):
        pick_layers(every, default, ["blocks.9"], "dcgan")
    with pytest.raises(GanforgeError, match="empty layer name"):
        pick_layers(every, default, [""], "dcgan")
    mlp = create_model("mlp", width=8).generator.eval()
    with pytest.raises(GanforgeError, match="no convolutional feature maps"):
        pick_layers(*probe(mlp, 100, 0), None, "mlp")


def test_dissection_names_the_unit_that_draws_each_concept(toy):
    seg = get_segmenter(None, 1)
    layers = pick_layers(*probe(toy.generator, 4, 0), None, "toy")
    assert [layer.name for layer in layers] == ["act"]
    d = dissect(toy, seg, ["loop", "vertical_bar", "horizontal_bar"], layers, samples=64, quantile=0.05)
    assert d.top_units("loop", "act", 1)[0][0] == 0
    assert d.top_units("vertical_bar", "act", 1)[0][0] == 1
    assert d.top_units("horizontal_bar", "act", 1)[0][0] == 2
    iou = d.layers["act"].iou
    assert iou[0, 0] > 0.2 and iou[1, 0] == 0 and iou[3].abs().sum() == 0   # unit 3 never fires
    assert [c for c, _ in d.unit_labels("act")[:3]] == ["loop", "vertical_bar", "horizontal_bar"]
    summary = d.summary(2)
    assert summary["layers"]["act"]["top_units"]["loop"][0]["unit"] == 0 and summary["samples"] == 64

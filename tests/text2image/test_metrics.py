"""R-precision with the shipped matcher and attribute accuracy, on real captioned canvases."""
from __future__ import annotations

import torch

from ganforge.text2image.data.dataset import load_captioned
from ganforge.text2image.metrics.matcher import load_matcher
from ganforge.text2image.metrics.scores import evaluate_images, r_precision


def test_r_precision_is_far_above_chance_for_true_pairs_and_near_it_for_shuffled_ones(captioned):
    test = load_captioned(captioned, "test")
    matcher, meta, _ = load_matcher()
    assert meta["test_r_precision"] > 0.3
    true = r_precision(matcher, test.images, test.tokens, test.tokens)
    shuffled = test.tokens[torch.randperm(len(test), generator=torch.Generator().manual_seed(0))]
    chance = r_precision(matcher, test.images, shuffled, test.tokens)
    assert true > 0.3 and chance < 0.08, (true, chance)


def test_real_canvases_score_high_attribute_accuracy(captioned):
    test = load_captioned(captioned, "test")
    score = evaluate_images(test.images, test.tokens, test.items, test.tokens, test.thresholds, reference=test.name)
    v = score.values
    assert v["attr_thickness"] == v["attr_slant"] == v["attr_size"] == 1.0    # the functions that made the captions
    assert v["attr_digit"] > 0.9 and v["attr_position"] > 0.9 and v["r_precision"] > 0.3
    assert "1 of 100" in score.card.lines()

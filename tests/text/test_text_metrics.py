"""Text metric helpers: the quality-diversity comparison at matched self-BLEU."""
import pytest


def test_quality_at_matched_diversity_interpolates_the_baseline_curve():
    from ganforge.text.metrics import quality_at_matched_diversity

    mle = [{"temperature": 0.8, "self_bleu4": 0.7, "bleu4": 0.35}, {"temperature": 1.0, "self_bleu4": 0.4, "bleu4": 0.25},
           {"temperature": 1.2, "self_bleu4": 0.2, "bleu4": 0.15}]
    gan = [{"temperature": 1.0, "self_bleu4": 0.5, "bleu4": 0.30}, {"temperature": 0.7, "self_bleu4": 0.9, "bleu4": 0.4}]
    rows = quality_at_matched_diversity(mle, gan)
    assert rows[0]["baseline_bleu4"] == pytest.approx(0.25 + (0.1 / 0.3) * 0.10)
    assert rows[0]["gain"] == pytest.approx(0.30 - rows[0]["baseline_bleu4"])
    assert rows[1]["baseline_bleu4"] is None and rows[1]["gain"] is None   # less diverse than any MLE point

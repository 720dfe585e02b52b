"""HYPE-infinity against independent computations: counts by hand, numpy's bootstrap written out, scipy's bootstrap."""
import numpy as np
import pytest
from scipy import stats

from ganforge.rating.stats import hype_infinity


def responses(rng, n, p_correct):
    return rng.random(n) < p_correct


def test_the_score_is_the_balanced_error_rate_counted_by_hand():
    generated = [True] * 14 + [False] * 6      # 6 of 20 generated items taken for real
    real = [True] * 17 + [False] * 3           # 3 of 20 real items taken for generated
    s = hype_infinity(generated, real, resamples=500)
    assert s.fake_as_real == pytest.approx(6 / 20) and s.real_as_fake == pytest.approx(3 / 20)
    assert s.hype == pytest.approx((6 + 3) / 40)   # balanced: the plain error rate over all 40 answers
    assert (s.n_generated, s.n_real) == (20, 20)
    assert s.low <= s.hype <= s.high


def test_an_unbalanced_group_is_weighted_as_a_balanced_stream():
    s = hype_infinity([False] * 10, [True] * 30, resamples=200)   # every generated item fooled, no real one missed
    assert s.hype == pytest.approx(0.5)        # not 10/40: each stratum weighs one half


def test_the_interval_matches_a_bootstrap_written_out_with_numpy():
    rng = np.random.default_rng(3)
    gen, real = responses(rng, 57, 0.7), responses(rng, 43, 0.8)
    s = hype_infinity(gen, real, resamples=3000, seed=11)
    # the same stratified percentile bootstrap, written independently, one resample at a time
    r = np.random.default_rng(11)
    g_idx = r.integers(0, len(gen), (3000, len(gen)))
    r_idx = r.integers(0, len(real), (3000, len(real)))
    by_hand = [((1 - gen[gi].mean()) + (1 - real[ri].mean())) / 2 for gi, ri in zip(g_idx, r_idx)]
    assert s.low == pytest.approx(np.percentile(by_hand, 2.5))
    assert s.high == pytest.approx(np.percentile(by_hand, 97.5))


def test_the_interval_agrees_with_scipy_bootstrap():
    rng = np.random.default_rng(5)
    gen, real = responses(rng, 80, 0.72), responses(rng, 80, 0.85)
    s = hype_infinity(gen, real, resamples=20000, seed=1)
    ref = stats.bootstrap(((1 - gen).astype(float), (1 - real).astype(float)),
                          lambda a, b, axis: (a.mean(axis) + b.mean(axis)) / 2, paired=False, vectorized=True,
                          n_resamples=20000, method="percentile", random_state=np.random.default_rng(2))
    assert s.low == pytest.approx(ref.confidence_interval.low, abs=0.01)
    assert s.high == pytest.approx(ref.confidence_interval.high, abs=0.01)
    assert s.high - s.low > 0.05            # 160 answers leave real uncertainty


def test_perfect_raters_score_zero_with_a_zero_width_interval_and_chance_is_half():
    s = hype_infinity([True] * 20, [True] * 20, resamples=100)
    assert (s.hype, s.low, s.high) == (0.0, 0.0, 0.0)
    rng = np.random.default_rng(0)
    chance = hype_infinity(responses(rng, 4000, 0.5), responses(rng, 4000, 0.5), resamples=300)
    assert chance.low < 0.5 < chance.high


def test_the_interval_is_reproducible_and_needs_both_kinds():
    a = hype_infinity([True, False, True], [True, True, False], seed=4)
    assert a == hype_infinity([True, False, True], [True, True, False], seed=4)
    with pytest.raises(ValueError, match="both generated and real"):
        hype_infinity([], [True])

"""Metric formulas against independent references: FID (float64 + scipy sqrtm), KID (brute-force
unbiased MMD), IS (direct formula), precision/recall and density/coverage (brute-force k-NN)."""
import itertools
import math

import numpy as np
import pytest
import scipy.linalg

from ganforge.errors import GanforgeError
from ganforge.metrics.fid import feature_statistics, frechet_distance, kernel_inception_distance
from ganforge.metrics.inception_score import inception_score
from ganforge.metrics.precision_recall import density_coverage, precision_recall


def features(seed, n=300, d=16, shift=0.0):
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d)) / math.sqrt(d)
    return rng.normal(size=(n, d)) @ mix + shift


def test_fid_equals_float64_scipy_reference():
    a, b = features(0), features(1, shift=0.3)
    mu1, mu2 = a.astype(np.float64).mean(0), b.astype(np.float64).mean(0)
    s1 = (a - mu1).T @ (a - mu1) / (len(a) - 1)
    s2 = (b - mu2).T @ (b - mu2) / (len(b) - 1)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    reference = ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root)
    ours = frechet_distance(*feature_statistics(a), *feature_statistics(b))
    assert reference > 0.5
    assert abs(ours - reference) / reference < 1e-6


def test_fid_of_a_set_with_itself_is_zero():
    a = features(2)
    assert abs(frechet_distance(*feature_statistics(a), *feature_statistics(a))) < 1e-8


def brute_mmd2(x, y):
    d = x.shape[1]
    k = lambda u, v: (np.dot(u, v) / d + 1) ** 3  # noqa: E731
    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_equals_brute_force_unbiased_mmd():
    a, b = features(3, n=40, d=6), features(4, n=40, d=6, shift=0.5)
    mean, std = kernel_inception_distance(a, b, subsets=1, subset_size=40, seed=0)
    assert std == 0.0
    assert mean == pytest.approx(brute_mmd2(a, b), rel=1e-10)
    # several subsets: the mean of brute-force MMDs on the same subsets
    rng = np.random.default_rng(7)
    expect = [brute_mmd2(a[rng.choice(40, 15, replace=False)], b[rng.choice(40, 15, replace=False)])
              for _ in range(4)]
    mean, std = kernel_inception_distance(a, b, subsets=4, subset_size=15, seed=7)
    assert mean == pytest.approx(np.mean(expect), rel=1e-10) and std == pytest.approx(np.std(expect), rel=1e-9)


def test_kid_subset_larger_than_samples_is_a_clear_error():
    with pytest.raises(GanforgeError, match="subset size 50 exceeds the sample count"):
        kernel_inception_distance(features(0, n=30), features(1, n=40), subset_size=50)


def test_inception_score_equals_direct_formula():
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(100, 10)) * 2
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    scores = []
    for part in (p[:50], p[50:]):
        py = part.mean(0)
        kl = [sum(row[c] * math.log(row[c] / py[c]) for c in range(10)) for row in part]
        scores.append(math.exp(sum(kl) / len(kl)))
    mean, std = inception_score(p, splits=2)
    assert mean == pytest.approx(np.mean(scores), rel=1e-12) and std == pytest.approx(np.std(scores), rel=1e-9)
    # one-hot, uniform over K classes: IS = K; a single class: IS = 1
    assert inception_score(np.eye(10)[np.arange(100) % 10], splits=1)[0] == pytest.approx(10.0)
    assert inception_score(np.eye(10)[np.zeros(100, int)], splits=1)[0] == pytest.approx(1.0)


def brute_radii(x, k):
    return np.array([sorted(np.linalg.norm(x - x[i], axis=1))[k] for i in range(len(x))])


def test_precision_recall_density_coverage_equal_brute_force_knn():
    real, fake = features(8, n=60, d=5), features(9, n=50, d=5, shift=0.4)
    rr, fr = brute_radii(real, 3), brute_radii(fake, 3)
    precision = np.mean([any(np.linalg.norm(f - r) <= rr[i] for i, r in enumerate(real)) for f in fake])
    recall = np.mean([any(np.linalg.norm(r - f) <= fr[j] for j, f in enumerate(fake)) for r in real])
    got = precision_recall(real, fake, k=3)
    assert got["precision"] == pytest.approx(precision) and got["recall"] == pytest.approx(recall)
    assert 0 < precision < 1 and 0 < recall < 1
    rr5 = brute_radii(real, 5)
    density = sum(np.linalg.norm(f - r) <= rr5[i] for f, (i, r) in itertools.product(fake, enumerate(real))) / (5 * 50)
    coverage = np.mean([min(np.linalg.norm(fake - r, axis=1)) <= rr5[i] for i, r in enumerate(real)])
    got = density_coverage(real, fake, k=5)
    assert got["density"] == pytest.approx(density) and got["coverage"] == pytest.approx(coverage)


def test_too_few_samples_for_knn_is_a_clear_error():
    with pytest.raises(GanforgeError, match="need more than 3 samples"):
        precision_recall(features(0, n=3), features(1, n=10), k=3)

"""Mode-coverage measures: histogram modes/KL, 2D mixture quality, Stacked MNIST data and mode counting."""
import math

import numpy as np
import pytest
import torch

from ganforge.image.data import load_split
from ganforge.image.data.stacked import stack_digits
from ganforge.metrics.features import create_extractor
from ganforge.toy2d.data import make_toy_data
from ganforge.toy2d.metrics import mixture_quality
from ganforge.toy2d.mixtures import MixtureRun, train_mixture
from ganforge.image.metrics.stacked_mnist import stacked_modes
from ganforge.metrics.coverage import histogram_coverage


def test_histogram_coverage_equals_direct_kl():
    counts = np.array([5, 0, 3, 2])
    p = counts / 10
    kl = sum(q * math.log(q * 4) for q in p if q > 0)
    got = histogram_coverage(counts)
    assert got["modes"] == 3 and got["kl"] == pytest.approx(kl)
    assert histogram_coverage(np.full(1000, 26))["kl"] == pytest.approx(0.0, abs=1e-12)


def test_mixture_quality_counts_modes_and_high_quality_samples():
    mix = make_toy_data("grid25")
    g = torch.Generator().manual_seed(0)
    good = mix.sample(2500, g).numpy()
    q = mixture_quality(good, mix)
    assert q["modes"] == 25 and q["high_quality"] > 0.98
    one_mode = np.repeat(mix.centers[:1].numpy(), 2500, 0)
    q = mixture_quality(one_mode, mix)
    assert q["modes"] == 1 and q["high_quality"] == 1.0 and q["kl"] == pytest.approx(math.log(25))
    between = (mix.centers[:1].numpy() + np.array([[1.0, 1.0]])).repeat(100, 0)
    assert mixture_quality(between, mix)["high_quality"] == 0.0
    assert len(make_toy_data("ring8").centers) == 8


def test_2d_training_is_seeded_and_moves_samples_towards_the_modes():
    untrained = train_mixture(MixtureRun(mixture="ring8", steps=0, hidden=64, seed=0), quiet=True)
    trained = train_mixture(MixtureRun(mixture="ring8", steps=300, batch_size=128, hidden=64, seed=0), quiet=True)
    assert trained["mean_distance"] < 0.75 * untrained["mean_distance"]
    short = MixtureRun(mixture="ring8", steps=20, batch_size=64, hidden=32, seed=1)
    a, b = train_mixture(short, quiet=True), train_mixture(short, quiet=True)
    assert {k: v for k, v in a.items() if k != "seconds"} == {k: v for k, v in b.items() if k != "seconds"}


def test_stacked_mnist_labels_and_mode_counting(metrics_cache):
    digits = load_split("embedded")
    stacked = stack_digits(digits, 300, seed=1)
    assert stacked.images.shape == (300, 3, 28, 28) and stacked.num_classes == 1000
    r, gch, b = (stacked.labels // 100, stacked.labels // 10 % 10, stacked.labels % 10)
    # each channel is an MNIST digit of the label's class
    classifier = create_extractor("mnist-classifier")
    modes = stacked_modes(stacked.images, classifier)
    agree = (modes == stacked.labels.numpy()).mean()
    per_digit = np.mean([(classifier.extract(stacked.images[:, c:c + 1])[1].argmax(1) == lab.numpy()).mean()
                         for c, lab in enumerate((r, gch, b))])
    assert per_digit > 0.8
    assert agree == pytest.approx(np.mean(np.all(np.stack([
        classifier.extract(stacked.images[:, c:c + 1])[1].argmax(1) == lab.numpy() for c, lab in enumerate((r, gch, b))]),
        axis=0)))

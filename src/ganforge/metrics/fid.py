"""Fréchet Inception Distance and Kernel Inception Distance on feature vectors.

FID (Heusel et al. 2017): ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`` with means and
covariances in float64 and the matrix square root from ``scipy.linalg.sqrtm``, exactly the
pytorch-fid / TTUR computation (a tiny diagonal offset is added only when the product is
singular, and a negligible imaginary part from round-off is dropped).

KID (Binkowski et al. 2018): the unbiased estimate of the squared MMD with the cubic polynomial
kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over ``subsets`` random subsets of ``subset_size``
samples of each set; reported as mean and standard deviation over the subsets.
"""
from __future__ import annotations

import warnings
from typing import Dict, Tuple

import numpy as np
from scipy import linalg

from ganforge.errors import GanforgeError
from ganforge.metrics.registry import Metric, MetricInputs, register_metric


def feature_statistics(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean ``[D]`` and covariance ``[D, D]`` (unbiased, N - 1) in float64."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise GanforgeError(f"feature statistics need at least 2 feature vectors, got shape {x.shape}; "
                            "evaluate more samples")
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     eps: float = 1e-6) -> float:
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise GanforgeError(f"feature statistics of different sizes ({mu1.shape} vs {mu2.shape}); both sides "
                            "must use the same feature extractor")
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            warnings.warn(f"FID: matrix square root has an imaginary part {np.max(np.abs(covmean.imag)):.3g}; "
                          "too few samples for the feature dimension?")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased squared MMD between sample sets x ``[m, D]`` and y ``[m, D]`` (polynomial kernel)."""
    m = len(x)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                 - 2.0 * kxy.sum() / (m * m))


def kernel_inception_distance(fake: np.ndarray, real: np.ndarray, subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> Tuple[float, float]:
    """(mean, std) of the unbiased MMD^2 over random subsets drawn without replacement within a subset."""
    n = min(len(fake), len(real))
    if subset_size > n:
        raise GanforgeError(f"KID subset size {subset_size} exceeds the sample count ({len(fake)} generated, "
                            f"{len(real)} reference); lower --kid-subset-size to at most {n} or use more samples")
    if subset_size < 2:
        raise GanforgeError(f"KID subset size must be >= 2 (got {subset_size})")
    rng = np.random.default_rng(seed)
    fake, real = np.asarray(fake, np.float64), np.asarray(real, np.float64)
    values = np.array([mmd2_unbiased(fake[rng.choice(len(fake), subset_size, replace=False)],
                                     real[rng.choice(len(real), subset_size, replace=False)])
                       for _ in range(subsets)])
    return float(values.mean()), float(values.std())


@register_metric("fid")
class FID(Metric):
    """Fréchet distance between Gaussian fits of generated and reference features (lower is better)."""

    needs = ("fake_features", "real_stats")
    lower_is_better = True

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        mu, sigma = feature_statistics(inputs.fake_features)
        return {"fid": frechet_distance(mu, sigma, inputs.real_mean, inputs.real_cov)}


@register_metric("kid")
class KID(Metric):
    """Unbiased MMD^2, cubic polynomial kernel, mean and std over subsets (lower is better)."""

    needs = ("fake_features", "real_features")
    lower_is_better = True

    def check(self, name: str, inputs: MetricInputs) -> None:
        size = int(self.option(inputs, "kid_subset_size", 1000))
        n = min(len(inputs.fake_features), len(inputs.real_features))
        if size > n:
            raise GanforgeError(f"KID subset size {size} exceeds the sample count ({len(inputs.fake_features)} "
                                f"generated, {len(inputs.real_features)} reference); pass --kid-subset-size {n} "
                                "or fewer, or evaluate more samples")

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        mean, std = kernel_inception_distance(inputs.fake_features, inputs.real_features,
                                              int(self.option(inputs, "kid_subsets", 100)),
                                              int(self.option(inputs, "kid_subset_size", 1000)), inputs.seed)
        return {"kid": mean, "kid_std": std}

"""HYPE-infinity (Zhou et al. 2019, "HYPE: A Benchmark for Human eYe Perceptual Evaluation of Generative Models").

People see a balanced, shuffled stream of real and generated items and say "real" or "fake" with no
time limit. HYPE-infinity is their error rate: generated items taken for real plus real items taken
for generated, over all items. 50 % is chance (people cannot tell); StyleGAN on FFHQ scored 27.6 %
with truncation and 19.0 % without.

With a balanced stream the error rate is the mean of the two strata's error rates, and that is what
:func:`hype_infinity` computes, so a comparison of one generated group (one run at one truncation)
against the study's real items stays balanced even when the real items outnumber it. The 95 %
interval is a percentile bootstrap over responses, resampling generated and real responses
separately (stratified), seeded so that the same ratings give the same interval.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Dict, Sequence

import numpy as np

DEFAULT_RESAMPLES = 2000


@dataclass(frozen=True)
class HypeScore:
    hype: float                 # error rate over the balanced stream (0..1); 0.5 = chance
    low: float                  # bootstrap interval
    high: float
    fake_as_real: float         # generated items judged real (the "fooled" rate of generated items)
    real_as_fake: float         # real items judged generated
    n_generated: int            # responses to generated items
    n_real: int                 # responses to real items
    level: float = 0.95
    resamples: int = DEFAULT_RESAMPLES

    def as_dict(self) -> Dict[str, float]:
        return asdict(self)


def hype_infinity(generated_correct: Sequence[bool], real_correct: Sequence[bool],
                  resamples: int = DEFAULT_RESAMPLES, level: float = 0.95, seed: int = 0) -> HypeScore:
    """HYPE-infinity of responses (True = the rater was right) with a stratified percentile bootstrap interval."""
    fake_err = 1.0 - np.asarray(generated_correct, dtype=np.float64).reshape(-1)
    real_err = 1.0 - np.asarray(real_correct, dtype=np.float64).reshape(-1)
    if len(fake_err) == 0 or len(real_err) == 0:
        raise ValueError("HYPE-infinity needs responses to both generated and real items")
    if resamples < 1 or not 0.0 < level < 1.0:
        raise ValueError(f"need resamples >= 1 and 0 < level < 1 (got {resamples}, {level})")
    score = (fake_err.mean() + real_err.mean()) / 2
    rng = np.random.default_rng(seed)
    boots = np.empty(resamples)
    chunk = max(1, 2_000_000 // (len(fake_err) + len(real_err)))   # bounded memory for large studies
    for start in range(0, resamples, chunk):
        b = min(chunk, resamples - start)
        fake_idx = rng.integers(0, len(fake_err), size=(b, len(fake_err)))
        real_idx = rng.integers(0, len(real_err), size=(b, len(real_err)))
        boots[start:start + b] = (fake_err[fake_idx].mean(1) + real_err[real_idx].mean(1)) / 2
    alpha = (1.0 - level) / 2
    low, high = np.quantile(boots, [alpha, 1.0 - alpha])
    return HypeScore(float(score), float(low), float(high), float(fake_err.mean()), float(real_err.mean()),
                     len(fake_err), len(real_err), level, resamples)

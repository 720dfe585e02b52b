"""Fast BLEU / self-BLEU equal NLTK's sentence_bleu and corpus_bleu (smoothing method 1) exactly."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from ganforge.text.bleu import bleu, corpus_bleu, self_bleu

from text_helpers import sentences

nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
SMOOTH = nltk_bleu.SmoothingFunction().method1


def weights(n):
    return tuple(1.0 / n for _ in range(n))


def sample_sets():
    hyps = [s.split() for s in sentences(40, 3)] + [["a"], [], ["zzz", "yyy"], ["a", "man"], ["a", "man"]]
    refs = [s.split() for s in sentences(60, 4)] + [["a", "man"], ["a", "man"]]
    return hyps, refs


def coco_sets():
    root = os.environ.get("GANFORGE_DATA")
    folder = Path(root or "") / "text"
    if not root or not (folder / "image_coco.txt").is_file():
        pytest.skip("GANFORGE_DATA is unset or has no text/image_coco.txt; the synthetic sample test still runs")
    from ganforge.text.data import read_sentences

    rng = random.Random(0)
    return rng.sample(read_sentences(folder / "image_coco.txt"), 25), \
        rng.sample(read_sentences(folder / "image_coco_test.txt"), 200)


@pytest.mark.parametrize("source", [sample_sets, coco_sets])
def test_bleu_equals_nltk_sentence_bleu(source):
    hyps, refs = source()
    ours = bleu(hyps, refs)
    for n in (2, 3, 4, 5):
        ref = sum(nltk_bleu.sentence_bleu(refs, h, weights(n), smoothing_function=SMOOTH) for h in hyps) / len(hyps)
        assert ours[n] == ref, n


@pytest.mark.parametrize("source", [sample_sets, coco_sets])
def test_self_bleu_equals_nltk_leave_one_out(source):
    hyps, _ = source()
    ours = self_bleu(hyps)
    for n in (2, 3, 4, 5):
        ref = sum(nltk_bleu.sentence_bleu(hyps[:i] + hyps[i + 1:], h, weights(n), smoothing_function=SMOOTH)
                  for i, h in enumerate(hyps)) / len(hyps)
        assert ours[n] == ref, n


def test_corpus_bleu_equals_nltk():
    hyps, refs = sample_sets()
    ours = corpus_bleu(hyps, refs)
    for n in (2, 3, 4, 5):
        assert ours[n] == nltk_bleu.corpus_bleu([refs] * len(hyps), hyps, weights(n), smoothing_function=SMOOTH)


def test_bleu_of_references_against_themselves_is_one():
    _, refs = sample_sets()
    assert bleu(refs, refs)[2] == pytest.approx(1.0)  # every reference has >= 2 tokens
    assert self_bleu([["x", "y", "z"], ["p", "q", "r"]])[2] < 0.1

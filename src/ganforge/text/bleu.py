"""Fast BLEU and self-BLEU, equal to NLTK's ``sentence_bleu`` / ``corpus_bleu`` with smoothing method 1.

Text GAN papers (Texygen, RelGAN, LeakGAN) score each generated sentence against the *whole*
test set with NLTK's ``sentence_bleu`` and average; self-BLEU scores each generated sentence
against all the others. Done naively that is 10,000 x 10,000 sentence comparisons (hours). Here
the reference side is reduced once to a table ``n-gram -> largest count in any one reference``
(for self-BLEU: the two largest counts, so that a sentence's own counts can be left out) and the
sorted reference lengths, after which each hypothesis costs a few dictionary look-ups per n-gram.
The arithmetic follows NLTK step by step (integer clipped counts, the same float operations in
the same order, ``math.fsum``), so the scores are equal, not just close; ``tests/text`` checks it.
"""
from __future__ import annotations

import bisect
import math
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

EPSILON = 0.1  # NLTK SmoothingFunction().epsilon, used by method1
Sentence = Sequence[str]


def ngram_counts(tokens: Sentence, n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def closest_length(lengths: List[int], hyp_len: int) -> int:
    """NLTK's closest_ref_length over sorted distinct ``lengths``: nearest, the shorter one on a tie."""
    i = bisect.bisect_left(lengths, hyp_len)
    candidates = lengths[max(0, i - 1):i + 1]
    return min(candidates, key=lambda r: (abs(r - hyp_len), r))


def brevity_penalty(ref_len: int, hyp_len: int) -> float:
    if hyp_len > ref_len:
        return 1
    if hyp_len == 0:
        return 0
    return math.exp(1 - ref_len / hyp_len)


def bleu_from_counts(numerators: Sequence[int], denominators: Sequence[int], hyp_len: int, ref_len: int,
                     order: int) -> float:
    """BLEU-``order`` with uniform weights and smoothing method 1 from clipped counts (NLTK's arithmetic)."""
    if numerators[0] == 0:
        return 0
    weights = tuple(1.0 / order for _ in range(order))
    precisions = [(EPSILON / den) if num == 0 else num / den
                  for num, den in zip(numerators[:order], denominators[:order])]
    s = (w * math.log(p) for w, p in zip(weights, precisions) if p > 0)
    return brevity_penalty(ref_len, hyp_len) * math.exp(math.fsum(s))


class ReferenceTable:
    """The reference side of BLEU, built once: per n-gram the largest count in one reference, and the lengths.

    With ``leave_one_out`` it also keeps the second largest count and each length's multiplicity, so
    that a reference can be scored against all the *other* references (self-BLEU)."""

    def __init__(self, references: Iterable[Sentence], max_n: int = 5, leave_one_out: bool = False):
        self.max_n, self.leave_one_out = max_n, leave_one_out
        self.top: List[Dict[tuple, Tuple[int, int]]] = [dict() for _ in range(max_n)]
        self.length_count: Counter = Counter()
        for ref in references:
            self.length_count[len(ref)] += 1
            for n in range(1, max_n + 1):
                table = self.top[n - 1]
                for gram, c in ngram_counts(ref, n).items():
                    first, second = table.get(gram, (0, 0))
                    if c > first:
                        table[gram] = (c, first)
                    elif c > second:
                        table[gram] = (first, c)
        if not self.length_count:
            raise ValueError("BLEU needs at least one reference sentence")
        self.lengths = sorted(self.length_count)

    def score_counts(self, hyp: Sentence, own: bool = False) -> Tuple[List[int], List[int], int, int]:
        """Clipped n-gram matches, n-gram totals, hypothesis length and closest reference length.

        ``own``: the hypothesis is one of the references and is left out of them (self-BLEU)."""
        nums, dens = [], []
        for n in range(1, self.max_n + 1):
            counts = ngram_counts(hyp, n)
            table = self.top[n - 1]
            clipped = 0
            for gram, c in counts.items():
                first, second = table.get(gram, (0, 0))
                best = second if (own and c == first) else first
                clipped += min(c, best)
            nums.append(clipped)
            dens.append(max(1, sum(counts.values())))
        lengths = self.lengths
        if own and self.length_count[len(hyp)] == 1:
            lengths = [x for x in lengths if x != len(hyp)]
        return nums, dens, len(hyp), closest_length(lengths, len(hyp))


def _mean_sentence_bleu(table: ReferenceTable, hypotheses: Sequence[Sentence], orders: Sequence[int],
                        own: bool) -> Dict[int, float]:
    sums = {n: 0.0 for n in orders}
    for hyp in hypotheses:
        nums, dens, hyp_len, ref_len = table.score_counts(hyp, own)
        for n in orders:
            sums[n] += bleu_from_counts(nums, dens, hyp_len, ref_len, n)
    return {n: sums[n] / max(len(hypotheses), 1) for n in orders}


def bleu(hypotheses: Sequence[Sentence], references: Sequence[Sentence], orders: Sequence[int] = (2, 3, 4, 5),
         table: Optional[ReferenceTable] = None) -> Dict[int, float]:
    """Mean over hypotheses of NLTK ``sentence_bleu(references, hyp, uniform weights, method1)`` per order."""
    table = table or ReferenceTable(references, max(orders))
    return _mean_sentence_bleu(table, hypotheses, orders, own=False)


def self_bleu(sentences: Sequence[Sentence], orders: Sequence[int] = (2, 3, 4, 5)) -> Dict[int, float]:
    """Mean over sentences of BLEU against all the other sentences (higher = less diverse)."""
    if len(sentences) < 2:
        raise ValueError("self-BLEU needs at least two sentences")
    table = ReferenceTable(sentences, max(orders), leave_one_out=True)
    return _mean_sentence_bleu(table, sentences, orders, own=True)


def corpus_bleu(hypotheses: Sequence[Sentence], references: Sequence[Sentence],
                orders: Sequence[int] = (2, 3, 4, 5)) -> Dict[int, float]:
    """NLTK ``corpus_bleu`` with every hypothesis scored against the same reference set, smoothing method 1."""
    table = ReferenceTable(references, max(orders))
    nums, dens, hyp_total, ref_total = [0] * table.max_n, [0] * table.max_n, 0, 0
    for hyp in hypotheses:
        n_i, d_i, h, r = table.score_counts(hyp)
        nums = [a + b for a, b in zip(nums, n_i)]
        dens = [a + b for a, b in zip(dens, d_i)]
        hyp_total, ref_total = hyp_total + h, ref_total + r
    return {n: bleu_from_counts(nums, dens, hyp_total, ref_total, n) for n in orders}

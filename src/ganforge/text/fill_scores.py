"""MaskGAN's metrics in the metrics registry: unique n-grams, BLEU of filled-in spans, perplexity of the fills.

Registered with ``@register_metric`` like BLEU (:mod:`ganforge.text.scores`), modality ``"text"``:

- ``unique_ngrams``: the share of the generated n-grams that are distinct, ``unique_ngrams2..4``
  (MaskGAN's "% unique n-grams": low = repetitive, mode-collapsed text). With references it also
  gives the same share for as many real sentences (``data_unique_ngrams{n}``: distinct shares
  depend on the number of sentences, so compare at equal count) and the share of the distinct
  generated n-grams that never occur in the references (``novel_ngrams{n}``). Option
  ``ngram_orders`` (default 2, 3, 4).
- ``fill_bleu``: mean BLEU-n of each filled-in span against the span that was masked out (paired:
  ``samples[i]`` against ``references[i]`` only), NLTK's arithmetic (:mod:`ganforge.text.bleu`),
  orders ``bleu_orders`` (default 2, 3), as ``fill_bleu2``, ``fill_bleu3``.
- ``fill_perplexity``: ``exp`` of the mean NLL per filled-in token under a language model (an MLE
  run, option ``language_model``: a :class:`~ganforge.text.sampling.LoadedTextGenerator`), each
  token given the words before it; option ``fill_positions`` lists the filled positions of each
  sentence. Words outside the language model's vocabulary count as its ``<unk>``.

:func:`fill_report` masks held-out sentences the way MaskGAN trains (one contiguous span at the
run's final ``mask_rate``, seeded), lets the run fill them and scores the fills with these metrics.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import torch

from ganforge.errors import GanforgeError
from ganforge.metrics.registry import MetricInputs, compute_metrics, register_metric
from ganforge.text.bleu import ReferenceTable, bleu_from_counts, ngram_counts
from ganforge.text.scores import TextMetric


def ngrams(sentences: Sequence[Sequence[str]], n: int) -> Tuple[int, Set[tuple]]:
    """(number of n-grams, set of distinct n-grams) of tokenised sentences."""
    total, distinct = 0, set()
    for s in sentences:
        grams = ngram_counts(s, n)
        total += sum(grams.values())
        distinct.update(grams)
    return total, distinct


@register_metric("unique_ngrams")
class UniqueNgrams(TextMetric):
    """Share of distinct generated n-grams (higher = more diverse); with references the data's share and novelty."""

    needs = ("samples",)

    def orders(self, inputs: MetricInputs) -> Tuple[int, ...]:
        orders = tuple(int(n) for n in self.option(inputs, "ngram_orders", (2, 3, 4)))
        if not orders or min(orders) < 1:
            raise GanforgeError(f"n-gram orders must be whole numbers >= 1, got {orders}")
        return orders

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        out: Dict[str, float] = {}
        refs = inputs.references
        for n in self.orders(inputs):
            total, distinct = ngrams(inputs.samples, n)
            out[f"unique_ngrams{n}"] = len(distinct) / max(total, 1)
            if refs:
                ref_total, ref_distinct = ngrams(refs[:len(inputs.samples)], n)
                out[f"data_unique_ngrams{n}"] = len(ref_distinct) / max(ref_total, 1)
                seen = ngrams(refs, n)[1]
                out[f"novel_ngrams{n}"] = len(distinct - seen) / max(len(distinct), 1)
        return out


@register_metric("fill_bleu")
class FillBLEU(TextMetric):
    """Mean BLEU-n of each filled-in span against the masked-out span it replaces (higher is better)."""

    prefix = "fill_bleu"

    def orders(self, inputs: MetricInputs) -> Tuple[int, ...]:
        if "bleu_orders" not in inputs.options and "bleu_orders" not in self.options:
            return (2, 3)
        return super().orders(inputs)

    def check(self, name: str, inputs: MetricInputs) -> None:
        super().check(name, inputs)
        if len(inputs.references) != len(inputs.samples):
            raise GanforgeError(f"metric {name} pairs each filled span with its masked-out span: got "
                                f"{len(inputs.samples)} spans and {len(inputs.references)} references")

    def scores(self, inputs: MetricInputs, orders: Sequence[int]) -> Dict[int, float]:
        sums = {n: 0.0 for n in orders}
        for hyp, ref in zip(inputs.samples, inputs.references):
            nums, dens, hyp_len, ref_len = ReferenceTable([ref], max(orders)).score_counts(hyp)
            for n in orders:
                sums[n] += bleu_from_counts(nums, dens, hyp_len, ref_len, n)
        return {n: v / len(inputs.samples) for n, v in sums.items()}


@register_metric("fill_perplexity")
class FillPerplexity(TextMetric):
    """Perplexity of the filled-in tokens under a language model (an MLE run; lower = more fluent)."""

    needs = ("samples",)
    lower_is_better = True

    def check(self, name: str, inputs: MetricInputs) -> None:
        super().check(name, inputs)
        if self.option(inputs, "language_model", None) is None:
            raise GanforgeError(f"metric {name} needs a language model to score the fills: pass --lm MLE_RUN "
                                "(a run of ganforge train mle on the same data)")
        if len(self.option(inputs, "fill_positions", [])) != len(inputs.samples):
            raise GanforgeError(f"metric {name} needs the filled positions of each of the {len(inputs.samples)} "
                                "sentences (option fill_positions)")

    @torch.no_grad()
    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        lm = self.option(inputs, "language_model", None)
        positions = self.option(inputs, "fill_positions", None)
        G = lm.generator
        T = G.seq_len
        rows = torch.full((len(inputs.samples), T), G.pad, dtype=torch.long)
        counted = torch.zeros(len(inputs.samples), T)
        for i, (words, where) in enumerate(zip(inputs.samples, positions)):
            ids = lm.vocab.encode(words) if lm.vocab is not None else [int(w) for w in words]
            ids = ids[:T]
            rows[i, :len(ids)] = torch.tensor(ids, dtype=torch.long)
            if G.eos is not None and len(ids) < T:
                rows[i, len(ids)] = G.eos
            for p in where:
                if p < T:
                    counted[i, p] = 1.0
        total, count = 0.0, float(counted.sum())
        device = G.out.weight.device
        for start in range(0, len(rows), 500):
            x = rows[start:start + 500].to(device)
            logp = torch.log_softmax(G(x).float(), -1).gather(-1, x[..., None])[..., 0].cpu()
            total -= float((logp * counted[start:start + 500]).sum())
        return {"fill_perplexity": math.exp(total / max(count, 1.0))}


def fill_report(g, test: torch.Tensor, n: int, seed: int = 0, lm=None) -> Dict[str, float]:
    """Mask ``n`` held-out sentences as the run trains (one span at its final mask rate), fill them, score the fills."""
    from ganforge.text.models.maskgan import contiguous_mask

    test = test[:n]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        masked = contiguous_mask(test, g.generator.eos, g.model.cfg.mask_rate)
    device = g.generator.out.weight.device
    filled = g.generator.fill(test.to(device), masked.to(device), generator=torch.Generator().manual_seed(seed),
                              words_only=g.vocab is not None).cpu()
    spans: List[List[str]] = []
    truth: List[List[str]] = []
    sentences: List[List[str]] = []
    where: List[List[int]] = []
    for row, real, m in zip(filled, test, masked):
        idx = m.nonzero()[:, 0].tolist()
        spans.append([g.decode(row[i:i + 1]) for i in idx])
        truth.append([g.decode(real[i:i + 1]) for i in idx])
        sentences.append(g.decode(row).split())
        where.append(idx)
    out = compute_metrics(["fill_bleu"], MetricInputs(samples=spans, references=truth))
    if lm is not None:
        options: Dict[str, Any] = {"language_model": lm, "fill_positions": where}
        out.update(compute_metrics(["fill_perplexity"], MetricInputs(samples=sentences, options=options)))
    return out


def ngram_report(sentences: List[List[str]], references: Optional[List[List[str]]]) -> Dict[str, float]:
    return compute_metrics(["unique_ngrams"], MetricInputs(samples=sentences, references=references))

"""The text family's metrics in the metrics registry, and ``ganforge eval HYPS.txt --ref REFS.txt``.

Registered with ``@register_metric`` exactly like FID, with the modality ``"text"`` (they read
the raw tokenised sentences, not features):

- ``bleu``: BLEU-n of each generated sentence against the whole reference set, averaged (the
  text-GAN convention of Texygen / RelGAN: NLTK ``sentence_bleu``), as ``bleu2`` ... ``bleu5``;
- ``self_bleu``: the same of each generated sentence against all the others (lower = more
  diverse), as ``self_bleu2`` ... ``self_bleu5``;
- ``corpus_bleu``: NLTK ``corpus_bleu`` with every sentence scored against the reference set,
  as ``corpus_bleu2`` ... ``corpus_bleu5``.

All use uniform weights and NLTK's smoothing method 1; the fast equal-to-NLTK arithmetic is
:mod:`ganforge.text.bleu`. Options: ``bleu_orders`` (default 2, 3, 4, 5) and, to reuse one
reference side over many calls, ``reference_table`` (a :class:`~ganforge.text.bleu.ReferenceTable`).

A score of text files carries a :class:`TextCard`: the reference file's sha256, the
tokenisation (whitespace), the orders, the smoothing, the numbers of hypotheses and references
and the ganforge version; scores are comparable only when their cards agree.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ganforge.errors import GanforgeError
from ganforge.metrics.evaluate import Score
from ganforge.metrics.protocol import Card
from ganforge.metrics.registry import Metric, MetricInputs, compute_metrics, parse_metric_names, register_metric
from ganforge.text.bleu import ReferenceTable, bleu, corpus_bleu, self_bleu
from ganforge.version import __version__

TEXT = "text"
ORDERS = (2, 3, 4, 5)
TOKENISATION = "whitespace"
SMOOTHING = "NLTK method1 (epsilon 0.1), uniform weights"


class TextMetric(Metric):
    """A metric of tokenised sentences: ``samples`` (and ``references``) are lists of token lists."""

    modality = TEXT
    needs: Tuple[str, ...] = ("samples", "references")
    min_samples = 1
    lower_is_better = False
    prefix = ""

    def orders(self, inputs: MetricInputs) -> Tuple[int, ...]:
        orders = tuple(int(n) for n in self.option(inputs, "bleu_orders", ORDERS))
        if not orders or min(orders) < 1:
            raise GanforgeError(f"BLEU orders must be whole numbers >= 1, got {orders}")
        return orders

    def check(self, name: str, inputs: MetricInputs) -> None:
        super().check(name, inputs)
        self.orders(inputs)
        if "references" in self.needs and not inputs.references and self.option(inputs, "reference_table", None) is None:
            raise GanforgeError(f"metric {name} needs reference sentences; pass --ref REFERENCES.txt "
                                "(one sentence per line)")

    def scores(self, inputs: MetricInputs, orders: Sequence[int]) -> Dict[int, float]:  # pragma: no cover
        raise NotImplementedError

    def compute(self, inputs: MetricInputs) -> Dict[str, float]:
        return {f"{self.prefix}{n}": float(v) for n, v in self.scores(inputs, self.orders(inputs)).items()}


@register_metric("bleu")
class BLEU(TextMetric):
    """Mean BLEU-n of each generated sentence against all references (quality, higher is better)."""

    prefix = "bleu"

    def scores(self, inputs: MetricInputs, orders: Sequence[int]) -> Dict[int, float]:
        return bleu(inputs.samples, inputs.references, orders, table=self.option(inputs, "reference_table", None))


@register_metric("corpus_bleu")
class CorpusBLEU(TextMetric):
    """NLTK corpus_bleu-n of the generated sentences, each against all references (higher is better)."""

    prefix = "corpus_bleu"

    def scores(self, inputs: MetricInputs, orders: Sequence[int]) -> Dict[int, float]:
        return corpus_bleu(inputs.samples, inputs.references, orders)


@register_metric("self_bleu")
class SelfBLEU(TextMetric):
    """Mean BLEU-n of each generated sentence against the others (diversity: lower is more diverse)."""

    needs = ("samples",)
    min_samples = 2
    lower_is_better = True
    prefix = "self_bleu"

    def scores(self, inputs: MetricInputs, orders: Sequence[int]) -> Dict[int, float]:
        return self_bleu(inputs.samples, orders)


def score_sentences(names: Sequence[str], samples: List[List[str]], references: Optional[List[List[str]]] = None,
                    orders: Sequence[int] = ORDERS, table: Optional[ReferenceTable] = None) -> Dict[str, float]:
    """The named text metrics of tokenised sentences, through the registry."""
    options: Dict[str, Any] = {"bleu_orders": tuple(orders)}
    if table is not None:
        options["reference_table"] = table
    return compute_metrics(names, MetricInputs(samples=samples, references=references, options=options))


@dataclass(frozen=True)
class TextCard(Card):
    """What a text score was measured with (the text counterpart of the image ProtocolCard)."""

    kind = "text card"

    num_hypotheses: int
    num_references: int
    reference: str
    reference_sha256: str
    tokenisation: str = TOKENISATION
    orders: Tuple[int, ...] = ORDERS
    smoothing: str = SMOOTHING
    ganforge_version: str = __version__

    def to_dict(self) -> Dict[str, Any]:
        return {**dataclasses.asdict(self), "orders": list(self.orders)}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "TextCard":
        card = super().from_dict(data)
        return dataclasses.replace(card, orders=tuple(card.orders))

    def lines(self) -> str:
        ref = (f"{self.reference} ({self.num_references} sentences, sha256 {self.reference_sha256[:16]})"
               if self.reference else "none")
        return "\n".join([
            f"  hypotheses: {self.num_hypotheses}",
            f"  reference:  {ref}",
            f"  tokenised:  {self.tokenisation}",
            f"  BLEU:       orders {', '.join(map(str, self.orders))}; smoothing {self.smoothing}",
            f"  ganforge:   {self.ganforge_version}"])


def evaluate_text_files(hypotheses: str | Path, references: Optional[str | Path] = None,
                        metrics: Optional[str] = None, n: Optional[int] = None,
                        orders: Sequence[int] = ORDERS) -> Score:
    """Score a file of generated sentences (one per line) against a file of reference sentences."""
    from ganforge.files import file_digest
    from ganforge.text.data import read_sentences

    names = parse_metric_names(metrics or ("bleu,self_bleu" if references else "self_bleu"), (TEXT,),
                               "an evaluation of text")
    if n is not None and n < 1:
        raise GanforgeError(f"--n must be >= 1 (got {n})")
    hyps = read_sentences(hypotheses)[:n]
    refs = read_sentences(references) if references else None
    values = score_sentences(names, hyps, refs, orders)
    card = TextCard(len(hyps), len(refs or []), str(references or ""),
                    file_digest(Path(references), "sha256") if references else "", orders=tuple(orders))
    return Score(values, card, str(hypotheses))


def evaluate_files_command(args) -> int:
    """``ganforge eval HYPS.txt [--ref REFS.txt] [--metrics bleu,self_bleu,corpus_bleu] [--n N] [--out F.json]``."""
    import json

    for flag, value in (("--floor", args.floor), ("--compare", args.compare), ("--save-ref", args.save_ref)):
        if value:
            raise GanforgeError(f"{flag} applies to image evaluations; a text file takes --ref, --metrics, --n, --out")
    score = evaluate_text_files(args.source, args.ref, args.metrics, args.n)
    print(score)
    if args.out:
        Path(args.out).write_text(json.dumps(score.to_dict(), indent=2))
        print(f"wrote {args.out}")
    return 0

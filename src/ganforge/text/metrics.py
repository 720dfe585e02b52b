"""Text GAN metrics: NLL_oracle, NLL_gen, BLEU / self-BLEU of samples, and the quality–diversity curve.

- ``NLL_oracle``: the oracle's NLL per token of generated sequences (synthetic task; quality).
- ``NLL_gen``: the generator's NLL per token of the real test set (coverage: a collapsed
  generator that writes a few good sentences gets a bad NLL_gen).
- BLEU-n of generated sentences against the test set (quality) and self-BLEU-n among them
  (lower = more diverse), see :mod:`ganforge.text.bleu`; registered as metrics in :mod:`ganforge.text.scores`.
- The quality–diversity curve (Caccia et al., "Language GANs Falling Short"): sample at several
  softmax temperatures and plot BLEU against self-BLEU; a GAN only wins if its point lies above
  the MLE model's whole temperature curve, not just above MLE at temperature 1.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from ganforge.text.bleu import ReferenceTable
from ganforge.text.models.nets import LSTMGenerator

ORDERS = (2, 3, 4, 5)
DEFAULT_TEMPERATURES = (0.6, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5)


@torch.no_grad()
def nll_gen(generator: LSTMGenerator, tokens: torch.Tensor, batch_size: int = 1000) -> float:
    """The generator's mean NLL per token (counting each sentence's <eos>) of real sequences."""
    from ganforge.text.models.nets import token_mask

    total, count = 0.0, 0.0
    device = generator.out.weight.device
    for start in range(0, len(tokens), batch_size):
        batch = tokens[start:start + batch_size].to(device)
        total += float(generator.nll(batch, per_sentence=True).sum())
        count += float(token_mask(batch, generator.eos).sum())
    return total / max(count, 1.0)


@torch.no_grad()
def generate(generator: LSTMGenerator, n: int, seed: int, temperature: float = 1.0, top_k: int = 0) -> torch.Tensor:
    return generator.sample(n, temperature=temperature, top_k=top_k, generator=torch.Generator().manual_seed(seed)).cpu()


def nll_of_generated(generator: LSTMGenerator, oracle: LSTMGenerator, n: int, seed: int,
                     temperature: float = 1.0) -> float:
    from ganforge.text.oracle import nll_oracle

    return nll_oracle(oracle, generate(generator, n, seed, temperature))


def bleu_report(sentences: List[List[str]], references: Optional[List[List[str]]],
                table: Optional[ReferenceTable] = None, orders: Sequence[int] = ORDERS) -> Dict[str, float]:
    """BLEU (with references or a reference table) and self-BLEU, through the metric registry (:mod:`.scores`)."""
    from ganforge.text.scores import score_sentences

    names = (["bleu"] if references is not None or table is not None else []) + ["self_bleu"]
    return score_sentences(names, sentences, references, orders, table)


def quality_diversity(generator: LSTMGenerator, decode, n: int, references: Optional[List[List[str]]] = None,
                      oracle: Optional[LSTMGenerator] = None, temperatures: Sequence[float] = DEFAULT_TEMPERATURES,
                      seed: int = 0) -> List[Dict[str, float]]:
    """One row per temperature: BLEU / self-BLEU (text with references) and NLL_oracle (oracle task)."""
    from ganforge.text.oracle import nll_oracle

    table = ReferenceTable(references, max(ORDERS)) if references is not None else None
    rows = []
    for temp in temperatures:
        tokens = generate(generator, n, seed, temperature=temp)
        row: Dict[str, float] = {"temperature": float(temp)}
        sentences = [decode(r).split() for r in tokens]
        row.update(bleu_report(sentences, references, table))
        if oracle is not None:
            row["nll_oracle"] = nll_oracle(oracle, tokens)
        rows.append(row)
    return rows


def markdown_table(rows: List[Dict], columns: Sequence[str], digits: int = 3) -> str:
    def cell(v):
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "-")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def plot_curves(curves: Dict[str, List[Dict[str, float]]], path: str | Path, x: str, y: str,
                title: str = "quality–diversity over softmax temperature") -> Path:
    """One line per model through its temperature points, each point labelled with its temperature."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    for name, rows in curves.items():
        xs, ys = [r[x] for r in rows], [r[y] for r in rows]
        ax.plot(xs, ys, marker="o", label=name)
        for r, xv, yv in zip(rows, xs, ys):
            ax.annotate(f"{r['temperature']:g}", (xv, yv), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(x.replace("_", "-") + ("  (lower = more diverse)" if "self" in x else ""))
    ax.set_ylabel(y.replace("_", "-") + ("  (lower = better)" if "nll" in y else "  (higher = better)"))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def quality_at_matched_diversity(baseline: List[Dict[str, float]], rows: List[Dict[str, float]],
                                 x: str = "self_bleu4", y: str = "bleu4") -> List[Dict[str, float]]:
    """For each of ``rows`` (one model's temperature points), the baseline's ``y`` at the same diversity ``x``.

    The baseline curve (e.g. MLE over temperature) is interpolated linearly in ``x``; points outside its
    range get ``None``. ``gain = y - baseline_y``: positive means the model beats the baseline at equal
    diversity, the comparison "Language GANs Falling Short" asks for.
    """
    curve = sorted((r[x], r[y]) for r in baseline)
    xs, ys = np.array([c[0] for c in curve]), np.array([c[1] for c in curve])
    out = []
    for r in rows:
        inside = xs[0] <= r[x] <= xs[-1]
        base = float(np.interp(r[x], xs, ys)) if inside else None
        out.append({"temperature": r["temperature"], x: r[x], y: r[y], f"baseline_{y}": base,
                    "gain": None if base is None else r[y] - base})
    return out

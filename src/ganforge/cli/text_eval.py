"""``ganforge eval RUN``: evaluate a trained run, dispatched to the run's family (text for now).

Minimal on purpose: the image family's ``ganforge eval`` lives in ``cli/evaluate.py`` on another
branch; when both meet, this dispatch (``family.evaluate(args)``) and these flags fold into it.
"""
from __future__ import annotations

import argparse

from ..errors import GanforgeError


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="evaluate a trained run (text: BLEU, self-BLEU, NLL, temperature curve)")
    p.add_argument("run", help="run folder or checkpoint file")
    p.add_argument("--metrics", help="comma-separated: bleu,self_bleu,nll,curve (default: all)")
    p.add_argument("--n", type=int, default=2000, help="generated sentences to score (default 2000)")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature of the scored samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", help="folder with the run's data (default: the run's config / $GANFORGE_DATA)")
    p.add_argument("--out", help="folder for metrics.json and the curve (default: RUN/eval)")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=evaluate)


def evaluate(args: argparse.Namespace) -> int:
    from .sample import _family

    family = _family(args)
    if family.evaluate is None:
        raise GanforgeError(f"`ganforge eval` does not support {family.name} runs yet")
    return family.evaluate(args)

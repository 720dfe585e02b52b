"""``ganforge models`` / ``ganforge losses``: list what is registered."""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list the registered models")
    p.set_defaults(func=list_models)
    p = sub.add_parser("losses", help="list the registered adversarial losses")
    p.set_defaults(func=list_losses)


def list_models(args) -> int:
    from ganforge.family import all_models

    for name, family in sorted(all_models().items()):
        print(f"{name:16s} {family}")
    return 0


def list_losses(args) -> int:
    from ganforge.losses import LOSSES

    for name in LOSSES.names():
        doc = (LOSSES.get(name).__doc__ or "").strip().splitlines()[0]
        print(f"{name:16s} {doc}")
    return 0

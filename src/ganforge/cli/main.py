"""The ``ganforge`` command: sub-commands for training, sampling, exploring, evaluating and the studio.

Each sub-command lives in its own module with ``add_parser(subparsers)``; user mistakes
(:class:`~ganforge.errors.GanforgeError`) print one line ``error: ...`` and exit non-zero.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from ganforge.version import __version__
from ganforge.errors import GanforgeError

COMMAND_MODULES = ["ganforge.cli.train", "ganforge.cli.sample", "ganforge.cli.info", "ganforge.cli.evaluate",
                   "ganforge.cli.features", "ganforge.cli.studio"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganforge", description="Train, sample, evaluate and explore GANs.")
    parser.add_argument("--version", action="version", version=f"ganforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except GanforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

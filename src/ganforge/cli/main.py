"""The ``ganforge`` command: sub-commands for training, sampling, exploring, evaluating and the studio.

Each sub-command lives in its own module with ``add_parser(subparsers)``; user mistakes
(:class:`~ganforge.errors.GanforgeError`) print one line ``error: ...`` and exit non-zero.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import threading
from typing import List, Optional

from ganforge.version import __version__
from ganforge.errors import GanforgeError

# a write that fails for want of room or rights is the user's disk, not a bug: one line, no traceback
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}

COMMAND_MODULES = ["ganforge.cli.train", "ganforge.cli.sample", "ganforge.cli.info", "ganforge.cli.evaluate",
                   "ganforge.cli.features", "ganforge.cli.studio", "ganforge.cli.translate", "ganforge.cli.rate",
                   "ganforge.cli.control", "ganforge.cli.dissect", "ganforge.cli.data", "ganforge.cli.stylize",
                   "ganforge.cli.verify", "ganforge.cli.detect",
                   "ganforge.cli.project"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganforge", description="Train, sample, evaluate and explore GANs.")
    parser.add_argument("--version", action="version", version=f"ganforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def quiet_write_errors(args: threading.ExceptHookArgs, default=threading.excepthook) -> None:
    """A writer thread (TensorBoard's) that hits a full disk dies quietly: the main thread reports it in one line."""
    if not (isinstance(args.exc_value, OSError) and args.exc_value.errno in WRITE_ERRORS):
        default(args)


def main(argv: Optional[List[str]] = None) -> int:
    threading.excepthook = quiet_write_errors
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    marks = sys.modules.get("ganforge.provenance.mark")
    if marks is not None:   # called again in one process (tests, notebooks): no notes of an earlier command
        marks.take_notes()
    try:
        return int(args.func(args) or 0)
    except GanforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:   # the reader of our output went away (`ganforge verify F | head -1`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error when Python flushes
        return 141
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise
        print(f"error: could not write {exc.filename or 'a file'} ({exc.strerror}); the disk is full or not "
              "writable: free space, then try again (a run resumes with --resume)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def run_or_exit(argv) -> None:
    """Run ``ganforge ARGV`` in this process (scripts, benchmarks, notebooks); a failing command ends the script with
    its one-line error already printed and ``SystemExit`` naming the command and its exit code."""
    code = main([str(a) for a in argv])
    if code:
        raise SystemExit(f"ganforge {' '.join(map(str, argv))} failed with exit code {code}")


if __name__ == "__main__":
    sys.exit(main())

"""``ganforge control RUN pause|resume|step|stop|set KEY=VALUE ...|events``: steer a run while it trains.

Commands go through the run's one control channel (:mod:`ganforge.engine.control`), the same one the
studio's Train page uses; the command waits for the trainer to take it (the event it writes, with the
step it took effect at) and prints it. ``events`` prints every event of the run.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Dict

from ganforge.config import load_config
from ganforge.engine.control import COMMANDS, parse_settings, send, wait_for_event
from ganforge.engine.run_folder import RunFolder
from ganforge.errors import ConfigError, GanforgeError
from ganforge.family import family_named


def add_parser(sub) -> None:
    p = sub.add_parser("control", help="pause, resume, step, stop or change the settings of a training run",
                       description="Steer a run while it trains: pause and resume it, run one step at a time, stop "
                                   "it (a checkpoint is saved) or change settings such as train.lr_g, train.d_steps, "
                                   "loss.r1_weight or train.ema_decay from the next step on. `events` lists what "
                                   "happened, with steps.")
    p.add_argument("run", help="run folder")
    p.add_argument("action", choices=(*COMMANDS, "events"), help="what to do")
    p.add_argument("settings", nargs="*", metavar="KEY=VALUE", help="for set: e.g. train.lr_g=1e-4")
    p.add_argument("--wait", type=float, default=30.0,
                   help="seconds to wait for the trainer to take the command (default 30)")
    p.set_defaults(func=run)


def describe(event: Dict[str, Any]) -> str:
    """One line of an event: ``step 120  set  train.lr_g 0.0002 -> 0.0001  (cli)``."""
    what = event.get("event", "?")
    if what == "set":
        before = event.get("previous") or {}
        detail = ", ".join(f"{k} {before.get(k)} -> {v}" for k, v in (event.get("values") or {}).items())
    elif what == "rejected":
        detail = event.get("error", "")
    else:
        detail = event.get("reason") or event.get("parent") or ""
        if event.get("values"):
            detail += " with " + ", ".join(f"{k}={v}" for k, v in event["values"].items())
    source = f"  ({event['source']})" if event.get("source") else ""
    return f"step {event.get('step', '?'):>7}  {what:<9} {detail}{source}".rstrip()


def run_config(run: RunFolder):
    """The run's typed config (config.yaml, checked by its family's dataclasses)."""
    family = family_named(run.info()["family"])
    return load_config(family.config_class, base=run.config_dict())


def run(args: argparse.Namespace) -> int:
    run_folder = RunFolder(args.run)
    run_folder.info()   # one line for an unknown or broken run
    if args.action == "events":
        rows = run_folder.events_rows()[0]
        if not rows:
            print(f"run {args.run} has no events yet (they start with a training started by this ganforge)")
        for row in rows:
            print(describe(row))
        return 0
    if args.settings and args.action != "set":
        raise GanforgeError(f"{args.action} takes no KEY=VALUE settings; use `ganforge control RUN set KEY=VALUE`")
    if args.wait < 0:
        raise GanforgeError(f"--wait must be >= 0 seconds, got {args.wait}")
    values = parse_settings(args.settings) if args.action == "set" else None
    command_id = send(run_folder, args.action, values, source="cli",
                      config=run_config(run_folder) if values else None)
    event = wait_for_event(run_folder, command_id, args.wait) if args.wait else None
    if event is None:
        print(f"sent {args.action} to {args.run}; the trainer has not taken it yet (it does before its next step)",
              file=sys.stderr)
        return 0 if not args.wait else 1
    if event.get("event") == "rejected":
        raise ConfigError(event.get("error") or "the trainer refused the command")
    print(describe(event))
    return 0

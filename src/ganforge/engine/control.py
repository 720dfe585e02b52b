"""Steering a training run while it trains: one control channel in the run folder, owned by the engine.

Writers (``ganforge control``, the studio) append commands to ``RUN/control.jsonl`` with
:func:`send` (an exclusive lock and an fsync per row, through :class:`RunFolder`); the trainer's
:class:`Controller` checks the file's size once per step (one ``stat``), reads the new rows and
applies them before the step:

- ``pause`` / ``resume``: a paused trainer sleeps (no CPU) and polls every 0.2 s;
- ``step``: one step, then paused;
- ``stop``: a checkpoint is saved and the run ends (resume it with ``ganforge train --resume``);
- ``set`` ``{"train.lr_g": 1e-4, ...}``: settings the run can change mid-run (:meth:`Trainer.steerable`:
  the learning rates, ``train.ema_decay`` and what the family's task reads at each step, e.g.
  ``train.d_steps`` or ``loss.r1_weight``), checked by the run's typed config like ``--set``.

Every command becomes a row of ``events.jsonl`` (with the step it took effect at: before that step
ran), every change a row of ``config_history.jsonl``; ``config.yaml`` always holds the current
settings. A checkpoint records the settings and the ids of the changes it includes, so a resumed run
rolls back to the checkpoint's settings and replays the later changes at their steps: it equals, bit
for bit, the run that was never stopped.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import sys
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set

from ganforge.config import from_dict, parse_overrides
from ganforge.engine.run_folder import RunFolder
from ganforge.errors import ConfigError, GanforgeError

COMMANDS = ("pause", "resume", "step", "stop", "set")
PAUSE_POLL_S = 0.2
Setter = Callable[[Any], None]


class NotTraining(GanforgeError):
    """A command for a run whose training process is not running."""


# ---------------------------------------------------------------------- settings as dotted keys
def flatten(nested: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def parse_settings(pairs: Sequence[str]) -> Dict[str, Any]:
    """``["train.lr_g=1e-4"]`` -> ``{"train.lr_g": 1e-4}`` (values read as YAML, as ``--set`` does)."""
    if not pairs:
        raise ConfigError("set needs KEY=VALUE pairs, e.g. set train.lr_g=1e-4")
    return flatten(parse_overrides(pairs))


def config_value(cfg: Any, key: str) -> Any:
    node = cfg
    for part in key.split("."):
        node = getattr(node, part)
    return node


def set_config_value(cfg: Any, key: str, value: Any) -> None:
    *path, last = key.split(".")
    node = cfg
    for part in path:
        node = getattr(node, part)
    setattr(node, last, value)


def checked_value(cfg: Any, key: str, raw: Any, steerable: Iterable[str]) -> Any:
    """``raw`` as the typed, range-checked value of config key ``key``; a one-line ConfigError when the key is not
    one the run can change mid-run, or the value is of the wrong type, out of range or not finite."""
    steerable = sorted(steerable)
    if key not in steerable:
        raise ConfigError(f"{key!r} cannot change while the run trains; it can change: {', '.join(steerable)}")
    *path, last = key.split(".")
    section = cfg
    for part in path:
        section = getattr(section, part)
    values = {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}
    checked = from_dict(type(section), {**values, last: raw}, prefix=".".join(path) + "." if path else "")
    return getattr(checked, last)


def latest_settings(rows: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """key -> the last value the history set."""
    latest: Dict[str, Any] = {}
    for row in rows:
        latest.update(row.get("values") or {})
    return latest


def effective_history(rows: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The history's changes: each id once (a replay re-writes its row), without changes a later row cancelled."""
    seen: Set[str] = set()
    cancelled = {c for row in rows for c in row.get("cancels") or ()}
    out = []
    for row in rows:
        rid = row.get("id")
        if isinstance(rid, str) and rid not in seen and rid not in cancelled and isinstance(row.get("values"), dict) \
                and isinstance(row.get("step"), int):
            seen.add(rid)
            out.append(row)
    return out


# ---------------------------------------------------------------------- the writers' side
def send(run: RunFolder, command: str, values: Optional[Dict[str, Any]] = None, source: str = "cli",
         config: Any = None) -> str:
    """Append a command for the run's trainer; returns its id. Checks first that the run trains and, for ``set``,
    that every key can change mid-run and every value is valid (against ``config``, the run's typed config)."""
    if command not in COMMANDS:
        raise ConfigError(f"unknown control command {command!r}; use one of {', '.join(COMMANDS)}")
    run.info()
    status = run.status()
    if not status.get("training"):
        raise NotTraining(f"run {run.path} is not training; start it with `ganforge train --resume {run.path}`, "
                          "then control it")
    row: Dict[str, Any] = {"id": secrets.token_hex(6), "command": command, "source": source, "time": time.time()}
    if command == "set":
        if not values:
            raise ConfigError("set needs KEY=VALUE pairs, e.g. set train.lr_g=1e-4")
        steerable = status.get("steerable") or []
        row["values"] = {k: checked_value(config, k, v, steerable) if config is not None else v
                         for k, v in values.items()}
    run.append_control(row)
    return row["id"]


def wait_for_event(run: RunFolder, command_id: str, timeout: float) -> Optional[Dict[str, Any]]:
    """The event the trainer wrote for command ``command_id``, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    since = 0
    while True:
        rows, _, since = run.events_rows(since)
        for row in rows:
            if row.get("id") == command_id:
                return row
        if time.monotonic() >= deadline or not run.status().get("training"):
            return None
        time.sleep(0.1)


# ---------------------------------------------------------------------- the trainer's side
class Controller:
    """What the trainer does with the control channel; see the module docstring."""

    def __init__(self, trainer):
        self.trainer, self.run = trainer, trainer.run
        self.offset = 0
        self.size = -1
        self.paused = False
        self.steps_left: Optional[int] = None   # "step": steps to run before pausing again
        self.applied: List[str] = []            # ids of the changes the weights have seen
        self.pending: List[Dict[str, Any]] = []  # changes to replay after a resume, by step
        self.paused_for = 0.0
        self.deferred: Optional[tuple] = None   # the user's resume-time change, recorded once the run is held

    # ------------------------------------------------------------------ settings
    def settings(self) -> Dict[str, Any]:
        return {key: config_value(self.trainer.cfg, key) for key in sorted(self.trainer.steerable())}

    def apply(self, values: Dict[str, Any]) -> Dict[str, Any]:
        """Set checked values on the live config and through the setters; returns the previous values."""
        setters, cfg = self.trainer.steerable(), self.trainer.cfg
        previous = {k: config_value(cfg, k) for k in values}
        for key, value in values.items():
            set_config_value(cfg, key, value)
            setters[key](value)
        return previous

    def checked(self, raw: Dict[str, Any]) -> Dict[str, Any]:
        if not isinstance(raw, dict) or not raw:
            raise ConfigError("set needs KEY=VALUE pairs, e.g. set train.lr_g=1e-4")
        steerable = self.trainer.steerable()
        return {k: checked_value(self.trainer.cfg, k, v, steerable) for k, v in raw.items()}

    def restore(self, meta: Dict[str, Any]) -> List[str]:
        """On resume, before the checkpoint is loaded: the checkpoint's settings, and the changes to replay. A key
        the user set to another value than the history's last (``--set`` or an edited config.yaml) keeps the user's
        value and cancels its pending replays. Returns the user's changes, e.g. ``train.lr_g 0.0002 -> 1e-05``."""
        cfg, step = self.trainer.cfg, int(meta["step"])
        steerable = self.trainer.steerable()
        history = effective_history(self.run.history_rows())
        latest = latest_settings(history)
        overridden = {k for k in latest if k in steerable and config_value(cfg, k) != latest[k]}
        saved = meta.get("settings") or {}
        self.applied = [i for i in meta.get("applied") or [] if isinstance(i, str)]
        back = {k: v for k, v in saved.items() if k in latest and k in steerable and k not in overridden
                and config_value(cfg, k) != v}
        if back:
            self.apply(back)
        done = set(self.applied)
        pending = [r for r in history if r["id"] not in done]
        cancels = [r["id"] for r in pending if set(r["values"]) & overridden]
        self.pending = sorted((r for r in pending if r["id"] not in cancels), key=lambda r: r["step"])
        user = {k: config_value(cfg, k) for k in sorted(overridden)}
        previous = {k: saved.get(k, latest[k]) for k in user}
        if user:   # written by open(), once this process holds the run
            rid = secrets.token_hex(6)
            self.deferred = (rid, step, user, previous, "resume", {"cancels": cancels})
            self.applied.append(rid)
        return [f"{k} {previous[k]} -> {v}" for k, v in user.items()]

    def record(self, rid: str, step: int, values: Dict[str, Any], previous: Dict[str, Any], source: str,
               **extra: Any) -> None:
        if not self.trainer.main:
            return
        self.run.append_history({"id": rid, "step": step, "values": values, "previous": previous, "source": source,
                                 **extra})
        self.run.save_config(self.trainer.cfg)
        self.write_status("paused" if self.paused else "running")
        # the event last: a writer waiting for it then finds the config and status already updated
        self.run.append_event({"step": step, "event": "set", "id": rid, "values": values, "previous": previous,
                               "source": source, **extra})

    # ------------------------------------------------------------------ the loop's side
    def open(self, resumed: bool) -> None:
        """At the start of ``fit``: commands written before it are not this process's; say what it is."""
        self.size = self.offset = self.run.control_size()
        if not self.trainer.main:
            return
        if self.deferred:
            *args, extra = self.deferred
            self.record(*args, **extra)
            self.deferred = None
        self.run.append_event({"step": self.trainer.step, "event": "resumed" if resumed else "started",
                               "pid": os.getpid()})
        self.write_status("running")

    def close(self, reason: Optional[str]) -> None:
        if not self.trainer.main:
            return
        state = "stopped" if reason else "finished"
        self.run.append_event({"step": self.trainer.step, "event": state, **({"reason": reason} if reason else {})})
        self.write_status(state)

    def write_status(self, state: str) -> None:
        if self.trainer.main:
            self.run.write_status({"pid": os.getpid(), "state": state, "step": self.trainer.step,
                                   "settings": self.settings(), "steerable": sorted(self.trainer.steerable())})

    def commands(self) -> List[Dict[str, Any]]:
        """New command rows: a stat per call, a read only when the file grew (on rank 0, shared under torchrun)."""
        rows: List[Dict[str, Any]] = []
        if self.trainer.main:
            size = self.run.control_size()
            if size != self.size:
                self.size = size
                rows, self.offset = self.run.read_control(self.offset)
        if self.trainer.world > 1:
            import torch.distributed as dist

            box = [rows]
            dist.broadcast_object_list(box, src=0)
            rows = box[0]
        return rows

    def before_step(self, signals) -> None:
        """Replay due changes, handle new commands; while paused, sleep-poll until resumed, stepped or stopped."""
        t = self.trainer
        if t.world > 1 and t.step % t.cfg.train.log_every:
            return   # under torchrun the processes look at the channel together, once per log interval
        while self.pending and self.pending[0]["step"] <= t.step:
            row = self.pending.pop(0)
            previous = self.apply(row["values"])
            self.record(row["id"], t.step, row["values"], previous, "replay")
            self.applied.append(row["id"])
        for row in self.commands():
            self.handle(row)
        if self.steps_left is not None:
            if self.steps_left > 0:
                self.steps_left -= 1
                return
            self.paused, self.steps_left = True, None
            self.write_status("paused")        # the status first: a writer waiting for the event finds it updated
            self.event("paused", None)
        if not self.paused or t.stop_reason:
            return
        self.write_status("paused")
        start = time.monotonic()
        while self.paused and not t.stop_reason and not signals.reason and self.steps_left is None:
            time.sleep(PAUSE_POLL_S)
            for row in self.commands():
                self.handle(row)
        self.paused_for += time.monotonic() - start
        if self.steps_left is not None:
            self.steps_left -= 1
        if not t.stop_reason:
            self.write_status("running")

    def event(self, name: str, rid: Optional[str], **extra: Any) -> None:
        if self.trainer.main:
            self.run.append_event({"step": self.trainer.step, "event": name, **({"id": rid} if rid else {}), **extra})

    def handle(self, row: Dict[str, Any]) -> None:
        t, rid, command = self.trainer, row.get("id"), row.get("command")
        rid = rid if isinstance(rid, str) else None
        if command == "pause":
            self.paused, self.steps_left = True, None
            self.write_status("paused")        # status before event, as everywhere in this channel
            self.event("paused", rid)
        elif command == "resume":
            self.paused, self.steps_left = False, None
            self.write_status("running")
            self.event("resumed", rid)
        elif command == "step":
            self.steps_left = 1 if self.paused else 0   # paused: run one; running: pause after this one
            self.paused = True
            self.event("step", rid)
        elif command == "stop":
            t.stop_reason = "stopped from the control channel"
            self.event("stop", rid)
        elif command == "set":
            try:
                values = self.checked(row.get("values"))
            except GanforgeError as exc:
                self.event("rejected", rid, error=str(exc))
                return
            rid = rid or secrets.token_hex(6)
            previous = self.apply(values)
            self.record(rid, t.step, values, previous, row.get("source") or "control")
            self.applied.append(rid)
            if t.main and not t.quiet:
                changes = ", ".join(f"{k} {previous[k]} -> {v}" for k, v in values.items())
                print(f"step {t.step}: {changes}", file=sys.stderr, flush=True)
        else:
            self.event("rejected", rid, error=f"unknown control command {command!r}; use one of {', '.join(COMMANDS)}")

"""The run folder: one layout for every family, written and read only through :class:`RunFolder`.

    RUN/
      run.json            {"schema", "family", "model", "ganforge_version", "created", "data"}
      config.yaml         the full resolved config (loadable with --config)
      checkpoints/        step_0000500.safetensors ... (last K kept), best.safetensors (--eval-every)
      samples/            step_0000500.png / .txt / ...: samples from fixed inputs, one file per sample event
      tb/                 TensorBoard event files
      stats.jsonl         {"step", "time", "phase", <scalar>: float, ...}: training statistics per log interval
      metrics.jsonl       {"step", "time", "phase"?, "values": {<metric>: float}, "card"?: {...}, ...}
      eval/               what `ganforge eval` writes
      control.jsonl       commands to the training process (pause, resume, step, stop, set), appended by writers
      events.jsonl        {"step", "time", "event", ...}: what the trainer did with them (and starts, ends)
      config_history.jsonl  {"id", "step", "time", "values", "previous", ...}: every setting changed mid-run
      status.json         {"pid", "state", "step", "settings", "steerable", ...} of the training process
      train.log           the output of a run started from the studio

The full schema, with what each family adds, is in docs/run-folder.md. Rows of ganforge 0.1.0
text runs (metrics at the top level of a metrics row) are read as if written in this schema.

Every file is read through :func:`read_run_file` (or checked by :func:`checked_run_file` before a
library opens it): regular files only, never through a symlink leading out of the run, opened
non-blocking (a FIFO cannot hang the reader) and no larger than a cap (``/dev/zero`` or a huge file
cannot exhaust memory); anything else is an :class:`UnsafeFile` error, an ``OSError``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ganforge.engine.checkpoint import checkpoint_files, checkpoint_path, read_metadata
from ganforge.errors import CheckpointError
from ganforge.files import atomic_write_text
from ganforge.version import __version__

SCHEMA = 1
RUN_FILE = "run.json"
CONFIG_FILE = "config.yaml"
STATS_FILE = "stats.jsonl"
METRICS_FILE = "metrics.jsonl"
BEST_CHECKPOINT = "best.safetensors"
SAMPLE_FILE = re.compile(r"^step_(\d{1,12})\.([a-z0-9]{1,8})$")
CHECKPOINT_FILE = re.compile(r"^step_(\d{1,12})\.safetensors$")
ROW_KEYS = ("step", "time", "phase")
LOCK_FILE = ".lock"
CONTROL_FILE, EVENTS_FILE, HISTORY_FILE, STATUS_FILE, LOG_FILE = (
    "control.jsonl", "events.jsonl", "config_history.jsonl", "status.json", "train.log")
# the most bytes read from one run file: run.json and config.yaml, jsonl rows and samples, checkpoints
SMALL_FILE_LIMIT, ROWS_LIMIT, CHECKPOINT_LIMIT = 4 * 2**20, 64 * 2**20, 16 * 2**30


class RunFolder:
    """A run folder on disk; see the module docstring for the layout."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # ------------------------------------------------------------------ places
    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples_dir(self) -> Path:
        return self.path / "samples"

    @property
    def tb_dir(self) -> Path:
        return self.path / "tb"

    @property
    def eval_dir(self) -> Path:
        return self.path / "eval"

    def checkpoint_path(self, step: int) -> Path:
        return checkpoint_path(self.checkpoints_dir, step)

    @property
    def best_checkpoint(self) -> Path:
        return self.checkpoints_dir / BEST_CHECKPOINT

    def sample_path(self, step: int, suffix: str) -> Path:
        return self.samples_dir / f"step_{step:07d}{suffix}"

    # ------------------------------------------------------------------ creating
    @classmethod
    def create(cls, root: str | Path, prefix: str) -> "RunFolder":
        """A new, empty folder ``root/PREFIX-YYYYmmdd-HHMMSS`` (``-2``, ``-3`` ... when taken)."""
        root = Path(root)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path, n = root / f"{prefix}-{stamp}", 1
        while path.exists():
            n += 1
            path = root / f"{prefix}-{stamp}-{n}"
        path.mkdir(parents=True)
        return cls(path)

    def write_info(self, family: str, model: str, extra: Optional[Dict[str, Any]] = None) -> None:
        """Write run.json; the creation time (and the ``parent`` of a fork) of an existing run is kept."""
        kept: Dict[str, Any] = {}
        if (self.path / RUN_FILE).is_file():
            try:
                old = json.loads((self.path / RUN_FILE).read_text())
                kept = {k: old[k] for k in ("created", "parent") if k in old}
            except (ValueError, OSError, TypeError):
                kept = {}
        info = {"schema": SCHEMA, "family": family, "model": model, "ganforge_version": __version__,
                "created": kept.pop("created", None) or time.strftime("%Y-%m-%dT%H:%M:%S"), **kept, **(extra or {})}
        atomic_write_text(self.path / RUN_FILE, json.dumps(info, indent=2))

    def adopt_checkpoint(self, source: Path, step: int) -> Path:
        """Copy another run's checkpoint in as this run's ``step`` checkpoint (a fork starts from it)."""
        from ganforge.files import atomic_write

        source = checked_run_file(source, Path(source).parent.parent, CHECKPOINT_LIMIT)
        path = self.checkpoint_path(step)
        atomic_write(path, lambda tmp: shutil.copyfile(source, tmp))
        return path

    def save_config(self, cfg: Any) -> None:
        from ganforge.config import to_yaml

        atomic_write_text(self.path / CONFIG_FILE, to_yaml(cfg))

    def append_stats(self, step: int, values: Dict[str, float], phase: Optional[str] = None) -> None:
        self._append(STATS_FILE, {"step": step, "time": time.time(), **({"phase": phase} if phase else {}), **values})

    def append_metrics(self, step: int, values: Dict[str, float], phase: Optional[str] = None,
                       **extra: Any) -> None:
        """One evaluation: ``values`` are the scores; ``extra`` holds e.g. the protocol ``card``."""
        row = {"step": step, "time": time.time(), **({"phase": phase} if phase else {}), "values": values, **extra}
        self._append(METRICS_FILE, row)

    def _append(self, name: str, row: Dict[str, Any]) -> None:
        with open(self.path / name, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")

    # ------------------------------------------------------------------ control (engine/control.py)
    def append_control(self, row: Dict[str, Any]) -> None:
        """One command for the training process: appended under an exclusive lock, then fsync'd, so concurrent
        writers (CLI, studio) never interleave and a command is on disk before the writer reports it sent."""
        import fcntl

        fd = os.open(self.path / CONTROL_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                     0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, (json.dumps(row) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)   # closing releases the lock

    def control_size(self) -> int:
        """The size of control.jsonl (0 when none): the trainer's cheap per-step check for new commands."""
        try:
            return os.stat(self.path / CONTROL_FILE).st_size
        except OSError:
            return 0

    def read_control(self, offset: int) -> Tuple[List[Dict[str, Any]], int]:
        """The complete command rows written after byte ``offset``, and the offset after them."""
        try:
            data = self.read_file(CONTROL_FILE, ROWS_LIMIT)[offset:]
        except OSError:
            return [], offset
        end = data.rfind(b"\n") + 1
        lines = data[:end].decode("utf-8", errors="replace").split("\n")[:-1]
        return list(_objects(lines)), offset + end

    def append_event(self, row: Dict[str, Any]) -> None:
        self._append(EVENTS_FILE, {"time": time.time(), **row})

    def events_rows(self, since: int = 0) -> Tuple[List[Dict[str, Any]], int, int]:
        return read_rows(self.path / EVENTS_FILE, since, self.path)

    def append_history(self, row: Dict[str, Any]) -> None:
        self._append(HISTORY_FILE, {"time": time.time(), **row})

    def history_rows(self) -> List[Dict[str, Any]]:
        return read_rows(self.path / HISTORY_FILE, 0, self.path)[0]

    def write_status(self, status: Dict[str, Any]) -> None:
        atomic_write_text(self.path / STATUS_FILE, json.dumps({"time": time.time(), **status}))

    def status(self) -> Dict[str, Any]:
        """status.json, with ``training``: whether its process is alive and running or paused ({} when none)."""
        try:
            status = json.loads(self.read_file(STATUS_FILE).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(status, dict):
            return {}
        status["training"] = status.get("state") in ("running", "paused") and _alive(status.get("pid"))
        return status

    @property
    def log_path(self) -> Path:
        return self.path / LOG_FILE

    def lock(self) -> "RunLock":
        """Hold this run for one training process; a second one gets a one-line error instead of interleaving."""
        return RunLock(self.path / LOCK_FILE)

    # ------------------------------------------------------------------ reading
    def is_run(self) -> bool:
        return (self.path / RUN_FILE).is_file() and (self.path / CONFIG_FILE).is_file()

    def info(self) -> Dict[str, Any]:
        """run.json, checked; a one-line CheckpointError when this is no run folder or the file is corrupt."""
        if not self.path.is_dir():
            raise CheckpointError(f"run folder {self.path} does not exist; pass a folder made by `ganforge train`")
        if not self.is_run():
            raise CheckpointError(f"{self.path} is not a ganforge run (no {RUN_FILE} or {CONFIG_FILE}); "
                                  "pass a folder made by `ganforge train`")
        try:
            info = json.loads(self.read_file(RUN_FILE).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, OSError):
            info = None
        if not isinstance(info, dict) or not isinstance(info.get("family"), str):
            raise CheckpointError(f"{self.path / RUN_FILE} is corrupt; restore it or start a new run")
        return info

    def read_file(self, name: str | Path, limit: int = SMALL_FILE_LIMIT) -> bytes:
        """The bytes of a file of this run (a name relative to the run, or a path inside it); see :func:`read_run_file`."""
        return read_run_file(self.path / name, self.path, limit)

    def config_dict(self) -> Dict[str, Any]:
        from ganforge.config import read_yaml

        return read_yaml(self.path / CONFIG_FILE)

    def checkpoints(self) -> List[Path]:
        """Step checkpoints, oldest first (``best.safetensors`` and temporary files are not among them)."""
        return checkpoint_files(self.checkpoints_dir)

    def latest_checkpoint(self) -> Optional[Path]:
        """The newest checkpoint that is a regular file inside the run and whose header reads (a truncated newest
        one falls back to the one before)."""
        for path in reversed(self.checkpoints()):
            try:
                read_metadata(checked_run_file(path, self.path, CHECKPOINT_LIMIT))
                return path
            except (OSError, CheckpointError):
                continue
        return None

    def sample_files(self) -> List[Tuple[int, Path]]:
        """(step, file) of every sample file, by step."""
        if not self.samples_dir.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.samples_dir.iterdir() if (m := SAMPLE_FILE.match(p.name))]
        return sorted(found)

    def stats_rows(self, since: int = 0) -> Tuple[List[Dict[str, Any]], int, int]:
        return read_rows(self.path / STATS_FILE, since, self.path)

    def metrics_rows(self, since: int = 0) -> Tuple[List[Dict[str, Any]], int, int]:
        rows, start, count = read_rows(self.path / METRICS_FILE, since, self.path)
        return [normalize_metrics_row(r) for r in rows], start, count


class RunLock:
    """An exclusive advisory lock (flock) on ``RUN/.lock``, released on ``release()`` or when the process ends,
    so a killed run never leaves a stale lock behind."""

    def __init__(self, path: Path):
        import fcntl
        import os

        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(self.fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(self.fd)
            raise CheckpointError(f"run {path.parent} is being trained by {holder}; wait for it to finish or stop it "
                                  "(Ctrl-C saves a checkpoint), then resume") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"process {os.getpid()}".encode(), 0)

    def release(self) -> None:
        import os

        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie (exited, not yet reaped by the studio that started it) is not training
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def normalize_metrics_row(row: Dict[str, Any]) -> Dict[str, Any]:
    """A metrics row in the current schema; 0.1.0 text rows kept their scores at the top level."""
    if isinstance(row.get("values"), dict):
        return row
    values = {k: v for k, v in row.items() if k not in ROW_KEYS and isinstance(v, (int, float))
              and not isinstance(v, bool)}
    rest = {k: v for k, v in row.items() if k in ROW_KEYS or k not in values}
    return {**rest, "values": values}


class UnsafeFile(OSError):
    """A run file that is not read: not a regular file, leading out of its run, or over the size cap."""


def checked_run_file(path: str | Path, root: str | Path, limit: int = SMALL_FILE_LIMIT) -> Path:
    """The real path of ``path`` when it is a regular file of at most ``limit`` bytes inside ``root``."""
    fd, real = _open_inside(Path(path), Path(root), limit)
    os.close(fd)
    return real


def read_run_file(path: str | Path, root: str | Path, limit: int = SMALL_FILE_LIMIT) -> bytes:
    """The bytes of ``path``, a regular file inside the folder ``root`` (symlinks may not lead out of it), of at
    most ``limit`` bytes; opened non-blocking and without following a last symlink, then checked with fstat
    (a FIFO, a device or a file swapped in meanwhile is refused). UnsafeFile (an OSError) otherwise."""
    fd, real = _open_inside(Path(path), Path(root), limit)
    try:
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise UnsafeFile(f"{path} grew over {limit} bytes while read")
    return b"".join(chunks)


def _open_inside(path: Path, root: Path, limit: int) -> Tuple[int, Path]:
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    if top not in real.parents:
        raise UnsafeFile(f"{path} leads out of its folder {root}")
    if not stat.S_ISREG(os.stat(real).st_mode):  # no open() of a device (opening one can have effects)
        raise UnsafeFile(f"{path} is not a regular file")
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    st = os.fstat(fd)
    why = ("is not a regular file" if not stat.S_ISREG(st.st_mode) else
           f"is larger than {limit} bytes" if st.st_size > limit else None)
    if why:
        os.close(fd)
        raise UnsafeFile(f"{path} {why}")
    return fd, real


def read_rows(path: Path, since: int = 0, root: Optional[Path] = None) -> Tuple[List[Dict[str, Any]], int, int]:
    """The JSON rows of a .jsonl file after its first ``since`` complete lines, the line they start at, the count.

    When the file has fewer lines than ``since`` (it was replaced) the rows start again at 0. A
    last line without its newline (being written right now) is left for the next read; a line that
    is not a JSON object is skipped, so one corrupt line cannot hide the rest. The file is read with
    :func:`read_run_file` inside ``root`` (default: its own folder); one that may not be read has no rows.
    """
    try:
        text = read_run_file(path, root or path.parent, ROWS_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return [], 0, 0
    lines = text.split("\n")[:-1]
    since = since if 0 <= since <= len(lines) else 0
    return list(_objects(lines[since:])), since, len(lines)


def _objects(lines: List[str]) -> Iterator[Dict[str, Any]]:
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            yield row


def run_folder_of(target: str | Path) -> RunFolder:
    """The run folder of a run path or of a checkpoint file inside its ``checkpoints/``."""
    target = Path(target)
    if target.is_file():
        parent = target.parent
        return RunFolder(parent.parent if parent.name == "checkpoints" else parent)
    return RunFolder(target)


def find_checkpoint(target: str | Path) -> Path:
    """A checkpoint file, or the newest loadable checkpoint of a run folder."""
    target = Path(target)
    if target.is_file():
        return target
    run = RunFolder(target)
    run.info()
    path = run.latest_checkpoint()
    if path is None:
        why = "none is readable (all truncated?)" if run.checkpoints() else "it has no checkpoint yet"
        raise CheckpointError(f"cannot load run {target}: {why}; train it with `ganforge train --resume {target}`")
    return path


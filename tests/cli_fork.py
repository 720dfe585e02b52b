"""Run ``ganforge ARGS`` as a user would, fast: each command in a fresh fork of a warm interpreter.

A new interpreter spends 3-4 s importing torch and the CLI before a command does anything, and
the suite runs a few hundred commands. Here one helper process (the *zygote*) imports them once and
forks a child per command: the child changes to the command's folder, takes the command's
environment, runs ``ganforge.cli.main.main`` and exits with its code through the normal interpreter
exit (atexit handlers, flushed files), so a command sees what it would see in its own process and
leaves nothing behind in the next one. The zygote never runs a tensor operation, so no thread pool
exists yet when it forks. ``run_cli`` returns a ``subprocess.CompletedProcess`` like
``subprocess.run(..., capture_output=True, text=True)``; a command that outlives ``timeout`` is killed
and raises ``subprocess.TimeoutExpired``. Commands that need a process of their own (signals sent to
them, servers, torchrun) keep using ``subprocess``.
"""
from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Dict, List, Optional

ZYGOTE = r"""
import importlib, json, os, pkgutil, sys, time
import torch
import ganforge
import ganforge.cli.main as cli
cli.build_parser()                     # the warm part, done once: every command and ganforge module,
for mod in pkgutil.walk_packages(ganforge.__path__, "ganforge."):
    importlib.import_module(mod.name)
for lazy in ("c2pa", "cv2", "imwatermark", "pywt", "cryptography", "sympy"):   # imported inside functions
    try:
        importlib.import_module(lazy)
    except ImportError:
        pass
with torch.device("meta"):             # torch's lazily imported reference ops, without running a kernel
    torch.nn.init.normal_(torch.empty(2, 2))
    torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(1, 1, 3))
print(json.dumps({"ready": os.getpid()}), flush=True)
code = None
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        sys.stdin.close()
        fd = os.open(os.devnull, os.O_RDONLY); os.dup2(fd, 0); os.close(fd)
        for target, path in ((1, req["stdout"]), (2, req["stderr"])):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600); os.dup2(fd, target); os.close(fd)
        os.chdir(req["cwd"])
        os.environ.clear(); os.environ.update(req["env"])
        if os.environ.get("OMP_NUM_THREADS", "").isdigit():   # read by OpenMP when torch loaded: too late here
            torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        sys.argv = ["ganforge", *req["args"]]
        try:
            code = cli.main(req["args"])
        except SystemExit as exc:
            code = exc.code
        break                              # leave the loop: the child ends like a normal interpreter
    deadline, status = time.time() + req["timeout"], None
    while status is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        elif time.time() > deadline:
            os.kill(pid, 9); os.waitpid(pid, 0); status = "timeout"
        else:
            time.sleep(0.01)
    print(json.dumps({"status": status}), flush=True)
if code is not None:
    sys.exit(code)
"""


class Zygote:
    def __init__(self, src: Path):
        env = {**os.environ, "PYTHONPATH": str(src)}
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError("the CLI zygote did not start")
        self.lock = threading.Lock()
        self.scratch = Path(tempfile.mkdtemp(prefix="ganforge-cli-"))
        atexit.register(self.close)

    def run(self, args: List[str], cwd: Path, env: Dict[str, str], timeout: float) -> subprocess.CompletedProcess:
        with self.lock:
            out, err = self.scratch / "stdout", self.scratch / "stderr"
            req = {"args": [str(a) for a in args], "cwd": str(cwd), "env": env, "timeout": timeout,
                   "stdout": str(out), "stderr": str(err)}
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline()
            if not reply:
                raise RuntimeError("the CLI zygote died")
            status = json.loads(reply)["status"]
            stdout = out.read_text(errors="replace")
            stderr = err.read_text(errors="replace")
        if status == "timeout":
            raise subprocess.TimeoutExpired(["ganforge", *args], timeout, stdout, stderr)
        return subprocess.CompletedProcess(["ganforge", *args], status, stdout, stderr)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


_zygote: Optional[Zygote] = None


def run_cli(args: List[str], cwd: Path, timeout: float = 300, env: Optional[Dict[str, str]] = None,
            src: Optional[Path] = None) -> subprocess.CompletedProcess:
    """``ganforge ARGS`` in ``cwd`` with ``os.environ`` updated by ``env``, in a fork of the warm zygote."""
    global _zygote
    from helpers import SRC

    if _zygote is None or _zygote.proc.poll() is not None:
        _zygote = Zygote(src or SRC)
    full_env = {**os.environ, "PYTHONPATH": str(src or SRC), **(env or {})}
    return _zygote.run(args, Path(cwd), full_env, timeout)

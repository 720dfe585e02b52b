"""Every command in the README's bash blocks runs, as written, with tiny budgets: the README cannot drift from the CLI.

Each command line of README.md is one test. Placeholders are filled with real things made here
(``RUN``: a tiny conditional image run, ``TEXT_RUN``, ``GAN2D_RUN``, ``photos/``, ``run.yaml``,
``hyps.txt``/``refs.txt``; ``DATA``: ``$GANFORGE_DATA``, else the command is skipped, saying why),
and budgets shrink (steps, minutes, batch, width, samples) so that each runs in seconds. The
command's own words stay: a flag the CLI no longer knows fails here.
"""
from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import numpy as np
import pytest
from PIL import Image

from cli_fork import run_cli
from helpers import SRC

README = Path(__file__).resolve().parents[1] / "README.md"
DATA = os.environ.get("GANFORGE_DATA")
IMAGE_TINY = ["--set", "model.width=8", "--set", "data.limit=256", "--set", "train.log_every=1"]
TEXT_TINY = ["--set", "train.pretrain_steps=2", "--set", "train.d_pretrain_steps=1", "--set", "data.limit=200",
             "--set", "model.rollouts=2", "--set", "model.hidden_dim=8", "--set", "model.emb_dim=8",
             "--set", "model.d_num_filters=4", "--set", "train.log_every=1", "--set", "train.eval_samples=200"]
CAPTIONS = ["a man rides a horse on the beach", "a man holds an umbrella in the rain", "a dog runs in the park",
            "a woman sits on a bench", "two men ride bikes down the street", "a cat sleeps on a warm mat"] * 8


def readme_commands() -> List[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), re.S):
        for line in block.splitlines():
            line = line.split(" #")[0].strip()
            if line:
                lines.append(line)
    return lines


def cli(args: List[str], cwd: Path, timeout: float = 300, module: List[str] = ("-m", "ganforge.cli.main")):
    """``ganforge ARGS`` in a process of its own (a fork of a warm interpreter, cli_fork); torchrun in a new one."""
    # tiny models: one thread each is faster than two threads spinning against each other
    env = {"PYTHONPATH": str(SRC), "GANFORGE_CACHE": str(cwd / "cache"), "OMP_NUM_THREADS": "1"}
    if tuple(module) == ("-m", "ganforge.cli.main"):
        return run_cli(args, cwd, timeout=timeout, env=env)
    return subprocess.run([sys.executable, *module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **env})


def must(out: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout[-1500:]}\n{out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """A working folder with the runs and files the README's placeholders name."""
    w = tmp_path_factory.mktemp("readme")
    must(cli(["train", "dcgan", "--conditional", "--steps", "2", "--batch-size", "16", "--name", "RUN", "--quiet",
              *IMAGE_TINY], w))
    (w / "tiny.txt").write_text("\n".join(CAPTIONS) + "\n")
    must(cli(["train", "seqgan", "--data", "tiny.txt", "--steps", "2", "--batch-size", "8", "--name", "TEXT_RUN",
              "--quiet", *TEXT_TINY], w))
    must(cli(["train", "gan2d", "--data", "ring8", "--steps", "4", "--batch-size", "16", "--name", "GAN2D_RUN",
              "--quiet"], w))
    photos = w / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(20):
        Image.fromarray(rng.integers(0, 256, (80, 72, 3), dtype=np.uint8)).save(photos / f"p{i}.png")
    (w / "run.yaml").write_text("model:\n  name: dcgan\n  width: 8\ntrain:\n  steps: 2\n  batch_size: 16\n"
                                "data:\n  limit: 256\n")
    np.savez(w / "samples32.npz", images=rng.integers(0, 256, (64, 32, 32), dtype=np.uint8))
    (w / "hyps.txt").write_text("\n".join(CAPTIONS[:5]) + "\n")
    (w / "refs.txt").write_text("\n".join(CAPTIONS[1:]) + "\n")
    return w


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_flag(args: List[str], flag: str, value: str) -> List[str]:
    """Replace the value of ``flag`` (or add the flag)."""
    if flag in args:
        i = args.index(flag)
        return args[:i + 1] + [value] + args[i + 2:]
    return args + [flag, value]


def tiny_train(args: List[str]) -> List[str]:
    """Shrink a `ganforge train ...` command to seconds, keeping every flag it names."""
    model = args[1] if len(args) > 1 and not args[1].startswith("-") else "dcgan"
    if "--resume" in args:
        return set_flag(args, "--steps", "4")                  # RUN was trained for 2 steps
    if "--max-minutes" in args:
        args = set_flag(args, "--max-minutes", "0.01")
    else:
        args = set_flag(args, "--steps", "2")
    args = [re.sub(r"^train\.lr_decay_steps=\d+$", "train.lr_decay_steps=1", a) for a in args]
    if "--eval-every" in args:
        args = set_flag(args, "--eval-every", "2") + ["--set", "train.eval_samples=64"]
    if model == "seqgan":
        return set_flag(args, "--batch-size", "8") + TEXT_TINY
    args = set_flag(args, "--batch-size", "16")
    return args if model == "gan2d" else args + IMAGE_TINY


def placeholders(words: List[str]) -> List[str]:
    names = {"RUN": "runs/RUN", "TEXT_RUN": "runs/TEXT_RUN", "GAN2D_RUN": "runs/GAN2D_RUN",
             "runs/dcgan-20261122-101500": "runs/RUN"}
    return [names.get(w, DATA if w == "DATA" else w) for w in words]


COMMANDS = readme_commands()


@pytest.mark.parametrize("command", COMMANDS, ids=[c[:70] for c in COMMANDS])
def test_readme_command_runs(command: str, world: Path):
    if command.startswith("pip install"):
        command = command.split("&&", 1)[1].strip()           # the install itself: .ci/run, in a fresh venv
    if command == "python -m pytest":
        pytest.skip("this is the test suite itself")
    words = shlex.split(command)
    if ("DATA" in words or "mnist:test" in words) and not DATA:
        pytest.skip("needs the MNIST files: set GANFORGE_DATA to a folder with mnist/*.gz")
    words = placeholders(words)
    if words[0] == "torchrun":
        at = words.index("-m")
        args = tiny_train(words[at + 2:])
        must(cli(["--standalone", *words[1:at], "-m", "ganforge.cli.main", *args], world,
                 module=["-m", "torch.distributed.run"]))
        return
    assert words[0] == "ganforge", command
    args = words[1:]
    if args[0] == "train":
        out = must(cli(tiny_train(args), world))
        assert "done: step" in out.stdout
    elif args[0] == "studio":
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        proc = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", *args, "--port", str(port)], cwd=world,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline, body = time.time() + 60, None
            while time.time() < deadline and body is None:
                try:
                    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/runs", timeout=5).read().decode()
                except OSError:
                    time.sleep(0.3)
            assert body is not None and "RUN" in body and "TEXT_RUN" in body, body
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    elif args[0] == "eval" and "mnist:test" in args:
        must(cli(args + ["--n", "64", "--kid-subset-size", "32", "--kid-subsets", "4"], world))
    elif args[0] == "features":
        must(cli(args + ["--limit", "1000", "--epochs", "0.1"], world))
    elif args[0] == "eval" and "TEXT_RUN" in " ".join(args):
        must(cli(args + ["--n", "20"], world))
    else:
        must(cli(args, world))

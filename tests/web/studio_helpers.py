"""Helpers for the studio tests: tiny real runs made by ``ganforge train``, a hand-written text run, a live
server, Chromium's flags."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from cli_fork import run_cli

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GANFORGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Debian's Chromium, headless, touching nothing outside this machine
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def ganforge_cli(args: List[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> None:
    """Run ``ganforge ARGS`` from this checkout in a process of its own (cli_fork), failing on errors."""
    out = run_cli(args, cwd, timeout=300, env=env)
    if out.returncode:
        raise subprocess.CalledProcessError(out.returncode, out.args, out.stdout, out.stderr)


def train_tiny_run(out: Path, name: str, steps: int = 20, conditional: bool = True, model: str = "mlp",
                   extra: Sequence[str] = (), env: Optional[Dict[str, str]] = None) -> Path:
    """A real run: ``ganforge train MODEL`` (mlp: about 10 s on 2 cores) on the embedded digits for a few steps."""
    args = ["train", model, "--steps", str(steps), "--batch-size", "16", "--out", str(out), "--name", name,
            "--quiet", "--set", "train.sample_every=10", "--set", "train.log_every=5", "--set", "model.width=8",
            "--set", "train.threads=1", *extra]
    if conditional:
        args.append("--conditional")
    ganforge_cli(args, out, env)
    return out / name


def train_tiny_eval_run(out: Path, name: str, cache: Path) -> Path:
    """A tiny DCGAN run trained with ``--eval-every 4`` for 8 steps: FID at steps 4 and 8 in metrics.jsonl.

    FID uses the digit classifier the package ships; the reference statistics are cached in ``cache``,
    and the run is scored against the embedded digits.
    """
    env = {"GANFORGE_CACHE": str(cache)}
    return train_tiny_run(out, name, steps=8, conditional=False, model="dcgan", env=env, extra=[
        "--eval-every", "4", "--set", "train.eval_samples=64", "--set", "data.limit=256",
        "--set", "train.sample_every=4", "--set", "train.log_every=2"])


def train_tiny_text_run(out: Path, name: str) -> Path:
    """A real text run: ``ganforge train seqgan`` on a few captions, with a held-out file so NLL_gen is scored at
    each phase end (MLE pre-training, discriminator pre-training, adversarial steps): about 10 s."""
    words = ["a man rides a horse", "a dog runs in the park", "a cat sits on a mat", "two men ride bikes",
             "a woman holds an umbrella", "a bird sits on a branch"]
    (out / f"{name}-train.txt").write_text("\n".join(words * 6) + "\n")
    (out / f"{name}-test.txt").write_text("\n".join(words[::-1]) + "\n")
    ganforge_cli(["train", "seqgan", "--data", f"{name}-train.txt", "--steps", "6", "--batch-size", "8", "--out",
                  str(out), "--name", name, "--quiet", "--set", f"data.test_path={name}-test.txt",
                  "--set", "train.pretrain_steps=10", "--set", "train.d_pretrain_steps=4", "--set", "train.log_every=2",
                  "--set", "train.sample_every=5", "--set", "model.rollouts=2", "--set", "model.hidden_dim=8",
                  "--set", "model.emb_dim=8", "--set", "model.d_num_filters=4", "--set", "train.threads=1"], out)
    return out / name


def train_tiny_t2i_run(out: Path, name: str, data: Path) -> Path:
    """A real text2image run: 20 captioned digits built from MNIST into ``data``, then the text2image tests' tiny
    StackGAN (width 4, stage I at 16 px) trained 2 + 2 steps in this process (about 4 s)."""
    from t2i_helpers import need_mnist, tiny

    from ganforge.engine.loop import Trainer
    from ganforge.text2image.data.builder import build
    from ganforge.text2image.task import TextToImageTask

    need_mnist()
    build(data, n=20, progress=False)
    Trainer(TextToImageTask(tiny(data), quiet=True), out / name, quiet=True).fit()
    return out / name


TEXT_SAMPLES = {40: "the cat sat on the mat\nthe the the dog", 80: "a dog ran in the park\n<b>not markup</b> & co"}


def write_text_run(out: Path, name: str) -> Path:
    """A text run folder written by hand in the engine's run-folder schema (docs/run-folder.md).

    The text family is being moved onto the engine in parallel with the studio, so these tests do
    not train one: they write what it writes (run.json of family "text", config.yaml, stats rows
    per phase with ``pretrain_g/...`` and ``adversarial/...`` keys, metrics rows with ``values``,
    and samples/step_N.txt). Steps 0-40 are generator pre-training, 50-80 adversarial training.
    """
    from ganforge.engine.run_folder import RunFolder

    run = RunFolder(out / name)
    run.path.mkdir(parents=True)
    run.write_info("text", "seqgan", {"data": "oracle"})
    (run.path / "config.yaml").write_text("model:\n  name: seqgan\ntrain:\n  steps: 80\n")
    for s in (10, 20, 30, 40):
        run.append_stats(s, {"pretrain_g/nll": 3.0 - s / 40}, phase="pretrain")
    for s in (50, 60, 70, 80):
        run.append_stats(s, {"adversarial/g_loss": 1.0 + s / 100, "adversarial/d_loss": 0.9 - s / 200},
                         phase="adversarial")
    for s in (20, 40, 60, 80):
        run.append_metrics(s, {"nll_gen": 2.5 - s / 100, "nll_oracle": 9.0 - s / 50},
                           phase="pretrain" if s <= 40 else "adversarial")
    run.samples_dir.mkdir()
    for step, text in TEXT_SAMPLES.items():
        run.sample_path(step, ".txt").write_text(text + "\n", encoding="utf-8")
    return run.path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The studio app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, runs: Path, **app_options):
        import torch
        import uvicorn

        from ganforge.web.app import create_app

        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)
        self.app = create_app(runs, **app_options)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the studio server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        import torch

        self.server.should_exit = True
        self.thread.join(timeout=10)
        torch.set_num_threads(self.threads)


@contextlib.contextmanager
def chromium_context(profile: Path):
    """A headless Chromium (Playwright persistent context) on ``profile``; skips the test without either."""
    import pytest

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium) "
                    "or set GANFORGE_CHROMIUM")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900}, accept_downloads=True)
        try:
            yield context
        finally:
            context.close()


def screenshot(page, name: str) -> None:
    """Save a screenshot into $GANFORGE_SCREENSHOT_DIR (how docs/studio-*.png are made)."""
    folder = os.environ.get("GANFORGE_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"studio-{name}.png"), full_page=True)

"""Helpers for the studio tests: a tiny real run made by ``ganforge train``, a live server, Chromium's flags."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GANFORGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Debian's Chromium, headless, touching nothing outside this machine
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def train_tiny_run(out: Path, name: str, steps: int = 20, conditional: bool = True) -> Path:
    """A real run: ``ganforge train mlp`` on the embedded digits for a few steps (about 10 s on 2 cores)."""
    cmd = [sys.executable, "-m", "ganforge.cli.main", "train", "mlp", "--steps", str(steps), "--batch-size", "16",
           "--out", str(out), "--name", name, "--quiet", "--set", "train.sample_every=10",
           "--set", "train.log_every=5", "--set", "model.width=8", "--set", "train.threads=1"]
    if conditional:
        cmd.append("--conditional")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run(cmd, check=True, env=env, cwd=out, timeout=300)
    return out / name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The studio app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, runs: Path):
        import torch
        import uvicorn

        from ganforge.web.app import create_app

        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)
        self.app = create_app(runs)
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


def screenshot(page, name: str) -> None:
    """Save a screenshot into $GANFORGE_SCREENSHOT_DIR (how docs/studio-*.png are made)."""
    folder = os.environ.get("GANFORGE_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"studio-{name}.png"), full_page=True)

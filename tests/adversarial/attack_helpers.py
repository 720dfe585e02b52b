"""Helpers of the attack tests: a runs folder to booby-trap, another origin on 127.0.0.1, a process's memory."""
from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

from studio_helpers import free_port


def copy_runs(tiny_run: Path, folder: Path) -> Path:
    """A fresh runs folder holding a copy of ``tiny-cond`` (tests may plant links, FIFOs and markup in it)."""
    shutil.copytree(tiny_run, folder / "tiny-cond", ignore=shutil.ignore_patterns("tb"))
    return folder


class OtherOrigin:
    """A tiny HTTP server on another port of 127.0.0.1 serving ``pages`` ({path: html}): another origin."""

    def __init__(self, pages):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server hook
                body = pages.get(self.path.split("?")[0], "").encode()
                self.send_response(200 if body else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def rss_bytes(pid: str = "self") -> int:
    """Resident memory of a process, from /proc/PID/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc")

"""``ganforge studio``: serve the local web studio (Lab, Runs, Create) with uvicorn.

The studio has no login: it binds 127.0.0.1 (this machine only) unless ``--host`` names another
address explicitly, and then warns that anyone who can reach that address can use it.
"""
from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from ganforge.errors import GanforgeError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def add_parser(sub) -> None:
    p = sub.add_parser("studio", help="serve the local web studio: watch GANs learn, follow runs, create",
                       description="Serve the studio on http://127.0.0.1:PORT: the Lab (a GAN on 2D data, live), "
                                   "Runs (curves and sample grids of every run) and Create (sample a trained run).")
    p.add_argument("--runs", default="runs", help="folder holding the run folders (default: runs)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--host", default=None,
                   help=f"address to bind (default {DEFAULT_HOST}); a non-local address exposes the studio, "
                        "which has no login, to your network")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads for training and sampling (default 1)")
    p.add_argument("--quiet", action="store_true", help="no request log")
    p.set_defaults(func=run)


def is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, explicit: bool) -> None:
    """Refuse a non-local address unless the user named it with ``--host``."""
    if not is_local(host) and not explicit:
        raise GanforgeError(f"refusing to serve the studio on {host}: it has no login, so bind 127.0.0.1 "
                            f"(the default) or pass --host {host} explicitly to expose it")


def serve(runs: str | Path = "runs", host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, explicit_host: bool = False,
          threads: int = 1, quiet: bool = False) -> None:
    check_bind(host, explicit_host)
    if not 0 <= port <= 65535:
        raise GanforgeError(f"port {port} is out of range; use 1024..65535, e.g. --port {DEFAULT_PORT}")
    if threads < 1:
        raise GanforgeError(f"--threads must be >= 1 (got {threads})")
    import torch
    import uvicorn

    from ganforge.web.app import LOCAL_HOSTS, create_app

    torch.set_num_threads(threads)
    # bound locally, only requests naming a local host are served (no DNS-rebinding from web pages)
    app = create_app(runs, allowed_hosts=LOCAL_HOSTS if is_local(host) else None)
    shown = f"[{host}]" if ":" in host else host
    print(f"ganforge studio: http://{shown}:{port}/  (runs folder: {Path(runs).resolve()}; Ctrl+C to stop)",
          file=sys.stderr)
    if not is_local(host):
        print(f"warning: serving on {host}: anyone who can reach this address can use the studio", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning" if quiet else "info", access_log=not quiet)


def run(args: argparse.Namespace) -> int:
    explicit = args.host is not None
    serve(args.runs, args.host or DEFAULT_HOST, args.port, explicit, args.threads, args.quiet)
    return 0

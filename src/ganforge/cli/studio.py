"""``ganforge studio``: serve the local web studio (Lab, Runs, Create, Rate) with uvicorn.

The studio binds 127.0.0.1 (this machine only) unless ``--host`` names another address explicitly.
On loopback it serves only requests naming a local Host (no DNS rebinding); on any other address it
needs a token, generated at start and printed once inside the URL to open (``http://HOST:PORT/?token=...``):
the page keeps it in a same-site cookie, and a request without it gets 401.
"""
from __future__ import annotations

import argparse
import ipaddress
import secrets
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
    p.add_argument("--studies", default="studies",
                   help="folder of the Rate page's studies (item files; ratings.sqlite unless --db) (default: studies)")
    p.add_argument("--db", help="rating database: a SQLite file or postgresql://USER@HOST/DB, so many raters can "
                                "rate on one server (see `ganforge rate --help`)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--host", default=None,
                   help=f"address to bind (default {DEFAULT_HOST}); a non-local address exposes the studio to your "
                        "network, guarded by a token printed at start")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads for training and sampling (default 1)")
    p.add_argument("--quiet", action="store_true", help="no request log")
    p.add_argument("--no-provenance", dest="provenance", action="store_false",
                   help="the Create and Translate pages' images carry no C2PA manifest or watermark")
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
        raise GanforgeError(f"refusing to serve the studio on {host}: it is for this machine, so bind 127.0.0.1 "
                            f"(the default) or pass --host {host} explicitly to expose it")


def serve(runs: str | Path = "runs", host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, explicit_host: bool = False,
          threads: int = 1, quiet: bool = False, studies: str | Path = "studies", db: str | None = None,
          provenance: bool = True) -> None:
    check_bind(host, explicit_host)
    if not 0 <= port <= 65535:
        raise GanforgeError(f"port {port} is out of range; use 1024..65535, e.g. --port {DEFAULT_PORT}")
    if threads < 1:
        raise GanforgeError(f"--threads must be >= 1 (got {threads})")
    import torch
    import uvicorn

    from ganforge.web.app import LOCAL_HOSTS, create_app

    torch.set_num_threads(threads)
    if db is not None:   # a database named on the command line is checked (and migrated) before serving
        from ganforge.rating.db import open_database

        open_database(db, studies)
    local = is_local(host)
    token = None if local else secrets.token_urlsafe(24)
    app = create_app(runs, allowed_hosts=LOCAL_HOSTS if local else None, token=token, studies_dir=studies, db=db,
                     provenance=provenance)
    if not provenance:
        print("provenance off (--no-provenance): the studio's images carry no C2PA manifest or watermark",
              file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + ("" if local else f"?token={token}")
    print(f"ganforge studio: {url}  (runs folder: {Path(runs).resolve()}; Ctrl+C to stop)", file=sys.stderr, flush=True)
    if not local:
        print(f"warning: serving on {host}: anyone on your network who has this URL (its token) can use the studio",
              file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning" if quiet else "info", access_log=not quiet)


def run(args: argparse.Namespace) -> int:
    explicit = args.host is not None
    serve(args.runs, args.host or DEFAULT_HOST, args.port, explicit, args.threads, args.quiet, args.studies, args.db,
          args.provenance)
    return 0

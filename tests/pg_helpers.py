"""A throw-away PostgreSQL server for the rating tests: Debian's PostgreSQL 15 on a unix socket in a temp folder.

initdb refuses to run as root, so as root the server runs as an unprivileged user (``postgres``, else
``nobody``) through ``runuser``/``setpriv``. Any step that fails skips the test with the reason.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, List

PG_BIN = [Path("/usr/local/bin"), Path("/usr/lib/postgresql/15/bin")]


def _find(name: str) -> str | None:
    for folder in PG_BIN:
        if (folder / name).is_file():
            return str(folder / name)
    return shutil.which(name)


def _as_user(user: str | None) -> List[str]:
    if user is None:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--"]
    entry = pwd.getpwnam(user)
    return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]


class PostgresServer:
    """A running cluster on a unix socket; :meth:`new_database` gives each test an empty database."""

    def __init__(self, socket_dir: Path):
        self.socket_dir, self.count = socket_dir, 0

    def url(self, dbname: str) -> str:
        return f"postgresql://ganforge@/{dbname}?host={self.socket_dir}"

    def new_database(self) -> str:
        import psycopg

        self.count += 1
        name = f"ratings_{self.count}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a PostgreSQL cluster (skipping the test with the reason when it cannot start)."""
    import pytest

    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl): apt-get install postgresql to run this test")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg 3 is not installed: pip install 'ganforge[postgres]'")
    user = None
    if os.geteuid() == 0:
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                pwd.getpwnam(name)
                user = name
                break
        if user is None:
            pytest.skip("running as root with no unprivileged user (postgres, nobody) for initdb")
    folder = Path(tempfile.mkdtemp(prefix="ganforge-pg-"))   # short: a socket path has ~100 characters
    data = folder / "data"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    run = _as_user(user)
    started = False
    try:
        steps = [[*run, initdb, "-D", str(data), "-A", "trust", "-U", "ganforge", "-E", "UTF8", "--no-sync"],
                 [*run, pg_ctl, "-D", str(data), "-w", "-t", "30", "-l", str(folder / "log"), "-o",
                  f"-k {folder} -c listen_addresses='' -F", "start"]]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=60)
            if done.returncode != 0:
                why = (done.stderr or done.stdout).strip().splitlines()
                pytest.skip(f"PostgreSQL did not start ({Path(step[len(run)]).name}: {why[-1] if why else '?'})")
        started = True
        yield PostgresServer(folder)
    finally:
        if started:
            subprocess.run([*run, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                           timeout=60)
        shutil.rmtree(folder, ignore_errors=True)

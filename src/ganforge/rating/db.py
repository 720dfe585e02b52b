"""The rating database: SQLite (a file, the default) or PostgreSQL (a URL), with ordered schema migrations.

    db = Database.open("studies/ratings.sqlite")          # or "sqlite:///path", "postgresql://user@host/db"
    with db.transaction() as tx:
        rows = tx.query("SELECT name FROM studies WHERE id = ?", (study_id,))

SQL is written once, with ``?`` placeholders (rewritten to ``%s`` for psycopg) and types both
engines accept (TEXT, INTEGER, DOUBLE PRECISION; ids are random text made in Python, so no
auto-increment dialects). The schema is built by :data:`MIGRATIONS`, applied in order, each step
in its own transaction and recorded in ``schema_version``; a database written by a newer
ganforge is refused rather than guessed at. Every driver error reaches the caller as one
:class:`RatingDbError` line: locked (another program holds a write lock), read-only, unreachable,
or a conflict (a row that already exists), so a request fails cleanly and nothing is half-written.

``sqlite:///path?mode=ro`` opens a SQLite file read-only (results and exports work, ratings are refused).
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs, urlsplit

from ganforge.errors import GanforgeError

# (version, what it adds, statements): append new steps, never edit an applied one
MIGRATIONS: List[Tuple[int, str, Tuple[str, ...]]] = [
    (1, "studies and their items", (
        """CREATE TABLE studies (
            id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created DOUBLE PRECISION NOT NULL,
            media TEXT NOT NULL, setting_name TEXT NOT NULL, seed INTEGER NOT NULL, folder TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE items (
            id TEXT PRIMARY KEY, study_id TEXT NOT NULL REFERENCES studies(id),
            kind TEXT NOT NULL CHECK (kind IN ('real', 'generated', 'attention')),
            run TEXT, setting DOUBLE PRECISION, file TEXT NOT NULL, sha256 TEXT NOT NULL,
            media_type TEXT NOT NULL, source TEXT NOT NULL)""",
    )),
    (2, "rater sessions and ratings", (
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY, study_id TEXT NOT NULL REFERENCES studies(id), rater TEXT NOT NULL,
            scripted INTEGER NOT NULL DEFAULT 0, created DOUBLE PRECISION NOT NULL, item_order TEXT NOT NULL,
            UNIQUE (study_id, rater))""",
        """CREATE TABLE ratings (
            session_id TEXT NOT NULL REFERENCES sessions(id), item_id TEXT NOT NULL REFERENCES items(id),
            answer TEXT NOT NULL CHECK (answer IN ('real', 'fake')), correct INTEGER NOT NULL,
            response_ms INTEGER, created DOUBLE PRECISION NOT NULL, PRIMARY KEY (session_id, item_id))""",
    )),
    (3, "indexes for results and exports", (
        "CREATE INDEX items_by_study ON items (study_id)",
        "CREATE INDEX ratings_by_item ON ratings (item_id)",
    )),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
DEFAULT_FILE = "ratings.sqlite"


class RatingDbError(GanforgeError):
    """The rating database refused or failed an operation; ``status`` is the HTTP status the studio answers."""

    status = 400


class DatabaseBusy(RatingDbError):
    status = 423


class DatabaseReadOnly(RatingDbError):
    status = 423


class DatabaseUnavailable(RatingDbError):
    status = 503


class Conflict(RatingDbError):
    """A row with this key exists already (a unique or primary key)."""

    status = 409


@dataclass(frozen=True)
class Target:
    kind: str            # "sqlite" or "postgresql"
    where: str           # the file path, or the connection URL
    read_only: bool = False

    def describe(self) -> str:
        if self.kind == "sqlite":
            return str(self.where)
        parts = urlsplit(self.where)   # never print a password
        host = parts.hostname or parse_qs(parts.query).get("host", ["local socket"])[0]
        return f"postgresql://{parts.username + '@' if parts.username else ''}{host}{parts.path}"


def parse_target(url: str | Path) -> Target:
    """A plain path or ``sqlite:///path`` (``?mode=ro`` for read-only), or a ``postgresql://`` URL."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return Target("postgresql", text)
    if "://" in text and not text.startswith("sqlite://"):
        raise RatingDbError(f"unknown database URL {text.split('://')[0]}://...; use a file path, "
                            "sqlite:///PATH or postgresql://USER@HOST/DB")
    read_only = False
    if text.startswith("sqlite://"):
        parts = urlsplit(text)
        text = parts.path
        read_only = parse_qs(parts.query).get("mode", [""])[0] == "ro"
    if not text:
        raise RatingDbError("the sqlite URL names no file; use sqlite:///path/to/ratings.sqlite")
    return Target("sqlite", str(Path(text)), read_only)


class Transaction:
    """Statements of one transaction; ``?`` placeholders, rows as tuples."""

    def __init__(self, cursor, paramstyle: str):
        self.cursor, self.paramstyle = cursor, paramstyle

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(sql.replace("?", "%s") if self.paramstyle == "format" else sql, tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> List[tuple]:
        self.execute(sql, params)
        return [tuple(row) for row in self.cursor.fetchall()]


class Database:
    """One rating database; opening it migrates its schema to :data:`SCHEMA_VERSION`."""

    def __init__(self, target: Target, timeout: float = 5.0):
        self.target, self.timeout = target, timeout

    @classmethod
    def open(cls, url: str | Path, timeout: float = 5.0, migrate: bool = True) -> "Database":
        db = cls(parse_target(url), timeout)
        if migrate:
            db.migrate()
        return db

    def describe(self) -> str:
        return self.target.describe()

    # ------------------------------------------------------------------ connections
    def _connect(self):
        t = self.target
        if t.kind == "sqlite":
            path = Path(t.where)
            if t.read_only:
                if not path.is_file():
                    raise DatabaseUnavailable(f"rating database {path} does not exist; create a study first "
                                              "(`ganforge rate create`)")
                return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=self.timeout,
                                       isolation_level=None, check_same_thread=False)
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=self.timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        import psycopg

        return psycopg.connect(t.where, connect_timeout=max(1, int(self.timeout)), autocommit=True)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction: committed when the block ends, rolled back (nothing written) when it raises."""
        with self._errors():
            conn = self._connect()
            try:
                if self.target.kind == "sqlite":
                    cur = conn.cursor()
                    cur.execute("BEGIN IMMEDIATE" if not self.target.read_only else "BEGIN")
                    try:
                        yield Transaction(cur, "qmark")
                        cur.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.rollback()
                        raise
                else:
                    with conn.transaction(), conn.cursor() as cur:
                        cur.execute(f"SET LOCAL lock_timeout = {int(self.timeout * 1000)}")
                        yield Transaction(cur, "format")
            finally:
                conn.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors as one-line :class:`RatingDbError`s naming the database and the fix."""
        where = self.describe()
        try:
            yield
        except RatingDbError:
            raise
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"that row exists already in {where} ({exc})") from None
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise DatabaseBusy(f"rating database {where} is locked by another program; nothing was saved: "
                                   "wait for it to finish (or close it) and submit again") from None
            if "readonly" in text or "read-only" in text:
                raise DatabaseReadOnly(f"rating database {where} is read-only; nothing was saved: make the file "
                                       "and its folder writable (or open it without ?mode=ro) and submit again") \
                    from None
            if "unable to open" in text:
                raise DatabaseUnavailable(f"cannot open rating database {where} ({exc}); check the path and "
                                          "that its folder is writable") from None
            raise
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnavailable(f"{where} is not a readable SQLite database ({exc}); pass another --db") \
                from None
        except Exception as exc:  # psycopg's errors, when PostgreSQL is in use
            mapped = _postgres_error(exc, where)
            if mapped is None:
                raise
            raise mapped from None

    # ------------------------------------------------------------------ schema
    def version(self) -> int:
        with self.transaction() as tx:
            return self._version(tx)

    def _version(self, tx: Transaction) -> int:
        if not self.target.read_only:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                       "description TEXT NOT NULL, applied DOUBLE PRECISION NOT NULL)")
        rows = tx.query("SELECT MAX(version) FROM schema_version")
        return int(rows[0][0] or 0)

    def migrate(self, target: Optional[int] = None) -> int:
        """Apply the pending steps up to ``target`` (default: all), each in a transaction; the version reached."""
        target = SCHEMA_VERSION if target is None else target
        if self.target.read_only:
            return self._check_read_only()
        if self.target.kind == "sqlite":   # write-ahead log: raters read while one writes, one fsync per rating
            with self._errors():
                conn = self._connect()
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                finally:
                    conn.close()
        for version, description, statements in MIGRATIONS:
            if version > target:
                break
            with self.transaction() as tx:
                if self.target.kind == "postgresql":   # one migrating process at a time
                    tx.execute("SELECT pg_advisory_xact_lock(7146)")
                current = self._version(tx)
                if current > SCHEMA_VERSION:
                    raise RatingDbError(f"rating database {self.describe()} has schema version {current}, newer "
                                        f"than this ganforge knows ({SCHEMA_VERSION}); upgrade ganforge")
                if current >= version:
                    continue
                for sql in statements:
                    tx.execute(sql)
                tx.execute("INSERT INTO schema_version (version, description, applied) VALUES (?, ?, ?)",
                           (version, description, time.time()))
        return self.version()

    def _check_read_only(self) -> int:
        try:
            with self.transaction() as tx:
                version = int(tx.query("SELECT MAX(version) FROM schema_version")[0][0] or 0)
        except sqlite3.OperationalError:
            version = 0
        if version != SCHEMA_VERSION:
            raise RatingDbError(f"read-only rating database {self.describe()} has schema version {version}, not "
                                f"{SCHEMA_VERSION}; open it once writable so that it is migrated")
        return version


def _postgres_error(exc: Exception, where: str) -> Optional[RatingDbError]:
    try:
        import psycopg
        from psycopg import errors
    except ImportError:   # psycopg is an optional extra
        return None
    if isinstance(exc, errors.UniqueViolation):
        return Conflict(f"that row exists already in {where}")
    if isinstance(exc, (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure)):
        return DatabaseBusy(f"rating database {where} is locked by another transaction; nothing was saved: "
                            "submit again in a moment")
    if isinstance(exc, (errors.ReadOnlySqlTransaction, errors.InsufficientPrivilege)):
        return DatabaseReadOnly(f"rating database {where} refuses writes ({type(exc).__name__}); nothing was "
                                "saved: grant this user write access and submit again")
    if isinstance(exc, psycopg.OperationalError):
        first = (str(exc).strip().splitlines() or ["no answer"])[0]
        return DatabaseUnavailable(f"cannot reach rating database {where} ({first}); start the server or "
                                   "fix --db")
    return None


def open_database(url: Optional[str | Path], studies_dir: str | Path, timeout: float = 5.0) -> Database:
    """The database at ``url``, or the SQLite file ``ratings.sqlite`` in the studies folder when none is given."""
    if url is not None and str(url).startswith(("postgresql://", "postgres://")):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise RatingDbError("a PostgreSQL --db needs psycopg 3: pip install 'ganforge[postgres]'") from None
    return Database.open(url if url is not None else Path(studies_dir) / DEFAULT_FILE, timeout)

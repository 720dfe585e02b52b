"""The rating database: ordered migrations with a version table, and every driver failure as one clear error."""
import sqlite3

import pytest

from ganforge.rating.db import (MIGRATIONS, SCHEMA_VERSION, Conflict, Database, DatabaseBusy, DatabaseReadOnly,
                                DatabaseUnavailable, RatingDbError, open_database, parse_target)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "ratings.sqlite")
    return request.getfixturevalue("postgres").new_database()


def tables(db):
    with db.transaction() as tx:
        if db.target.kind == "sqlite":
            return {r[0] for r in tx.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {r[0] for r in tx.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_migrations_run_in_order_once_and_keep_the_data(url):
    db = Database.open(url, migrate=False)
    assert db.migrate(target=1) == 1
    assert {"studies", "items", "schema_version"} <= tables(db) and "ratings" not in tables(db)
    with db.transaction() as tx:
        tx.execute("INSERT INTO studies (id, name, created, media, setting_name, seed, folder) "
                   "VALUES ('s', 'old', 1.0, 'image', 'truncation', 0, 'old')")
    db = Database.open(url)                       # opening migrates the rest
    assert db.version() == SCHEMA_VERSION == MIGRATIONS[-1][0]
    assert {"sessions", "ratings"} <= tables(db)
    with db.transaction() as tx:
        assert tx.query("SELECT version FROM schema_version ORDER BY version") == [(v,) for v, _, _ in MIGRATIONS]
        assert tx.query("SELECT name FROM studies") == [("old",)]
    assert Database.open(url).version() == SCHEMA_VERSION   # a second open changes nothing


def test_a_database_of_a_newer_ganforge_is_refused(url):
    db = Database.open(url)
    with db.transaction() as tx:
        tx.execute("INSERT INTO schema_version (version, description, applied) VALUES (?, 'future', 0)",
                   (SCHEMA_VERSION + 1,))
    with pytest.raises(RatingDbError, match="newer than this ganforge knows.*upgrade ganforge"):
        Database.open(url)


def test_a_duplicate_key_is_a_conflict_and_the_transaction_writes_nothing(url):
    db = Database.open(url)
    insert = ("INSERT INTO studies (id, name, created, media, setting_name, seed, folder) "
              "VALUES (?, ?, 1.0, 'image', 'truncation', 0, 'f')")
    with db.transaction() as tx:
        tx.execute(insert, ("a", "first"))
    with pytest.raises(Conflict, match="exists already"):
        with db.transaction() as tx:
            tx.execute(insert, ("b", "second"))
            tx.execute(insert, ("c", "first"))   # same name: the whole transaction is rolled back
    with db.transaction() as tx:
        assert tx.query("SELECT name FROM studies ORDER BY name") == [("first",)]


def test_a_locked_sqlite_database_is_one_clear_error_and_works_again_once_released(tmp_path):
    path = tmp_path / "ratings.sqlite"
    db = Database.open(path, timeout=0.1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseBusy) as caught:
            with db.transaction() as tx:
                tx.execute("INSERT INTO studies (id, name, created, media, setting_name, seed, folder) "
                           "VALUES ('a', 'a', 1.0, 'image', 'truncation', 0, 'a')")
        message = str(caught.value)
        assert "locked by another program" in message and "nothing was saved" in message and "\n" not in message
        assert caught.value.status == 423
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with db.transaction() as tx:
        tx.execute("INSERT INTO studies (id, name, created, media, setting_name, seed, folder) "
                   "VALUES ('a', 'a', 1.0, 'image', 'truncation', 0, 'a')")
        assert tx.query("SELECT COUNT(*) FROM studies") == [(1,)]


def test_a_read_only_sqlite_database_reads_but_refuses_writes(tmp_path):
    path = tmp_path / "ratings.sqlite"
    Database.open(path)
    ro = Database.open(f"sqlite:///{path}?mode=ro")
    assert ro.version() == SCHEMA_VERSION
    with pytest.raises(DatabaseReadOnly, match="read-only; nothing was saved"):
        with ro.transaction() as tx:
            tx.execute("INSERT INTO studies (id, name, created, media, setting_name, seed, folder) "
                       "VALUES ('a', 'a', 1.0, 'image', 'truncation', 0, 'a')")
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        Database.open(f"sqlite:///{tmp_path / 'missing.sqlite'}?mode=ro")


def test_a_read_only_postgresql_transaction_is_one_clear_error(postgres):
    url = postgres.new_database()
    Database.open(url)
    ro = Database.open(url + "&options=-c%20default_transaction_read_only%3Don", migrate=False)
    with pytest.raises(DatabaseReadOnly, match="refuses writes.*nothing was saved"):
        with ro.transaction() as tx:
            tx.execute("INSERT INTO studies (id, name, created, media, setting_name, seed, folder) "
                       "VALUES ('a', 'a', 1.0, 'image', 'truncation', 0, 'a')")


def test_urls_and_unreachable_servers(tmp_path):
    assert parse_target("sqlite:///tmp/x.sqlite").where == "/tmp/x.sqlite"
    assert parse_target(tmp_path / "r.sqlite").kind == "sqlite"
    assert parse_target("postgresql://u:secret@h/db").describe() == "postgresql://u@h/db"   # no password shown
    with pytest.raises(RatingDbError, match="unknown database URL mysql://"):
        parse_target("mysql://h/db")
    with pytest.raises(DatabaseUnavailable, match="cannot reach rating database .*start the server or fix --db"):
        open_database(f"postgresql://nobody@/x?host={tmp_path}", tmp_path, timeout=1)
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseUnavailable, match="not a readable SQLite database"):
        Database.open(tmp_path / "junk.sqlite")

"""The Rate page end to end in headless Chromium, on SQLite (and PostgreSQL with -m slow): a study made in the page, two
scripted test raters (labelled so, flagged in the database) rating 40 items each by keyboard and by mouse, an
answer sent while the database is locked and sent again, the HYPE score and its interval on the page, the
rows in the database and the downloaded CSV."""
from __future__ import annotations

import contextlib
import csv
import re
import sqlite3
from pathlib import Path

import pytest
from studio_helpers import LiveServer, screenshot

from ganforge.rating.db import Database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])   # PostgreSQL: -m slow
def rate_server(request, runs_dir, tmp_path):
    db = None if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
    server = LiveServer(runs_dir, studies_dir=tmp_path / "studies", db=db)
    server.app.state.rating.timeout = 0.3
    server.db = Database.open(db or tmp_path / "studies" / "ratings.sqlite")
    yield server
    server.stop()


@contextlib.contextmanager
def locked(db: Database):
    """Another program holding a write lock on the ratings (a SQLite write transaction, a PostgreSQL table lock)."""
    if db.target.kind == "sqlite":
        conn = sqlite3.connect(db.target.where, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        import psycopg

        with psycopg.connect(db.target.where) as conn:
            conn.execute("LOCK TABLE ratings IN ACCESS EXCLUSIVE MODE")
            yield
            conn.rollback()


def query(db: Database, sql: str):
    with db.transaction() as tx:
        return tx.query(sql)


def rate_in_page(page, url, rater, answer_of, by_keyboard, lock_at=None, db=None) -> int:
    """A scripted test rater: starts a session in the page and answers every item; returns the answers given."""
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    page.fill("#rater-name", rater)
    page.click("#start")
    given = 0
    while True:
        page.wait_for_function("() => !document.getElementById('rater-done').hidden || "
                               "!document.getElementById('answer-real').disabled")
        if page.is_visible("#rater-done"):
            return given
        item = page.get_attribute("#item", "data-item")
        if given == 3:
            screenshot(page, "rate-item")
        answer = answer_of(item)
        if given == lock_at:
            with locked(db):
                if by_keyboard:
                    page.keyboard.press("r" if answer == "real" else "f")
                else:
                    page.click(f"#answer-{answer}")
                page.wait_for_selector("#resend:not([hidden])")
                assert "locked" in page.inner_text("#error .message")
            page.click("#resend")              # the same answer, kept by the page, stored now
        elif by_keyboard:
            page.keyboard.press("r" if answer == "real" else "f")
        else:
            page.click(f"#answer-{answer}")
        given += 1
        page.wait_for_function("(n) => window.studioRate.submitted === n", arg=given)


def test_two_scripted_raters_rate_a_study_and_the_page_shows_hype(rate_server, browser_context, tmp_path):
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(rate_server.url + "/rate")
    page.wait_for_selector("body[data-ready]")
    page.click("#new-study summary")
    page.fill("#study-name", "e2e")
    page.select_option("#study-runs", ["tiny-cond"])
    page.fill("#study-n", "20")
    page.click("#create-study")
    page.wait_for_function("() => document.getElementById('study-meta').textContent.includes('20 generated, 20 real')")
    assert page.inner_text("#study-title") == "e2e"

    kind = dict(query(rate_server.db, "SELECT id, kind FROM items"))
    fooled = {i for i, k in kind.items() if k == "generated" and i[0] < "8"}     # rater 1 takes these for real
    missed = {i for i, k in kind.items() if k == "real" and i[0] < "4"}          # rater 2 calls these fake
    url = rate_server.url + "/rate?study=e2e"
    n1 = rate_in_page(page, url, "scripted-test-rater-1", lambda i: "real" if kind[i] == "real" or i in fooled
                      else "fake", by_keyboard=True, lock_at=5, db=rate_server.db)
    second = browser_context.new_page()
    n2 = rate_in_page(second, url, "scripted-test-rater-2", lambda i: "fake" if kind[i] != "real" or i in missed
                      else "real", by_keyboard=False)
    assert n1 == n2 == 40

    # the rows, straight from the database: 80 answers of two sessions flagged scripted
    sessions = query(rate_server.db, "SELECT rater, scripted FROM sessions ORDER BY rater")
    assert sessions == [("scripted-test-rater-1", 1), ("scripted-test-rater-2", 1)]
    stored = query(rate_server.db, "SELECT s.rater, r.item_id, r.answer, r.correct FROM ratings r "
                                   "JOIN sessions s ON r.session_id = s.id")
    assert len(stored) == 80

    # the score on the page: counted by hand from the policies above
    second.click("#results-box summary")
    second.click("#refresh-results")
    second.wait_for_function("() => { const r = window.studioRate.results; return r && r.study.ratings === 80; }")
    fake_as_real, real_as_fake = len(fooled) / 40, len(missed) / 40
    hype = (fake_as_real + real_as_fake) / 2
    res = second.evaluate("() => window.studioRate.results")
    assert res["overall"]["hype"] == pytest.approx(hype)
    text = second.inner_text("#results-overall")
    shown = re.match(r"HYPE∞ ([\d.]+) % +\[([\d.]+) %, ([\d.]+) %\]", text)
    assert shown, text
    for number, value in zip(shown.groups(), (hype, res["overall"]["low"], res["overall"]["high"])):
        assert float(number) == pytest.approx(100 * value, abs=0.051)
    assert res["overall"]["low"] <= hype <= res["overall"]["high"] < 1
    assert second.inner_text("#results-raters").count("scripted (a program)") == 2
    screenshot(second, "rate")

    # the CSV the page offers: the same rows as the database
    with second.expect_download() as download:
        second.click("#export")
    path = Path(tmp_path / "export.csv")
    download.value.save_as(path)
    rows = list(csv.DictReader(path.open()))
    assert {(r["rater"], r["item"], r["answer"], r["correct"] == "True") for r in rows} == \
        {(rater, item, answer, bool(correct)) for rater, item, answer, correct in stored}
    assert errors == []
    page.close()
    second.close()

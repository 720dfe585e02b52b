"""The Rate API with Starlette's test client: making a study from a run, sessions, ratings, the CSV, and bad
input (an item not in the study, a second rating, a locked or read-only database) as one-line JSON errors."""
from __future__ import annotations

import csv
import io
import sqlite3

import pytest
import torch

pytest.importorskip("httpx", reason="the studio API tests need httpx: pip install -e '.[test]'")
from starlette.testclient import TestClient  # noqa: E402

from ganforge.web.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def studio(runs_dir, tmp_path_factory):
    studies = tmp_path_factory.mktemp("studies")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    app = create_app(runs_dir, studies_dir=studies)
    app.state.rating.timeout = 0.1          # a locked database answers at once
    with TestClient(app, base_url="http://127.0.0.1") as c:
        c.studies = studies
        r = c.post("/api/rate/studies", json={"name": "api", "runs": ["tiny-cond"], "n": 3, "attention": 1})
        assert r.status_code == 201, r.text
        yield c
    torch.set_num_threads(threads)


def one_line_error(r, status: int, *phrases: str) -> str:
    assert r.status_code == status, r.text
    message = r.json()["error"]
    assert "\n" not in message and "Traceback" not in message
    for phrase in phrases:
        assert phrase in message, message
    return message


def count_ratings(studio) -> int:
    with sqlite3.connect(studio.studies / "ratings.sqlite") as conn:
        return conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]


def test_the_page_and_the_study_overview(studio):
    page = studio.get("/rate")
    assert page.status_code == 200 and 'src="/static/rate.js"' in page.text
    data = studio.get("/api/rate").json()
    assert "tiny-cond" in [r["name"] for r in data["runs"]]
    assert {r["family"] for r in data["runs"]} == {"image"}     # only runs whose family gives rating items
    study = next(s for s in data["studies"] if s["name"] == "api")
    assert study["items"] == {"generated": 3, "real": 3, "attention": 1} and study["setting"] == "truncation"
    for path in ("/lab", "/runs", "/create"):
        assert '<a href="/rate">Rate</a>' in studio.get(path).text


def test_a_rating_session_serves_items_and_refuses_bad_ratings(studio):
    state = studio.post("/api/rate/studies/api/sessions", json={"rater": "scripted-test-rater"}).json()
    assert state["scripted"] and state["total"] == 7 and state["done"] == 0
    item = studio.get(f"/api/rate/studies/api/items/{state['next']}")
    assert item.status_code == 200 and item.headers["content-type"] == "image/png"
    assert item.content.startswith(b"\x89PNG")
    url = f"/api/rate/sessions/{state['session']}/ratings"
    after = studio.post(url, json={"item": state["next"], "answer": "fake", "response_ms": 900}).json()
    assert after["done"] == 1
    before = count_ratings(studio)
    one_line_error(studio.post(url, json={"item": state["next"], "answer": "real"}), 409,
                   "has rated item", "first answer is kept")
    one_line_error(studio.post(url, json={"item": "0123456789abcdef", "answer": "real"}), 404,
                   "is not in study 'api'")
    one_line_error(studio.post(url, json={"item": after["next"], "answer": "dunno"}), 400, "not 'real' or 'fake'")
    one_line_error(studio.post(url, content=b'{"item": "x", "answer": "real", "response_ms": NaN}',
                               headers={"content-type": "application/json"}), 400, "response_ms")
    one_line_error(studio.post("/api/rate/sessions/nope/ratings", json={"item": "x", "answer": "real"}), 404,
                   "session does not exist")
    one_line_error(studio.get("/api/rate/studies/api/items/../../ratings.sqlite"), 404)
    one_line_error(studio.post("/api/rate/studies/api/sessions", json={"rater": "bot", "scripted": True}), 400,
                   "must start with 'scripted-'")
    assert count_ratings(studio) == before


def test_bad_study_requests(studio):
    one_line_error(studio.post("/api/rate/studies", json={"name": "x", "runs": ["nope"]}), 404, "no run named")
    one_line_error(studio.post("/api/rate/studies", json={"name": "x", "runs": ["tiny-cond"], "size": 2}), 400,
                   "unknown study key(s) size")
    one_line_error(studio.post("/api/rate/studies", json={"name": "api", "runs": ["tiny-cond"]}), 400,
                   "exists already")
    one_line_error(studio.post("/api/rate/studies", json={"name": "t", "runs": ["tiny-cond"], "settings": [-1]}),
                   400, "must be a finite number > 0")
    one_line_error(studio.get("/api/rate/studies/none-such"), 404, "no study named 'none-such'")


def test_a_locked_database_is_423_and_the_answer_sent_again_is_stored(studio):
    state = studio.post("/api/rate/studies/api/sessions", json={"rater": "scripted-lock-rater"}).json()
    url = f"/api/rate/sessions/{state['session']}/ratings"
    before = count_ratings(studio)
    holder = sqlite3.connect(studio.studies / "ratings.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        one_line_error(studio.post(url, json={"item": state["next"], "answer": "real"}), 423,
                       "locked by another program", "nothing was saved")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert count_ratings(studio) == before
    assert studio.post(url, json={"item": state["next"], "answer": "real"}).json()["done"] == 1
    assert count_ratings(studio) == before + 1


def test_a_read_only_database_shows_results_and_refuses_ratings(studio, runs_dir):
    db = f"sqlite:///{studio.studies / 'ratings.sqlite'}?mode=ro"
    with TestClient(create_app(runs_dir, studies_dir=studio.studies, db=db), base_url="http://127.0.0.1") as ro:
        assert ro.get("/api/rate/studies/api").json()["study"]["name"] == "api"
        state = ro.get("/api/rate").json()
        assert state["database"].endswith("ratings.sqlite")
        session = studio.post("/api/rate/studies/api/sessions", json={"rater": "scripted-ro-rater"}).json()
        one_line_error(ro.post(f"/api/rate/sessions/{session['session']}/ratings",
                               json={"item": session["next"], "answer": "real"}), 423, "read-only", "nothing was saved")


def test_the_csv_export_is_a_download_of_every_rating(studio):
    r = studio.get("/api/rate/studies/api/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="api-ratings.csv"' == r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    with sqlite3.connect(studio.studies / "ratings.sqlite") as conn:
        stored = conn.execute("SELECT s.rater, r.item_id, r.answer FROM ratings r JOIN sessions s "
                              "ON r.session_id = s.id").fetchall()
    assert len(rows) == len(stored) >= 1
    assert {(r["rater"], r["item"], r["answer"]) for r in rows} == set(stored)
    assert all(r["scripted"] == "True" for r in rows)

"""HYPE studies end to end in the core: items from a real tiny run, two scripted raters, results, the CSV export,
and every bad request as one clear error that leaves the database as it was (SQLite and PostgreSQL)."""
import csv
import hashlib
import io
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import untrained_run
from ganforge.rating.db import DatabaseBusy, open_database
from ganforge.rating.results import export_csv, results
from ganforge.rating.study import AlreadyRated, NotInStudy, RatingError, Ratings


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A tiny DCGAN run written by the engine, untrained: what a study samples need not look like digits."""
    return untrained_run(tmp_path_factory.mktemp("runs") / "r")


@pytest.fixture(params=["sqlite", "postgresql"])
def ratings(request, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
    return Ratings(open_database(url, tmp_path / "studies", timeout=0.2), tmp_path / "studies")


def kinds(ratings, study):
    """item id -> kind, read straight from the database (what a scripted test rater may peek at)."""
    with ratings.db.transaction() as tx:
        return dict(tx.query("SELECT i.id, i.kind FROM items i JOIN studies s ON i.study_id = s.id "
                             "WHERE s.name = ?", (study,)))


def rate_all(ratings, study, rater, policy):
    state = ratings.start_session(study, rater)
    seen = []
    while state["next"]:
        seen.append(state["next"])
        state = ratings.rate(state["session"], state["next"], policy(state["next"]), response_ms=700)
    return state, seen


def test_two_scripted_raters_give_the_hype_score_counted_by_hand(ratings, tiny_run):
    study = ratings.create_study("s", [tiny_run], n=6, settings=[None, 0.5], attention=1, quiet=True)
    assert study["items"] == {"generated": 12, "real": 12, "attention": 1}   # balanced, plus one check
    kind = kinds(ratings, "s")
    generated = sorted(i for i, k in kind.items() if k == "generated")
    fooled = set(generated[:4])            # rater A takes 4 generated items for real, calls every real one real
    a_policy = lambda i: "real" if kind[i] == "real" or i in fooled else "fake"  # noqa: E731
    b_policy = lambda i: "fake" if kind[i] != "real" else "real"  # noqa: E731  (B is always right)
    state_a, order_a = rate_all(ratings, "s", "scripted-test-rater-a", a_policy)
    state_b, order_b = rate_all(ratings, "s", "scripted-test-rater-b", b_policy)
    assert state_a["done"] == state_a["total"] == 25 and state_a["scripted"]
    assert sorted(order_a) == sorted(order_b) == sorted(kind) and order_a != order_b   # each rater's own order

    res = results(ratings, "s", resamples=400)
    assert res["study"]["raters"] == res["study"]["scripted_raters"] == 2
    overall = res["overall"]
    assert overall["fake_as_real"] == pytest.approx(4 / 24) and overall["real_as_fake"] == 0
    assert overall["hype"] == pytest.approx((4 / 24 + 0) / 2)
    assert overall["low"] <= overall["hype"] <= overall["high"] and overall["n_generated"] == 24
    by_setting = {g["setting"]: g["score"] for g in res["groups"]}
    assert set(by_setting) == {None, 0.5}
    with ratings.db.transaction() as tx:
        setting_of = dict(tx.query("SELECT id, setting FROM items WHERE kind = 'generated'"))
    for setting, score in by_setting.items():
        mine = [i for i in generated if setting_of[i] == setting]
        assert score["fake_as_real"] == pytest.approx(sum(i in fooled for i in mine) / (2 * len(mine)))
    assert {r["rater"]: r["score"]["hype"] for r in res["raters"]} == \
        {"scripted-test-rater-a": pytest.approx(4 / 12 / 2), "scripted-test-rater-b": 0.0}

    rows = list(csv.DictReader(io.StringIO(export_csv(ratings, "s"))))
    with ratings.db.transaction() as tx:
        stored = tx.query("SELECT s.rater, s.scripted, r.item_id, r.answer, r.correct FROM ratings r "
                          "JOIN sessions s ON r.session_id = s.id")
    assert len(rows) == len(stored) == 50
    assert {(r["rater"], r["scripted"], r["item"], r["answer"], r["correct"]) for r in rows} == \
        {(rater, "True", item, answer, str(bool(correct))) for rater, scripted, item, answer, correct in stored}
    assert all(scripted == 1 for _, scripted, _, _, _ in stored)


def test_items_are_files_whose_hashes_are_in_the_database_and_reveal_nothing(tmp_path, tiny_run):
    ratings = Ratings(open_database(None, tmp_path), tmp_path)
    ratings.create_study("files", [tiny_run], n=3, quiet=True)
    with ratings.db.transaction() as tx:
        items = tx.query("SELECT id, file, sha256, media_type FROM items")
    assert len(items) == 6
    for item_id, file, digest, media_type in items:
        data = (tmp_path / "files" / file).read_bytes()
        assert data.startswith(b"\x89PNG") and hashlib.sha256(data).hexdigest() == digest
        assert file == f"items/{item_id}.png" and ratings.item_file("files", item_id) == (data, "image/png")
    (tmp_path / "files" / items[0][1]).write_bytes(b"changed")
    with pytest.raises(RatingError, match="changed after the study was made"):
        ratings.item_file("files", items[0][0])
    with pytest.raises(RatingError, match="exists already"):
        ratings.create_study("files", [tiny_run], n=3, quiet=True)


def test_bad_ratings_are_refused_and_change_nothing(ratings, tiny_run):
    ratings.create_study("one", [tiny_run], n=2, quiet=True)
    ratings.create_study("two", [tiny_run], n=2, quiet=True)
    other_item = next(iter(kinds(ratings, "two")))
    state = ratings.start_session("one", "scripted-test-rater")
    first = ratings.rate(state["session"], state["next"], "fake")
    with pytest.raises(AlreadyRated, match="has rated item .* already; .*first answer is kept") as caught:
        ratings.rate(state["session"], state["next"], "real")
    assert caught.value.status == 409
    with pytest.raises(NotInStudy, match="is not in study 'one'") as caught:
        ratings.rate(state["session"], other_item, "real")
    assert caught.value.status == 404
    with pytest.raises(RatingError, match="answer 'maybe' is not"):
        ratings.rate(state["session"], first["next"], "maybe")
    with pytest.raises(NotInStudy, match="session does not exist"):
        ratings.rate("nope", first["next"], "real")
    with pytest.raises(RatingError, match="must start with 'scripted-'"):
        ratings.start_session("one", "robot", scripted=True)
    assert ratings.session(state["session"])["done"] == 1
    with ratings.db.transaction() as tx:
        assert tx.query("SELECT answer FROM ratings") == [("fake",)]      # the first answer, alone


def test_a_rating_sent_while_sqlite_is_locked_fails_cleanly_and_succeeds_when_sent_again(tmp_path, tiny_run):
    ratings = Ratings(open_database(None, tmp_path, timeout=0.1), tmp_path)
    ratings.create_study("lock", [tiny_run], n=2, quiet=True)
    state = ratings.start_session("lock", "scripted-test-rater")
    holder = sqlite3.connect(tmp_path / "ratings.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(DatabaseBusy, match="locked by another program; nothing was saved"):
        ratings.rate(state["session"], state["next"], "real")
    holder.execute("ROLLBACK")
    holder.close()
    after = ratings.rate(state["session"], state["next"], "real")
    assert after["done"] == 1


def test_a_rater_who_calls_an_attention_check_real_is_left_out(tmp_path, tiny_run):
    ratings = Ratings(open_database(None, tmp_path), tmp_path)
    ratings.create_study("att", [tiny_run], n=3, attention=2, quiet=True)
    kind = kinds(ratings, "att")
    rate_all(ratings, "att", "scripted-careless", lambda i: "real")
    rate_all(ratings, "att", "scripted-careful", lambda i: "real" if kind[i] == "real" else "fake")
    res = results(ratings, "att", resamples=100)
    assert res["excluded_raters"] == ["scripted-careless"] and res["overall"]["hype"] == 0.0
    assert results(ratings, "att", resamples=100, include_inattentive=True)["overall"]["hype"] == pytest.approx(0.25)


def test_many_raters_at_once_on_one_sqlite_file_lose_nothing(tmp_path, tiny_run):
    ratings = Ratings(open_database(None, tmp_path), tmp_path)
    ratings.create_study("crowd", [tiny_run], n=3, quiet=True)
    names = [f"scripted-rater-{k}" for k in range(8)]
    with ThreadPoolExecutor(8) as pool:
        states = list(pool.map(lambda name: rate_all(ratings, "crowd", name, lambda i: "fake")[0], names))
    assert all(s["done"] == s["total"] == 6 for s in states)
    with ratings.db.transaction() as tx:
        assert tx.query("SELECT COUNT(*), COUNT(DISTINCT session_id) FROM ratings") == [(48, 8)]

"""HYPE studies: their items (files in a study folder, hashes in the database), rater sessions and ratings.

    ratings = Ratings(Database.open("studies/ratings.sqlite"), "studies")
    ratings.create_study("dcgan-vs-real", ["runs/dcgan-..."], n=20, settings=[None, 0.7])
    s = ratings.start_session("dcgan-vs-real", "alice")     # a shuffled order of every item
    ratings.rate(s["session"], s["next"], "fake", response_ms=1830)

A study holds, for every run and setting (truncation/temperature), ``n`` generated items and as
many real items from that run's data, so the stream is balanced, plus optional attention checks.
Items get random ids (nothing in an id, file name or file tells real from generated); their files
live in ``STUDIES/NAME/items/`` and their SHA-256 in the database, checked each time a file is served.
Each rater has one session with their own random order, and rates each item once: a second
rating, an item of another study or an unknown session is a one-line :class:`RatingError`.
A rater driven by a program (the tests) is named ``scripted-...``; its session is flagged ``scripted`` in
the database, in the results and in every export, so a program is never counted as a person.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tqdm import tqdm

from ganforge.errors import GanforgeError
from ganforge.rating.db import Conflict, Database, Transaction
from ganforge.rating.items import item_source_of_run

STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
ITEM_ID = re.compile(r"^[0-9a-f]{16}$")
SCRIPTED_PREFIX = "scripted-"
ANSWERS = ("real", "fake")
MAX_ITEMS_PER_GROUP, MAX_ATTENTION, MAX_GROUPS = 500, 50, 8


class RatingError(GanforgeError):
    """A bad rating request; ``status`` is the HTTP status the studio answers with."""

    status = 400


class NotInStudy(RatingError):
    status = 404


class AlreadyRated(RatingError):
    status = 409


def check_setting(value: Any) -> Optional[float]:
    if value is None or (isinstance(value, str) and value.lower() in ("none", "")):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RatingError(f"setting {value!r} is not a number; give e.g. 0.7, or none for the default") from None
    if not number > 0 or number == float("inf"):
        raise RatingError(f"setting {value!r} must be a finite number > 0 (or none)")
    return number


class Ratings:
    """The studies of one database and studies folder."""

    def __init__(self, db: Database, studies_dir: str | Path):
        self.db, self.root = db, Path(studies_dir).resolve()

    # ------------------------------------------------------------------ studies
    def create_study(self, name: str, runs: Sequence[str | Path], n: int = 20, settings: Sequence[Any] = (None,),
                     attention: int = 0, seed: int = 0, real: Optional[str] = None, quiet: bool = False) -> Dict:
        """Sample the items, write them into ``STUDIES/NAME/items`` and record the study; its summary."""
        name = self._check_new(name)
        if not runs:
            raise RatingError("a study needs at least one run to rate")
        if not 1 <= int(n) <= MAX_ITEMS_PER_GROUP or not 0 <= int(attention) <= MAX_ATTENTION:
            raise RatingError(f"need 1 <= n <= {MAX_ITEMS_PER_GROUP} generated items per run and setting and "
                              f"0 <= attention <= {MAX_ATTENTION} (got n={n}, attention={attention})")
        values = list(dict.fromkeys(check_setting(v) for v in (settings or [None])))
        if len(values) > MAX_GROUPS or len(runs) > MAX_GROUPS:
            raise RatingError(f"a study compares at most {MAX_GROUPS} runs and {MAX_GROUPS} settings (got "
                              f"{len(runs)} and {len(values)}); split it into several studies")
        sources = [(Path(run), item_source_of_run(run)) for run in runs]
        first = sources[0][1]
        if any(type(s) is not type(first) for _, s in sources):
            raise RatingError("all runs of a study must be of one family (one kind of item); make one study each")
        plan: List[Tuple[str, Optional[Path], Optional[float], Any]] = []
        for r, (run, source) in enumerate(sources):
            plan += [("generated", run, v, (run, source, r, k)) for k, v in enumerate(values)]
            plan.append(("real", run, None, (run, source, r, len(values))))
        if attention:
            plan.append(("attention", sources[0][0], None, (sources[0][0], first, len(sources), 0)))
        folder = self.root / name
        if folder.exists():
            raise RatingError(f"study folder {folder} exists but no study {name!r} is recorded in "
                              f"{self.db.describe()}; remove the folder or pick another --name")
        tmp = self.root / f".{name}.tmp{secrets.token_hex(4)}"
        rows = []
        try:
            bar = tqdm(plan, desc=f"study {name}", unit="part", disable=quiet or None, leave=False)
            for kind, run, setting, (run_path, source, r, k) in bar:
                item_seed = seed * 1_000_003 + r * 1009 + k
                if kind == "generated":
                    files, what = source.generated(run_path, n, item_seed, setting), f"generated by {run_path.name}"
                elif kind == "real":
                    files, what = source.real(run_path, n * len(values), item_seed, real), \
                        source.describe_real(run_path, real)
                else:
                    files, what = source.attention(run_path, attention, item_seed), "attention check (scrambled)"
                for data in files:
                    item_id = secrets.token_hex(8)
                    (tmp / "items").mkdir(parents=True, exist_ok=True)   # the folder is renamed into place whole
                    (tmp / "items" / f"{item_id}{first.suffix}").write_bytes(data)
                    rows.append((item_id, kind, str(run_path.resolve()) if kind != "attention" else None, setting,
                                 f"items/{item_id}{first.suffix}", hashlib.sha256(data).hexdigest(),
                                 first.media_type, what))
            tmp.rename(folder)
            study_id = secrets.token_hex(8)
            with self.db.transaction() as tx:
                if tx.query("SELECT 1 FROM studies WHERE name = ?", (name,)):
                    raise RatingError(f"study {name!r} was created meanwhile by someone else; pick another --name")
                tx.execute("INSERT INTO studies (id, name, created, media, setting_name, seed, folder, description) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (study_id, name, time.time(), first.media, first.setting, int(seed), name,
                            json.dumps({"n": int(n), "settings": values, "attention": int(attention), "real": real})))
                for row in rows:
                    tx.execute("INSERT INTO items (id, study_id, kind, run, setting, file, sha256, media_type, source) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (row[0], study_id, *row[1:]))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if folder.exists() and not self._exists(name):
                shutil.rmtree(folder, ignore_errors=True)
            raise
        return self.study(name)

    def _check_new(self, name: str) -> str:
        if not isinstance(name, str) or not STUDY_NAME.match(name):
            raise RatingError(f"study name {name!r} must be 1-80 letters, digits, '.', '_' or '-' (starting with a "
                              "letter or digit)")
        if self._exists(name):
            raise RatingError(f"study {name!r} exists already in {self.db.describe()}; pick another --name")
        return name

    def _exists(self, name: str) -> bool:
        with self.db.transaction() as tx:
            return bool(tx.query("SELECT 1 FROM studies WHERE name = ?", (name,)))

    def study_row(self, tx: Transaction, name: str) -> Tuple:
        rows = tx.query("SELECT id, name, created, media, setting_name, seed, folder, description FROM studies "
                        "WHERE name = ?", (name,))
        if not rows:
            raise NotInStudy(f"no study named {name!r} in {self.db.describe()}; list them with `ganforge rate list`")
        return rows[0]

    def studies(self) -> List[Dict]:
        with self.db.transaction() as tx:
            names = [r[0] for r in tx.query("SELECT name FROM studies ORDER BY created, name")]
        return [self.study(name) for name in names]

    def study(self, name: str) -> Dict:
        """A study's settings and counts (items by kind, raters, ratings)."""
        with self.db.transaction() as tx:
            sid, name, created, media, setting_name, seed, folder, description = self.study_row(tx, name)
            kinds = dict(tx.query("SELECT kind, COUNT(*) FROM items WHERE study_id = ? GROUP BY kind", (sid,)))
            raters = tx.query("SELECT COUNT(*), COALESCE(SUM(scripted), 0) FROM sessions WHERE study_id = ?", (sid,))
            ratings = tx.query("SELECT COUNT(*) FROM ratings r JOIN sessions s ON r.session_id = s.id "
                               "WHERE s.study_id = ?", (sid,))
        return {"name": name, "created": created, "media": media, "setting": setting_name, "seed": seed,
                "folder": str(self.root / folder), "plan": json.loads(description or "{}"),
                "items": {k: int(kinds.get(k, 0)) for k in ("real", "generated", "attention")},
                "raters": int(raters[0][0]), "scripted_raters": int(raters[0][1]), "ratings": int(ratings[0][0])}

    def item_file(self, study: str, item_id: str) -> Tuple[bytes, str]:
        """An item's bytes and media type, checked against the hash recorded when the study was made."""
        with self.db.transaction() as tx:
            row = self.study_row(tx, study)
            sid, folder = row[0], row[6]
            rows = tx.query("SELECT file, sha256, media_type FROM items WHERE id = ? AND study_id = ?",
                            (item_id, sid)) if ITEM_ID.match(item_id or "") else []
        if not rows:
            raise NotInStudy(f"item {item_id!r} is not in study {study!r}")
        file, digest, media_type = rows[0]
        path = self.root / folder / file
        try:
            data = path.read_bytes()
        except OSError:
            raise NotInStudy(f"item file {path} is missing; restore the study folder {self.root / folder}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise RatingError(f"item file {path} was changed after the study was made (its SHA-256 differs); "
                              "restore the study folder from a copy")
        return data, media_type

    # ------------------------------------------------------------------ raters
    def start_session(self, study: str, rater: str, scripted: Optional[bool] = None) -> Dict:
        """The session of ``rater`` in ``study``: a new one with its own random order, or theirs to resume.
        A name starting with ``scripted-`` is a program's and is flagged so (``scripted=True`` demands it)."""
        rater, scripted = check_rater(rater, scripted)
        try:
            session_id = self._open_session(study, rater, scripted)
        except Conflict:   # the same rater started twice at once: the database's key kept one session, theirs
            session_id = self._open_session(study, rater, scripted)
        return self.session(session_id)

    def _open_session(self, study: str, rater: str, scripted: bool) -> str:
        with self.db.transaction() as tx:
            sid = self.study_row(tx, study)[0]
            found = tx.query("SELECT id FROM sessions WHERE study_id = ? AND rater = ?", (sid, rater))
            if found:
                return found[0][0]
            items = [r[0] for r in tx.query("SELECT id FROM items WHERE study_id = ? ORDER BY id", (sid,))]
            random.Random(secrets.randbits(64)).shuffle(items)
            session_id = secrets.token_hex(12)
            tx.execute("INSERT INTO sessions (id, study_id, rater, scripted, created, item_order) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (session_id, sid, rater, int(scripted), time.time(),
                                                     json.dumps(items)))
        return session_id

    def session(self, session_id: str) -> Dict:
        """Where a session stands: its rater, how many items it has rated of how many, and the next item."""
        with self.db.transaction() as tx:
            return self._session_state(tx, session_id)

    def _session_state(self, tx: Transaction, session_id: str) -> Dict:
        rows = tx.query("SELECT s.id, st.name, s.rater, s.scripted, s.item_order FROM sessions s "
                        "JOIN studies st ON s.study_id = st.id WHERE s.id = ?", (str(session_id),))
        if not rows:
            raise NotInStudy("this rating session does not exist; start one with your rater name")
        _, study, rater, scripted, order = rows[0]
        done = {r[0] for r in tx.query("SELECT item_id FROM ratings WHERE session_id = ?", (session_id,))}
        order = json.loads(order)
        pending = [i for i in order if i not in done]
        return {"session": session_id, "study": study, "rater": rater, "scripted": bool(scripted),
                "total": len(order), "done": len(done), "next": pending[0] if pending else None}

    def rate(self, session_id: str, item_id: str, answer: str, response_ms: Optional[int] = None) -> Dict:
        """Record one answer ("real" or "fake"); the session's new state. Nothing is written when it fails."""
        if answer not in ANSWERS:
            raise RatingError(f"answer {answer!r} is not 'real' or 'fake'")
        if response_ms is not None and (isinstance(response_ms, bool) or not isinstance(response_ms, int)
                                        or not 0 <= response_ms <= 86_400_000):
            raise RatingError(f"response_ms must be a whole number of milliseconds 0..86400000 (got {response_ms!r})")
        try:
            with self.db.transaction() as tx:
                state = self._session_state(tx, session_id)
                found = tx.query("SELECT i.kind FROM items i JOIN sessions s ON i.study_id = s.study_id "
                                 "WHERE s.id = ? AND i.id = ?", (session_id, str(item_id)))
                if not found:
                    raise NotInStudy(f"item {item_id!r} is not in study {state['study']!r}; rate only the items "
                                     "the session shows")
                if tx.query("SELECT 1 FROM ratings WHERE session_id = ? AND item_id = ?", (session_id, item_id)):
                    raise self._already(state, item_id)
                correct = (answer == "real") == (found[0][0] == "real")
                tx.execute("INSERT INTO ratings (session_id, item_id, answer, correct, response_ms, created) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (session_id, item_id, answer, int(correct), response_ms,
                                                         time.time()))
                state = self._session_state(tx, session_id)
        except Conflict:   # the same answer sent twice at once: the database's key caught the second
            raise self._already(self.session(session_id), item_id) from None
        return state

    @staticmethod
    def _already(state: Dict, item_id: str) -> AlreadyRated:
        return AlreadyRated(f"rater {state['rater']!r} has rated item {item_id!r} already; each rater rates each "
                            "item once (the first answer is kept)")


def check_rater(rater: Any, scripted: Optional[bool] = None) -> Tuple[str, bool]:
    """A rater name (1-64 printable characters) and whether a program rates: its name starts with ``scripted-``."""
    name = rater.strip() if isinstance(rater, str) else ""
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise RatingError("give a rater name of 1-64 printable characters (your name or an alias)")
    is_scripted = name.lower().startswith(SCRIPTED_PREFIX)
    if scripted and not is_scripted:
        raise RatingError(f"rater {name!r} is a program: its name must start with {SCRIPTED_PREFIX!r} so that "
                          "everyone sees it is not a person")
    return name, is_scripted

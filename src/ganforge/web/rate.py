"""The studio's Rate page and its API: HYPE-infinity studies of any run whose family gives rating items.

    GET  /rate                                     the page (?study=NAME opens a study for raters)
    GET  /api/rate                                 studies, ratable runs, the database in use
    POST /api/rate/studies                         {name, runs: [run names], n, settings: [null, 0.7], attention}
    GET  /api/rate/studies/{study}                 the study and its results (HYPE with 95 % intervals)
    GET  /api/rate/studies/{study}/export.csv      every rating, as CSV (a download)
    GET  /api/rate/studies/{study}/items/{item}    an item's file (its hash checked)
    POST /api/rate/studies/{study}/sessions        {rater, scripted?}: a rater's session (new, or resumed)
    GET  /api/rate/sessions/{session}              where the session stands, and its next item
    POST /api/rate/sessions/{session}/ratings      {item, answer: "real" | "fake", response_ms?}

Errors are the studio's ``{"error": "one line"}``: 400 a bad value, 404 an unknown study, session or an
item not in the study, 409 a second rating of an item by one rater, 423 a database that is locked or
read-only (nothing was written: the page keeps the answer and lets the rater send it again), 503 a
database that cannot be reached. The database is opened on first use (SQLite in the studies folder
unless ``ganforge studio --db URL``); its work runs on worker threads.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.rating.db import RatingDbError, open_database
from ganforge.rating.study import RatingError, Ratings
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import RunsFolder

CREATE_KEYS = {"name", "runs", "n", "settings", "attention", "seed"}


class RateService:
    """The studies of the studio: a :class:`Ratings` over the database, opened once, on first use."""

    def __init__(self, runs: RunsFolder, studies_dir: str | Path, db_url: Optional[str] = None,
                 timeout: float = 5.0):
        self.runs, self.studies_dir, self.db_url, self.timeout = runs, Path(studies_dir), db_url, timeout
        self._ratings: Optional[Ratings] = None
        self._lock = threading.Lock()

    @property
    def ratings(self) -> Ratings:
        with self._lock:
            if self._ratings is None:
                self._ratings = Ratings(open_database(self.db_url, self.studies_dir, self.timeout), self.studies_dir)
            return self._ratings

    def overview(self) -> Dict[str, Any]:
        from ganforge.rating.items import ITEM_SOURCES

        ratable = set(ITEM_SOURCES.names())
        runs = [{"name": r["name"], "family": r["family"], "model": r["model"], "step": r["step"]}
                for r in self.runs.list_runs() if r["family"] in ratable and r["checkpoints"]]
        return {"studies": self.ratings.studies(), "runs": runs, "database": self.ratings.db.describe(),
                "studies_dir": str(self.ratings.root)}

    def create(self, data: Dict[str, Any]) -> Dict[str, Any]:
        unknown = sorted(set(data) - CREATE_KEYS)
        if unknown:
            raise RatingError(f"unknown study key(s) {', '.join(unknown)}; use {', '.join(sorted(CREATE_KEYS))}")
        names = data.get("runs")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise RatingError("'runs' must be a non-empty list of run names")
        paths = [self.runs.run_folder(name).path for name in names]
        settings = data.get("settings") or [None]
        if not isinstance(settings, list):
            raise RatingError("'settings' must be a list such as [null, 0.7]")
        numbers = {k: data.get(k, d) for k, d in (("n", 20), ("attention", 0), ("seed", 0))}
        for key, value in numbers.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise RatingError(f"'{key}' must be a whole number (got {value!r})")
        return self.ratings.create_study(data.get("name"), paths, settings=settings, quiet=True, **numbers)

    def study(self, name: str) -> Dict[str, Any]:
        from ganforge.rating.results import results

        return results(self.ratings, name)


def _answers(handler):
    """Rating and database errors as the studio's JSON error lines with their status."""
    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except (RatingError, RatingDbError) as exc:
            return reply({"error": str(exc)}, exc.status)
    return wrapped


def rate_routes(service: RateService) -> List[Route]:
    """The Rate page and API as Starlette routes (``create_app`` adds them)."""

    @_answers
    async def overview(request: Request) -> Response:
        return reply(await run_in_threadpool(service.overview))

    @_answers
    async def create(request: Request) -> Response:
        data = await read_json(request)
        return reply(await run_in_threadpool(service.create, data), 201)

    @_answers
    async def study(request: Request) -> Response:
        return reply(await run_in_threadpool(service.study, request.path_params["study"]))

    @_answers
    async def export(request: Request) -> Response:
        from ganforge.rating.results import export_csv

        name = request.path_params["study"]
        text = await run_in_threadpool(export_csv, service.ratings, name)
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}-ratings.csv"'})

    @_answers
    async def item(request: Request) -> Response:
        content, media_type = await run_in_threadpool(service.ratings.item_file, request.path_params["study"],
                                                      request.path_params["item"])
        return Response(content, media_type=media_type, headers={"cache-control": "private, max-age=3600"})

    @_answers
    async def start(request: Request) -> Response:
        data = await read_json(request)
        state = await run_in_threadpool(service.ratings.start_session, request.path_params["study"],
                                        data.get("rater"), data.get("scripted") is True)
        return reply(state)

    @_answers
    async def session(request: Request) -> Response:
        return reply(await run_in_threadpool(service.ratings.session, request.path_params["session"]))

    @_answers
    async def rate(request: Request) -> Response:
        data = await read_json(request)
        state = await run_in_threadpool(service.ratings.rate, request.path_params["session"], data.get("item"),
                                        data.get("answer"), data.get("response_ms"))
        return reply(state)

    return [
        Route("/api/rate", overview),
        Route("/api/rate/studies", create, methods=["POST"]),
        Route("/api/rate/studies/{study}", study),
        Route("/api/rate/studies/{study}/export.csv", export),
        Route("/api/rate/studies/{study}/items/{item}", item),
        Route("/api/rate/studies/{study}/sessions", start, methods=["POST"]),
        Route("/api/rate/sessions/{session}", session),
        Route("/api/rate/sessions/{session}/ratings", rate, methods=["POST"]),
    ]

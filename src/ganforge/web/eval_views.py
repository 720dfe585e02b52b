"""The studio's view of ``ganforge eval RUN --views``: the per-sample views an evaluation wrote into ``RUN/eval/views``.

    GET /api/runs/{name}/views           views.json (confident shares, worst samples, nearest neighbours); 404 if none
    GET /api/runs/{name}/views/{file}    one of its grids: neighbours-EXTRACTOR.png or worst-EXTRACTOR.png

The Runs page shows the grids under a run's samples when they exist. Files are looked up by a name
that must match a fixed pattern and read with the run folder's one safe reader, as every other run
file the studio serves (:mod:`ganforge.web.runs`).
"""
from __future__ import annotations

import json
import re
from typing import List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.engine.run_folder import ROWS_LIMIT
from ganforge.web.jsonio import reply
from ganforge.web.runs import NotFound, RunsFolder

VIEWS_FILE = "views.json"
VIEW_IMAGE = re.compile(r"^(neighbours|worst)-[a-z0-9][a-z0-9._-]{0,80}\.png$")


def read_views(runs: RunsFolder, name: str) -> dict:
    """The run's views.json, with each grid's URL; NotFound when the run has none."""
    run = runs.run_folder(name)
    try:
        views = json.loads(run.read_file(run.eval_dir / "views" / VIEWS_FILE))
    except (OSError, ValueError):
        raise NotFound(f"run {name!r} has no evaluation views; make them with `ganforge eval RUN --views`") from None
    if not isinstance(views, dict):
        raise NotFound(f"run {name!r} has no readable evaluation views")
    for part in [*(views.get("worst") or {}).values(), views.get("neighbours") or {}]:
        if isinstance(part, dict) and VIEW_IMAGE.match(str(part.get("image", ""))):
            part["url"] = f"/api/runs/{name}/views/{part['image']}"
    return views


def view_image(runs: RunsFolder, name: str, filename: str) -> bytes:
    if not VIEW_IMAGE.match(filename or ""):
        raise NotFound(f"no view {filename!r} in run {name!r}")
    run = runs.run_folder(name)
    try:
        return run.read_file(run.eval_dir / "views" / filename, ROWS_LIMIT)
    except OSError:
        raise NotFound(f"no view {filename!r} in run {name!r}") from None


def eval_views_routes(runs: RunsFolder) -> List[Route]:
    async def views(request: Request) -> Response:
        return reply(await run_in_threadpool(read_views, runs, request.path_params["name"]))

    async def image(request: Request) -> Response:
        data = await run_in_threadpool(view_image, runs, request.path_params["name"], request.path_params["file"])
        return Response(data, media_type="image/png")

    return [Route("/api/runs/{name}/views", views), Route("/api/runs/{name}/views/{file}", image)]

"""The studio's web app: a Starlette ASGI app serving the pages of :mod:`ganforge.web.pages` and their JSON API.

    app = create_app(runs_dir="runs")     # then: uvicorn.run(app, host="127.0.0.1", port=8765)

Pages are static files vendored in ``ganforge/web/static`` (plain HTML, CSS and JS; no CDN, no
build step). The API answers JSON; every error is ``{"error": "one readable line"}`` with a 4xx
status for a bad request (400 malformed or a non-finite number, 401 no token off loopback, 403
cross-site, 404 unknown run/file/session, 413 body too large, 415 not JSON, 429 too many labs) and 500
only for a bug, whose message names the exception but never carries a traceback. The guards every
request passes first are in :mod:`ganforge.web.guard`; run files are read only through
:func:`ganforge.engine.run_folder.read_run_file` (regular files inside their run, size-capped).
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ganforge.errors import GanforgeError
from ganforge.losses import LOSSES
from ganforge.web.create import GeneratorCache, Jobs
from ganforge.web.dissect import dissect_routes
from ganforge.web.guard import BodyLimit, RequestGuard, SecurityHeaders
from ganforge.web.jsonio import read_json, reply
from ganforge.web.lab_sessions import LabSessions, TooManyLabs
from ganforge.web.runs import NotFound, RunsFolder
from ganforge.web.training import Launcher, training_routes
from ganforge.web.lab import DATASETS as LAB_DATASETS
from ganforge.web.pages import page_routes
from ganforge.web.rate import RateService, rate_routes
from ganforge.web.translate import translate_routes
from ganforge.web.fill import fill_routes
from ganforge.web.music import music_routes
from ganforge.web.listen import listen_routes
from ganforge.web.prompt import prompt_routes
from ganforge.web.eval_views import eval_views_routes

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 256 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
log = logging.getLogger("ganforge.studio")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def query_int(request: Request, name: str, default: int = 0) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise ApiError(400, f"query parameter {name!r} must be a whole number, got {raw!r}") from None


def warm_up() -> None:
    """One throw-away Lab iteration and frame, so that no visitor waits for torch's one-time set-up."""
    from ganforge.web.lab import LabSession, parse_config

    session = LabSession("warm-up", parse_config({"batch_size": 8}))
    session.iteration()
    session.snapshot()


# ---------------------------------------------------------------------- the app
def create_app(runs_dir: str | Path = "runs", allowed_hosts: Optional[Iterable[str]] = LOCAL_HOSTS,
               max_labs: int = 32, body_limit: int = MAX_BODY_BYTES, token: Optional[str] = None,
               studies_dir: Optional[str | Path] = None, db: Optional[str] = None, provenance: bool = True) -> Starlette:
    """The studio app over the runs in ``runs_dir``; ``allowed_hosts=None`` accepts any Host header, and
    ``token`` (required off loopback) must then come with every request (see :mod:`ganforge.web.guard`).
    Rating studies keep their items in ``studies_dir`` (default: ``studies`` beside the runs folder) and
    their ratings in ``db`` (default: ``ratings.sqlite`` there; see :mod:`ganforge.web.rate`). Generated images
    (Create, Translate) carry provenance (:mod:`ganforge.provenance`) unless ``provenance`` is False."""
    runs = RunsFolder(runs_dir)
    rating = RateService(runs, studies_dir if studies_dir is not None else runs.root.parent / "studies", db)
    labs = LabSessions(max_sessions=max_labs)
    jobs = Jobs(GeneratorCache(runs, provenance=provenance))
    launcher = Launcher(runs)

    def lab_of(request: Request):
        try:
            return labs.get(request.path_params["lab_id"])
        except KeyError:
            raise ApiError(404, "this Lab session has expired or never existed; reload the page for a new one") \
                from None

    async def lab_frame(session) -> Response:
        return Response(await run_in_threadpool(session.frame_json), media_type="application/json")

    # ------------------------------------------------------------------ routes
    async def index(request: Request) -> Response:
        return RedirectResponse("/lab")

    async def favicon(request: Request) -> Response:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    async def options(request: Request) -> Response:
        return reply({"losses": LOSSES.names(), "datasets": sorted(LAB_DATASETS), "runs_dir": str(runs.root)})

    async def lab_create(request: Request) -> Response:
        data = await read_json(request)
        session = await run_in_threadpool(labs.create, data)
        return await lab_frame(session)

    async def lab_get(request: Request) -> Response:
        return await lab_frame(lab_of(request))

    def control(session, data: Dict[str, Any]) -> None:
        """A Lab control, on a worker thread: the session's lock may be held by a long training step."""
        action = data.get("action")
        if action in ("play", "pause"):
            labs.set_playing(session, action == "play")
        elif action == "slow":
            session.set_state(slow=bool(data.get("on", True)))
        elif action in ("step_g", "step_d", "reset"):
            labs.set_playing(session, False)
            session.request(action)
        elif action == "config":
            from ganforge.web.lab import parse_config

            cfg = parse_config(data.get("config") if isinstance(data.get("config"), dict) else {})
            labs.set_playing(session, False)
            session.request("reset", cfg)
        else:
            raise ApiError(400, f"unknown Lab action {action!r}; use play, pause, slow, step_g, step_d, reset "
                                "or config")

    async def lab_control(request: Request) -> Response:
        session = lab_of(request)
        await run_in_threadpool(control, session, await read_json(request))
        return await lab_frame(session)

    async def lab_delete(request: Request) -> Response:
        labs.remove(request.path_params["lab_id"])
        return reply({"deleted": True})

    async def runs_list(request: Request) -> Response:
        return reply({"runs_dir": str(runs.root), "runs": await run_in_threadpool(runs.list_runs)})

    async def run_detail(request: Request) -> Response:
        since_stats, since_metrics = query_int(request, "since_stats"), query_int(request, "since_metrics")
        detail = await run_in_threadpool(runs.detail, request.path_params["name"], since_stats, since_metrics)
        return reply(detail)

    async def run_sample(request: Request) -> Response:
        content, media_type = await run_in_threadpool(runs.sample_file, request.path_params["name"],
                                                      request.path_params["file"])
        return Response(content, media_type=media_type)

    async def create_job(request: Request) -> Response:
        data = await read_json(request)
        job = await run_in_threadpool(jobs.submit, data)
        return reply(job.status(), 202)

    def job_of(request: Request):
        try:
            return jobs.get(request.path_params["job_id"])
        except KeyError:
            raise ApiError(404, "no such job (finished results are kept a few minutes, the newest "
                                f"{jobs.keep_count} at most); run it again") from None

    async def job_status(request: Request) -> Response:
        return reply(job_of(request).status())

    async def job_result(request: Request) -> Response:
        job = job_of(request)
        if job.state != "done":
            raise ApiError(409 if job.state != "error" else 400, job.error or f"the job is still {job.state}")
        headers = {}
        if request.query_params.get("download"):
            headers["content-disposition"] = f'attachment; filename="{job.filename}"'
        return Response(job.content, media_type=job.media_type, headers=headers)

    # ------------------------------------------------------------------ errors
    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return reply({"error": exc.message}, exc.status)

    async def on_user_error(request: Request, exc: GanforgeError) -> Response:
        return reply({"error": str(exc)}, 429 if isinstance(exc, TooManyLabs) else 400)

    async def on_not_found(request: Request, exc: NotFound) -> Response:
        return reply({"error": str(exc.args[0]) if exc.args else "not found"}, 404)

    async def on_http(request: Request, exc: HTTPException) -> Response:
        messages = {404: f"nothing at {request.url.path}", 405: f"{request.method} is not allowed on {request.url.path}"}
        return reply({"error": messages.get(exc.status_code, exc.detail)}, exc.status_code)

    async def on_bug(request: Request, exc: Exception) -> Response:
        log.exception("studio request %s %s failed", request.method, request.url.path)
        return reply({"error": f"internal error ({type(exc).__name__}: {exc}); see the server log"}, 500)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(warm_up)  # torch's first-call costs are paid before the first page asks
        labs.start()
        try:
            yield
        finally:
            labs.stop()
            jobs.shutdown()
            launcher.shutdown()

    routes = [
        Route("/", index),
        *page_routes(),
        Route("/favicon.ico", favicon),
        Route("/api/options", options),
        Route("/api/lab", lab_create, methods=["POST"]),
        Route("/api/lab/{lab_id}", lab_get),
        Route("/api/lab/{lab_id}", lab_delete, methods=["DELETE"]),
        Route("/api/lab/{lab_id}/control", lab_control, methods=["POST"]),
        Route("/api/runs", runs_list),
        Route("/api/runs/{name}", run_detail),
        *eval_views_routes(runs),
        Route("/api/runs/{name}/samples/{file}", run_sample),
        Route("/api/create", create_job, methods=["POST"]),
        Route("/api/jobs/{job_id}", job_status),
        Route("/api/jobs/{job_id}/result", job_result),
        *translate_routes(runs, provenance),
        *rate_routes(rating),
        *training_routes(runs, launcher),
        *dissect_routes(runs),
        *fill_routes(runs),
        *music_routes(runs, provenance),
        *listen_routes(runs),
        *prompt_routes(runs, provenance),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if allowed_hosts is None and token is None:
        raise ValueError("a studio that accepts any Host header needs a token (DNS rebinding)")
    hosts = [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))] if allowed_hosts is not None else []
    middleware = [Middleware(SecurityHeaders), *hosts, Middleware(BodyLimit, limit=body_limit),
                  Middleware(RequestGuard, token=token)]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={ApiError: on_api_error, GanforgeError: on_user_error, NotFound: on_not_found,
                                        HTTPException: on_http, Exception: on_bug},
                    lifespan=lifespan)
    app.state.runs, app.state.labs, app.state.jobs = runs, labs, jobs
    app.state.rating, app.state.launcher = rating, launcher
    return app

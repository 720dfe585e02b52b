"""The studio drives real training: start runs from a form (queued, one at a time), steer, stop and fork them.

A run started here is ``python -m ganforge.cli.main train MODEL --set ...`` in a background process
of its own session (it outlives the page and the studio), its output in ``RUN/train.log``; the form
is checked by the family's typed config first, key by key, so a mistake is shown next to its field.
Runs wait in a queue while another run of the runs folder trains (2 cores: one at a time), at most
``max_queued`` of them. What a page shows comes from the run folders (``status.json``,
``events.jsonl``), so a reload loses nothing. Steering goes through the engine's one control channel
(:mod:`ganforge.engine.control`), the one ``ganforge control`` uses.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import typing
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import ganforge
from ganforge.config import load_config, merge
from ganforge.engine.checkpoint import read_metadata
from ganforge.engine.control import NotTraining, flatten, send, wait_for_event
from ganforge.engine.run_folder import RunFolder
from ganforge.errors import ConfigError, GanforgeError
from ganforge.family import FAMILIES, family_named, family_of_model
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import NotFound, RunsFolder

# the form's fields, where the model's config has them (any other key goes in "more settings")
FORM_KEYS = ("data.name", "train.steps", "train.batch_size", "train.lr_g", "train.lr_d", "train.d_steps",
             "train.ema_decay", "loss.name", "model.width", "train.sample_every", "train.log_every",
             "train.checkpoint_every", "train.threads", "augment.kind")
MAX_KEYS = 64


def field_choices(config_class: Any, key: str) -> Optional[List[Any]]:
    """The allowed values of a dotted config key (its ``option(choices=...)``), or None for a free value."""
    *path, last = key.split(".")
    node = config_class
    for part in path:
        node = typing.get_type_hints(node).get(part)
        if node is None or not is_dataclass(node):
            return None
    meta = next((f.metadata for f in fields(node) if f.name == last), {})
    return list(meta["choices"]) if meta.get("choices") else None


def nested(flat: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in flat.items():
        *path, last = key.split(".")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return out


class FormError(GanforgeError):
    """A form with mistakes: ``fields`` maps each wrong key to its one-line message."""

    def __init__(self, fields: Dict[str, str]):
        super().__init__(next(iter(fields.values())))
        self.fields = fields


def check_form(model: Any, settings: Any, base: Optional[Dict[str, Any]] = None):
    """The run config a form asks for, checked key by key as ``--set`` is (FormError naming each wrong field)."""
    if not isinstance(model, str) or not model:
        raise FormError({"model": "pick a model"})
    try:
        family = family_of_model(model)
    except GanforgeError as exc:
        raise FormError({"model": str(exc)}) from None
    if not isinstance(settings, dict) or len(settings) > MAX_KEYS:
        raise FormError({"settings": f"settings must be an object of at most {MAX_KEYS} KEY: VALUE pairs"})
    data = merge(base if base is not None else family.model_defaults(model), {"model": {"name": model}})
    errors: Dict[str, str] = {}
    for key, value in settings.items():
        try:
            load_config(family.config_class, base=merge(data, nested({key: value})))
        except (ConfigError, TypeError, AttributeError) as exc:
            errors[key] = str(exc) if isinstance(exc, ConfigError) else f"{key!r} is not a config key"
    if errors:
        raise FormError(errors)
    try:
        return family, load_config(family.config_class, base=merge(data, nested(settings)))
    except ConfigError as exc:
        raise FormError({"settings": str(exc)}) from None


class Launcher:
    """Starts ``ganforge train`` processes in the runs folder, one at a time, the rest queued."""

    def __init__(self, runs: RunsFolder, max_queued: int = 4, max_running: int = 1):
        self.runs, self.root = runs, runs.root
        self.max_queued, self.max_running = max_queued, max_running
        self.jobs: List[Dict[str, Any]] = []
        self.procs: Dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: Optional[threading.Thread] = None

    def submit(self, model: str, settings: Dict[str, Any], fork: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        with self.lock:
            if sum(j["state"] == "queued" for j in self.jobs) >= self.max_queued:
                raise QueueFull(f"{self.max_queued} runs are queued already; wait for one to start or cancel one")
            name = f"{model}-{time.strftime('%Y%m%d-%H%M%S')}"
            taken = {j["name"] for j in self.jobs}
            n = 1
            while (self.root / name).exists() or name in taken:
                n += 1
                name = f"{model}-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
            job = {"id": secrets.token_hex(6), "name": name, "model": model, "settings": settings, "fork": fork,
                   "state": "queued", "queued": time.time()}
            self.jobs.append(job)
            self.jobs = [j for j in self.jobs if j["state"] in ("queued", "running")] + \
                [j for j in self.jobs if j["state"] not in ("queued", "running")][-20:]
        self.pump()
        if self.thread is None:
            self.thread = threading.Thread(target=self._loop, name="ganforge-launcher", daemon=True)
            self.thread.start()
        return dict(job)

    def cancel(self, job_id: str) -> Dict[str, Any]:
        with self.lock:
            for job in self.jobs:
                if job["id"] == job_id:
                    if job["state"] != "queued":
                        raise GanforgeError(f"run {job['name']} is {job['state']}, not queued; stop a training run "
                                            "with its Stop button")
                    job["state"] = "cancelled"
                    return dict(job)
        raise NotFound(f"no queued run {job_id!r}")

    def listing(self) -> List[Dict[str, Any]]:
        self.pump()
        with self.lock:
            return [dict(j) for j in self.jobs]

    def training_elsewhere(self) -> bool:
        """Whether a run of the folder trains (started here, by the CLI, or by an earlier studio)."""
        if not self.root.is_dir():
            return False
        return any(RunFolder(p).status().get("training") for p in self.root.iterdir() if p.is_dir())

    def pump(self) -> None:
        """Reap finished processes; start the next queued run when nothing trains."""
        with self.lock:
            for job in self.jobs:
                proc = self.procs.get(job["id"])
                if job["state"] == "running" and proc is not None and proc.poll() is not None:
                    job["state"] = "done" if proc.returncode == 0 else "failed"
                    job["error"] = last_line(RunFolder(self.root / job["name"]).log_path) if proc.returncode else None
                    del self.procs[job["id"]]
            if self.procs or not any(j["state"] == "queued" for j in self.jobs):
                return
        if self.training_elsewhere():
            return
        with self.lock:
            job = next((j for j in self.jobs if j["state"] == "queued"), None)
            if job is not None:
                self.procs[job["id"]] = self.launch(job)
                job["state"], job["started"] = "running", time.time()

    def launch(self, job: Dict[str, Any]) -> subprocess.Popen:
        args = [sys.executable, "-m", "ganforge.cli.main", "train"]
        args += ["--fork", job["fork"]["checkpoint"]] if job["fork"] else [job["model"]]
        args += ["--out", str(self.root), "--name", job["name"]]
        for key, value in job["settings"].items():
            args += ["--set", f"{key}={json.dumps(value)}"]
        run = RunFolder(self.root / job["name"])
        run.path.mkdir(parents=True, exist_ok=True)
        src = str(Path(ganforge.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
        with open(run.log_path, "ab") as log:
            return subprocess.Popen(args, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env, start_new_session=True)

    def _loop(self) -> None:
        while not self.stop.wait(1.0):
            try:
                self.pump()
            except OSError:
                continue

    def shutdown(self) -> None:
        """Stop the queue; runs already training go on (their state lives in their run folders)."""
        self.stop.set()


class QueueFull(GanforgeError):
    pass


def last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "the training process failed"
    return lines[-1][:300] if lines else "the training process failed"


# ---------------------------------------------------------------------- routes
def training_routes(runs: RunsFolder, launcher: Launcher) -> List[Route]:
    def form_reply(exc: GanforgeError) -> Response:
        status = 429 if isinstance(exc, QueueFull) else 409 if isinstance(exc, NotTraining) else 400
        return reply({"error": str(exc), "fields": getattr(exc, "fields", {})}, status)

    async def options(request: Request) -> Response:
        families = {name: FAMILIES.get(name).models() for name in FAMILIES.names()}
        return reply({"families": families, "form_keys": list(FORM_KEYS)})

    def defaults(model: str) -> Dict[str, Any]:
        family, cfg = check_form(model, {})
        settings = flatten(asdict(cfg))
        choices = {k: c for k in FORM_KEYS if k in settings for c in [field_choices(type(cfg), k)] if c}
        return {"family": family.name, "settings": settings, "choices": choices}

    async def model_defaults(request: Request) -> Response:
        try:
            return reply(await run_in_threadpool(defaults, request.query_params.get("model", "")))
        except GanforgeError as exc:
            return form_reply(exc)

    async def start(request: Request) -> Response:
        data = await read_json(request)
        try:
            _, cfg = await run_in_threadpool(check_form, data.get("model"), data.get("settings", {}))
            job = await run_in_threadpool(launcher.submit, cfg.model.name, data.get("settings", {}))
        except GanforgeError as exc:
            return form_reply(exc)
        return reply(job, 202)

    async def jobs(request: Request) -> Response:
        return reply({"jobs": await run_in_threadpool(launcher.listing)})

    async def cancel(request: Request) -> Response:
        try:
            return reply(await run_in_threadpool(launcher.cancel, request.path_params["job_id"]))
        except GanforgeError as exc:
            return form_reply(exc)

    def steer(name: str, data: Dict[str, Any]) -> Dict[str, Any]:
        run = runs.run_folder(name)
        action, values = data.get("action"), data.get("values")
        if values is not None and not isinstance(values, dict):
            raise ConfigError("values must be an object of KEY: VALUE pairs")
        config = None
        if action == "set":
            family = family_named(run.info()["family"])
            config = load_config(family.config_class, base=run.config_dict())
        command = send(run, action if isinstance(action, str) else repr(action), values, "studio", config)
        event = wait_for_event(run, command, 10.0)
        if event is not None and event.get("event") == "rejected":
            raise ConfigError(event.get("error", "the trainer refused the command"))
        return {"sent": command, "event": event, "status": run.status()}

    async def control(request: Request) -> Response:
        data = await read_json(request)
        try:
            return reply(await run_in_threadpool(steer, request.path_params["name"], data))
        except GanforgeError as exc:
            return form_reply(exc)

    def fork_job(name: str, data: Dict[str, Any]) -> Dict[str, Any]:
        run = runs.run_folder(name)
        step = data.get("step")
        path = runs.checkpoint_file(name, step if isinstance(step, int) and not isinstance(step, bool) else None)
        meta = read_metadata(path)
        settings = data.get("settings", {})
        base = merge(run.config_dict(), nested(meta.get("settings") or {}))
        check_form(meta.get("model"), settings, base=base)
        fork = {"parent": name, "checkpoint": str(path), "step": int(meta["step"])}
        return launcher.submit(meta.get("model", "run"), settings, fork=fork)

    async def fork(request: Request) -> Response:
        data = await read_json(request)
        try:
            return reply(await run_in_threadpool(fork_job, request.path_params["name"], data), 202)
        except GanforgeError as exc:
            return form_reply(exc)

    async def events(request: Request) -> Response:
        run = runs.run_folder(request.path_params["name"])
        rows, _, count = await run_in_threadpool(run.events_rows)
        return reply({"events": rows, "lines": count, "status": await run_in_threadpool(run.status)})

    async def compare(request: Request) -> Response:
        from ganforge.web.compare import compare_runs

        names = [n for n in request.query_params.get("runs", "").split(",") if n]
        return reply(await run_in_threadpool(compare_runs, runs, names))

    return [Route("/api/train/options", options), Route("/api/train/defaults", model_defaults),
            Route("/api/train", start, methods=["POST"]), Route("/api/train/jobs", jobs),
            Route("/api/train/jobs/{job_id}/cancel", cancel, methods=["POST"]),
            Route("/api/runs/{name}/control", control, methods=["POST"]),
            Route("/api/runs/{name}/fork", fork, methods=["POST"]),
            Route("/api/runs/{name}/events", events), Route("/api/compare", compare)]


__all__ = ["Launcher", "training_routes", "check_form"]
